/**
 * How a preview is recognised again — by teardown, by the next push, by prune — in Kubernetes
 * labels, the gateway resource's description, the pull-request comment and the GitHub environment.
 * Pure: everything is derived from the repository, the pull request and the gateway's names.
 */
import { createHash } from 'node:crypto'

export const PREVIEW_LABEL = {
  repository: 'apim-gateway-action/repository',
  pullRequest: 'apim-gateway-action/pull-request'
} as const

export const PREVIEW_ANNOTATION = {
  /** `owner/repo#7`, readable where the label had to be shortened. */
  previewOf: 'apim-gateway-action/preview-of',
  /** ARM id of the gateway resource the preview created, for prune. */
  gatewayResource: 'apim-gateway-action/gateway-resource'
} as const

export interface PreviewIdentity {
  repository: string
  pullRequest: number
}

const LABEL_VALUE = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/

/**
 * A label value for `owner/repo` (label values allow no `/` and at most 63 characters). Owners
 * have no `.`, so `owner.repo` is unambiguous; longer or odd names fall back to a hash.
 */
export function repositoryLabel(repository: string): string {
  const value = repository.toLowerCase().replace('/', '.')
  if (value.length <= 63 && LABEL_VALUE.test(value)) return value
  return `sha256-${createHash('sha256').update(repository.toLowerCase()).digest('hex').slice(0, 40)}`
}

export function previewLabels(preview: PreviewIdentity): Record<string, string> {
  return { [PREVIEW_LABEL.repository]: repositoryLabel(preview.repository), [PREVIEW_LABEL.pullRequest]: String(preview.pullRequest) }
}

/** Selects this pull request's objects; with no pull request, every preview of the repository. */
export function previewSelector(repository: string, pullRequest?: number): string {
  return [`${PREVIEW_LABEL.repository}=${repositoryLabel(repository)}`, ...(pullRequest ? [`${PREVIEW_LABEL.pullRequest}=${pullRequest}`] : [])].join(',')
}

export function previewOf(preview: PreviewIdentity): string {
  return `${preview.repository}#${preview.pullRequest}`
}

/** The gateway resource's location name (shown in the portal's gateway list). */
export function gatewayLocation(preview: PreviewIdentity): string {
  return `PR preview ${previewOf(preview)}`
}

/**
 * The gateway resource's description. It is also the proof of ownership teardown checks before it
 * deletes a gateway, so a mistyped `gateway-name` can never delete a gateway that is not a preview.
 */
export function gatewayDescription(preview: PreviewIdentity, serverUrl: string): string {
  return `Pull-request preview of ${previewOf(preview)} (${serverUrl}/${preview.repository}/pull/${preview.pullRequest}), created by apim-gateway-action. Its teardown deletes this gateway.`
}

export function ownsGateway(description: string | undefined, preview: PreviewIdentity): boolean {
  return (description ?? '').toLowerCase().startsWith(`pull-request preview of ${previewOf(preview).toLowerCase()} (`) && description!.includes('apim-gateway-action')
}

/** The hidden marker that finds this preview's comment again. */
export function commentMarker(serviceName: string, gatewayName: string): string {
  // API Management names are case-insensitive: `PR-7` and `pr-7` are one gateway.
  return `<!-- apim-gateway-action preview: service=${serviceName.toLowerCase()} gateway=${gatewayName.toLowerCase()} -->`
}

/** The GitHub deployment environment of a preview (two services may both have a `pr-7`). */
export function environmentName(serviceName: string, gatewayName: string): string {
  return `apim-${serviceName.toLowerCase()}-${gatewayName.toLowerCase()}`
}

export function gatewayResourceId(apim: { subscriptionId: string; resourceGroup: string; serviceName: string; gatewayName: string }): string {
  return `/subscriptions/${apim.subscriptionId}/resourceGroups/${apim.resourceGroup}/providers/Microsoft.ApiManagement/service/${apim.serviceName}/gateways/${apim.gatewayName}`
}

/** Splits an ARM gateway id back into its parts (undefined when it is not one). */
export function parseGatewayResourceId(id: string): { subscriptionId: string; resourceGroup: string; serviceName: string; gatewayName: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)\/gateways\/([^/]+)$/i.exec(id)
  return m ? { subscriptionId: m[1], resourceGroup: m[2], serviceName: m[3], gatewayName: m[4] } : undefined
}
