import { parseDuration } from './duration.js'
import { ActionError } from './errors.js'
import { describeNonToken, parseGatewayToken, type GatewayToken } from './token.js'
import { cloudEndpoints, CLOUD_NAMES, type CloudName } from './azure/clouds.js'
import type { RunContext } from './github/context.js'
import { gatewayResourceId } from './preview/naming.js'

/**
 * Everything the action needs, read and validated from the inputs in one place before any network
 * call. Defaults live in action.yml (the runner fills them in), so this module has none of its own.
 */
export interface Settings {
  /**
   * `deploy` (get a token, apply, wait), `rotate` (replace the running token safely), or the
   * pull-request preview life cycle: `preview`, `teardown`, `prune`.
   */
  command: Command
  rotation: RotationSettings
  /** Present for `preview`, `teardown` and `prune`. */
  preview?: PreviewSettings
  /** How the token is obtained: from ARM after an Azure sign-in, or given by the user. */
  token: ArmTokenSettings | ProvidedTokenSettings
  apim: { resourceGroup: string; serviceName: string; gatewayName: string }
  kube: { kubeconfig?: string; context?: string; namespace: string; createNamespace: boolean }
  gateway: GatewaySettings
  wait: boolean
  timeoutMs: number
}

export type Command = 'deploy' | 'rotate' | 'preview' | 'teardown' | 'prune'
const COMMANDS: readonly Command[] = ['deploy', 'rotate', 'preview', 'teardown', 'prune']
const PREVIEW_COMMANDS: readonly Command[] = ['preview', 'teardown', 'prune']

export interface PreviewSettings {
  /** `owner/repo` of the workflow run. */
  repository: string
  /** The pull request (`preview`, `teardown`); 0 for `prune`, which finds them. */
  pullRequest: number
  /** API ids to associate with the preview gateway. */
  apis: string[]
  githubToken: string
  skipOnFork: boolean
  /** How long to wait for the Service's load-balancer address once the pods are Ready. */
  addressTimeoutMs: number
  /** `prune`: previews older than this go even when their pull request is still open. */
  maxAgeMs: number
  /** ARM id of the preview's gateway resource (recorded on the Deployment for prune). */
  gatewayResource: string
  context: RunContext
}

export interface RotationSettings {
  /** Rotate only when the running token expires within this long (unless `force`). */
  rotateBeforeMs: number
  force: boolean
  /** After the new token is live everywhere, regenerate the key the previous token came from. */
  revokePrevious: boolean
}

export interface ArmTokenSettings {
  source: 'arm'
  mode: 'generate' | 'regenerate'
  keyType: KeyType
  lifetimeMs: number
  azure: AzureSettings
}

export interface ProvidedTokenSettings {
  source: 'input'
  token: GatewayToken
}

export interface AzureSettings {
  authType: 'oidc' | 'azure-cli'
  clientId: string
  tenantId: string
  subscriptionId: string
  audience: string
  environment: CloudName
  authorityHost: string
  armEndpoint: string
}

export type KeyType = 'primary' | 'secondary'
export type AuthLayout = 'spec' | 'token-env'

export interface GatewaySettings {
  /** Base name of the Kubernetes objects: `<name>-token`, `<name>-env`, `<name>`, `<name>-loadbalancer`. */
  name: string
  authLayout: AuthLayout
  configEndpoint: string
  image: string
  replicas: number
  cpu: string
  memory: string
  serviceType: 'LoadBalancer' | 'ClusterIP' | 'NodePort'
  logLevel: string
}

export type InputReader = (name: string) => string

export const MAX_TOKEN_LIFETIME_MS = 30 * 86_400_000
const MIN_TOKEN_LIFETIME_MS = 3_600_000

/** All problems found in the inputs, reported together so one run shows every fix needed. */
export class SettingsError extends ActionError {
  constructor(readonly problems: string[]) {
    super(`The action's inputs are not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.name = 'SettingsError'
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
/** Service names must also start with a letter (DNS-1035). */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const QUANTITY = /^([+-]?[0-9.]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/
const SERVICE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,48}[a-zA-Z0-9]$/
const GATEWAY_NAME = /^[^&\s/\\?#%*:<>]{1,80}$/
const LOG_LEVELS = ['debug', 'info', 'warn', 'error']
const SUFFIX_LENGTH = '-loadbalancer'.length
/** API ids (the 2024-05-01 spec's pattern, without revisions). */
const API_ID = /^[^*#&+:<>?;\s/\\]{1,256}$/

/**
 * `context` is what the workflow run says about itself (repository, pull request); only the
 * preview commands need it.
 */
export function readSettings(input: InputReader, now: Date = new Date(), context?: RunContext): Settings {
  const problems: string[] = []
  const fail = (name: string, message: string): void => void problems.push(`input '${name}': ${message}`)
  const get = (name: string): string => input(name).trim()
  const required = (name: string, why = ''): string => {
    const value = get(name)
    if (!value) fail(name, `is required${why}. Set it in the step's \`with:\` block.`)
    return value
  }
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = get(name)
    if (!allowed.includes(value as T)) fail(name, `must be one of ${allowed.map(a => `'${a}'`).join(', ')}, got '${value}'.`)
    return value as T
  }
  const bool = (name: string): boolean => {
    const value = get(name).toLowerCase()
    if (['true', 'yes', 'on'].includes(value)) return true
    if (['false', 'no', 'off'].includes(value)) return false
    fail(name, `must be 'true' or 'false', got '${value}'.`)
    return false
  }
  const duration = (name: string): number => {
    const ms = parseDuration(get(name))
    if (ms === undefined) fail(name, `must be a duration such as '10m', '29d', '12h' or ISO 8601 'P29D', got '${get(name)}'.`)
    else if (ms <= 0) fail(name, `must be longer than zero, got '${get(name)}'.`)
    return ms ?? 0
  }

  const command = oneOf('command', COMMANDS)
  const isPreview = PREVIEW_COMMANDS.includes(command)
  // prune finds its gateways and namespaces through labels.
  const gatewayName = command === 'prune' ? get('gateway-name') : required('gateway-name', ' (the gateway resource in API Management)')
  if (gatewayName && !GATEWAY_NAME.test(gatewayName)) fail('gateway-name', 'must be 1–80 characters without spaces or any of & / \\ ? # % * : < >.')
  if (gatewayName.toLowerCase() === 'managed') fail('gateway-name', "'managed' is reserved for the managed gateway; self-hosted gateways need another name.")

  const providedToken = input('gateway-token')
  const token = providedToken.trim()
    ? readProvidedToken(providedToken, gatewayName, now, fail)
    : readArmToken()

  const serviceName = get('service-name')
  const resourceGroup = get('resource-group')
  if (token?.source === 'arm') {
    if (!resourceGroup) fail('resource-group', 'is required to get a token from API Management (or pass `gateway-token`).')
    if (!serviceName) fail('service-name', 'is required to get a token from API Management (or pass `gateway-token`).')
  }
  if (resourceGroup && !RESOURCE_GROUP.test(resourceGroup)) fail('resource-group', 'must be 1–90 letters, digits, `-`, `_`, `.`, `(` or `)`.')
  if (serviceName && !SERVICE_NAME.test(serviceName)) fail('service-name', 'must be the API Management instance name: 2–50 letters, digits and hyphens, starting with a letter (not its URL).')

  const namespace = command === 'prune' ? get('namespace') : required('namespace', ' (the Kubernetes namespace to deploy into)')
  if (namespace && !DNS_LABEL.test(namespace)) fail('namespace', `'${namespace}' is not a valid namespace name: lower-case letters, digits and '-', at most 63 characters.`)
  if (namespace.length > 63) fail('namespace', 'must be at most 63 characters.')

  const name = required('name')
  if (name && (!DNS_1035_LABEL.test(name) || name.length > 63 - SUFFIX_LENGTH)) {
    fail('name', `'${name}' must start with a lower-case letter and hold only lower-case letters, digits and '-', at most ${63 - SUFFIX_LENGTH} characters (objects get suffixes such as '-loadbalancer').`)
  }

  const configEndpoint = get('config-endpoint') || (serviceName ? `https://${serviceName}.configuration.azure-api.net` : '')
  if (!configEndpoint) fail('config-endpoint', 'is required when `service-name` is not set (it defaults to https://<service-name>.configuration.azure-api.net).')
  else if (!/^(https:\/\/)?[a-z0-9.-]+(:\d+)?\/?$/i.test(configEndpoint)) fail('config-endpoint', `must be the configuration endpoint such as https://<service-name>.configuration.azure-api.net, got '${configEndpoint}'.`)

  const image = required('image')
  if (/\s/.test(image)) fail('image', 'must be an image reference without spaces.')

  const replicasText = get('replicas')
  const replicas = Number(replicasText)
  if (!/^\d+$/.test(replicasText) || replicas < 1 || replicas > 100) fail('replicas', `must be a whole number from 1 to 100, got '${replicasText}'.`)

  const cpu = get('cpu')
  if (!QUANTITY.test(cpu)) fail('cpu', `must be a Kubernetes quantity such as '2' or '500m', got '${cpu}'.`)
  const memory = get('memory')
  if (!QUANTITY.test(memory)) fail('memory', `must be a Kubernetes quantity such as '2Gi' or '512Mi', got '${memory}'.`)

  const logLevel = get('log-level')
  if (!LOG_LEVELS.includes(logLevel)) fail('log-level', `must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'.`)

  const rotation: RotationSettings = {
    rotateBeforeMs: command === 'rotate' ? duration('rotate-before') : 0,
    force: bool('force'),
    revokePrevious: bool('revoke-previous')
  }
  if (command === 'rotate' && token?.source === 'input') {
    fail('gateway-token', "cannot be used with 'command: rotate': rotation mints a new token from the other gateway key, so it needs the Azure sign-in inputs instead.")
  }
  if (command === 'rotate' && rotation.rotateBeforeMs > MAX_TOKEN_LIFETIME_MS) {
    fail('rotate-before', `must be at most 30 days (no token lives longer), got '${get('rotate-before')}'. Use 'force: true' to rotate regardless of expiry.`)
  }

  if (isPreview && token?.source === 'input') {
    fail('gateway-token', `cannot be used with 'command: ${command}': previews create and delete their gateway resource in API Management, so they need the Azure sign-in inputs instead.`)
  }
  const preview = isPreview ? readPreview() : undefined

  const settings: Settings = {
    command,
    rotation,
    ...(preview ? { preview } : {}),
    token: token as Settings['token'],
    apim: { resourceGroup, serviceName, gatewayName },
    kube: {
      kubeconfig: input('kubeconfig').trim() ? input('kubeconfig') : undefined,
      context: get('context') || undefined,
      namespace,
      // A preview's namespace is its own: created with it, deleted with it.
      createNamespace: bool('create-namespace') || command === 'preview'
    },
    gateway: {
      name,
      authLayout: oneOf('auth-layout', ['spec', 'token-env'] as const),
      configEndpoint,
      image,
      replicas,
      cpu,
      memory,
      serviceType: oneOf('service-type', ['LoadBalancer', 'ClusterIP', 'NodePort'] as const),
      logLevel
    },
    wait: bool('wait'),
    timeoutMs: duration('timeout')
  }
  if (problems.length > 0) throw new SettingsError(problems)
  return settings

  function readPreview(): PreviewSettings {
    const repository = context?.repository ?? ''
    if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) problems.push(`GITHUB_REPOSITORY is '${repository}', not 'owner/repo': 'command: ${command}' runs in a GitHub Actions workflow.`)
    let pullRequest = 0
    if (command !== 'prune') {
      const text = get('pull-request') || String(context?.pullRequest?.number ?? '')
      pullRequest = Number(text)
      if (!text) fail('pull-request', `is required for 'command: ${command}': run the step on a \`pull_request\` event, or set it (e.g. \`\${{ github.event.pull_request.number }}\`, or an input of a workflow_dispatch).`)
      else if (!/^\d{1,9}$/.test(text) || pullRequest < 1) fail('pull-request', `must be a pull-request number, got '${text}'.`)
    }
    const apis = [...new Set(get('gateway-apis').split(/[,\n]/).map(a => a.trim()).filter(Boolean))]
    const badApis = apis.filter(a => !API_ID.test(a))
    if (badApis.length > 0) fail('gateway-apis', `${badApis.map(a => `'${a}'`).join(', ')} ${badApis.length === 1 ? 'is not an API id' : 'are not API ids'}: give the APIs' ids (the last part of their resource id, e.g. 'echo-api'), separated by commas or new lines.`)
    const githubToken = get('github-token')
    if (!githubToken) fail('github-token', "is required for previews (it comments on the pull request and records the GitHub deployment); the default is the workflow's token, `${{ github.token }}`.")
    return {
      repository,
      pullRequest,
      apis,
      githubToken,
      skipOnFork: bool('skip-on-fork'),
      addressTimeoutMs: command === 'preview' ? duration('address-timeout') : 0,
      maxAgeMs: command === 'prune' ? duration('max-age') : 0,
      gatewayResource: token?.source === 'arm' && gatewayName ? gatewayResourceId({ subscriptionId: token.azure.subscriptionId, resourceGroup, serviceName, gatewayName }) : '',
      context: context ?? { repository, serverUrl: 'https://github.com', eventName: '', idTokenAvailable: false, actor: '' }
    }
  }

  function readArmToken(): ArmTokenSettings | undefined {
    const lifetimeMs = duration('token-lifetime')
    if (lifetimeMs > MAX_TOKEN_LIFETIME_MS) fail('token-lifetime', `must be at most 30 days (API Management refuses longer tokens), got '${get('token-lifetime')}'.`)
    else if (lifetimeMs > 0 && lifetimeMs < MIN_TOKEN_LIFETIME_MS) fail('token-lifetime', `must be at least 1 hour, got '${get('token-lifetime')}'.`)
    const azure = readAzure()
    return {
      source: 'arm',
      mode: oneOf('token-mode', ['generate', 'regenerate'] as const),
      keyType: oneOf('key-type', ['primary', 'secondary'] as const),
      lifetimeMs,
      azure
    }
  }

  function readAzure(): AzureSettings {
    const authType = oneOf('auth-type', ['oidc', 'azure-cli'] as const)
    const clientId = get('client-id')
    const tenantId = get('tenant-id')
    if (authType === 'oidc') {
      if (!clientId) fail('client-id', "is required for OIDC sign-in: the application (client) ID of the app registration or user-assigned identity that has a federated credential for this workflow.")
      else if (!GUID.test(clientId)) fail('client-id', "must be the application (client) ID, a GUID like 00000000-0000-0000-0000-000000000000 (not the app's name or object ID URL).")
      if (!tenantId) fail('tenant-id', 'is required for OIDC sign-in: the directory (tenant) ID.')
    }
    const subscriptionId = get('subscription-id')
    if (!subscriptionId) fail('subscription-id', 'is required: the subscription that holds the API Management instance.')
    else if (!GUID.test(subscriptionId)) fail('subscription-id', 'must be a subscription ID (a GUID).')
    // azure/login accepts any case (`azureusgovernment`), so this does too.
    const environment = (CLOUD_NAMES.find(n => n.toLowerCase() === get('environment').toLowerCase()) ?? get('environment')) as CloudName
    if (!CLOUD_NAMES.includes(environment)) fail('environment', `must be one of ${CLOUD_NAMES.join(', ')}, got '${environment}'.`)
    const cloud = cloudEndpoints(CLOUD_NAMES.includes(environment) ? environment : 'AzureCloud')
    const authorityHost = url('authority-host') ?? cloud.authorityHost
    const armEndpoint = url('arm-endpoint') ?? cloud.armEndpoint
    return { authType, clientId, tenantId, subscriptionId, audience: get('audience'), environment, authorityHost, armEndpoint }
  }

  function url(name: string): string | undefined {
    const value = get(name)
    if (!value) return undefined
    try {
      const parsed = new URL(value)
      if (parsed.protocol !== 'https:') throw new Error('not https')
      return value.replace(/\/+$/, '')
    } catch {
      fail(name, `must be an https:// URL, got '${value}'.`)
      return undefined
    }
  }
}

function readProvidedToken(
  text: string,
  gatewayName: string,
  now: Date,
  fail: (name: string, message: string) => void
): ProvidedTokenSettings | undefined {
  const token = parseGatewayToken(text)
  if (!token) {
    fail('gateway-token', `is not a gateway token: ${describeNonToken(text)}. A token looks like \`<gateway>&<yyyyMMddHHmm>&<signature>\`, optionally prefixed with \`GatewayKey \`; copy it from the gateway's Deployment tab in the portal, or leave this input empty to get one from API Management.`)
    return undefined
  }
  if (gatewayName && token.gateway !== gatewayName) {
    fail('gateway-token', `was issued for gateway '${token.gateway}', but 'gateway-name' is '${gatewayName}'. Use a token of this gateway or correct 'gateway-name'.`)
  }
  if (token.expiresOn.getTime() <= now.getTime()) {
    fail('gateway-token', `expired on ${token.expiresOn.toISOString()}. Generate a new one, or leave this input empty to let the action get one from API Management.`)
  }
  return { source: 'input', token }
}
