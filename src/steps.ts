/** The steps deploy and rotate share: check the cluster, get a token, apply, wait. */
import * as core from '@actions/core'
import type { GatewayApi, MintedToken } from './azure/gateway-token.js'
import { ActionError } from './errors.js'
import { describePermission, missingPermissions, type Permission } from './kube/access.js'
import { applyObjects, applyOrder } from './kube/apply.js'
import { connect, type Kube } from './kube/client.js'
import { collectDiagnostics } from './kube/diagnostics.js'
import { objectNames, renderManifests, type GatewayObjects, type KubeObject } from './kube/manifests.js'
import { waitForRollout } from './kube/rollout.js'
import type { ArmTokenSettings, KeyType, Settings } from './settings.js'
import { parseGatewayToken, type GatewayToken } from './token.js'

/**
 * Everything about the cluster that can be checked before a token is minted or a key regenerated:
 * it is reachable, the identity holds every verb needed, and the objects pass the API server's
 * validation (a server-side dry run, with a placeholder where the token goes).
 */
export async function checkCluster(settings: Settings, permissions: Permission[]): Promise<Kube> {
  const kube = connect(settings.kube)
  core.info(`Cluster: ${kube.server}, namespace '${settings.kube.namespace}'`)
  const missing = await missingPermissions(kube, settings.kube.namespace, permissions)
  const fatal = missing.filter(p => p.required)
  if (fatal.length > 0) {
    const user = kube.config.getCurrentUser()?.name ?? 'the current user'
    throw new ActionError(
      `The Kubernetes identity of kubeconfig user '${user}' may not ${fatal.map(describePermission).join(', ')} in namespace '${settings.kube.namespace}'. Nothing was changed.\nFix: grant it the Role in examples/kubernetes-role.yaml (README: "Kubernetes permissions").`
    )
  }
  for (const p of missing) core.warning(`The Kubernetes identity may not ${describePermission(p)} in '${settings.kube.namespace}': a failed rollout will be explained with less detail.`)
  if (!settings.kube.createNamespace) {
    const placeholder = parseGatewayToken(`${settings.apim.gatewayName}&209912312359&${'A'.repeat(88)}`)!
    await applyObjects(kube, applyOrder(renderManifests(settings, placeholder, 'unknown')), true)
  }
  core.info('Access and objects checked (server-side dry run).')
  return kube
}

/** Signs in to Azure and returns the gateway API; the Azure SDK is loaded only when needed. */
export async function connectGateway(settings: Settings, token: ArmTokenSettings): Promise<GatewayApi> {
  const [{ signIn }, { gatewayApi }] = await Promise.all([import('./azure/credential.js'), import('./azure/gateway-token.js')])
  const { credential, claims } = await signIn(token.azure)
  core.info(`Signed in to Azure (tenant ${token.azure.tenantId}${claims ? `, as GitHub subject '${claims.subject}'` : ''}).`)
  return gatewayApi(credential, token, settings.apim)
}

export async function mint(api: GatewayApi, token: Pick<ArmTokenSettings, 'mode' | 'keyType' | 'lifetimeMs'>): Promise<MintedToken> {
  const { mintToken } = await import('./azure/gateway-token.js')
  const minted = await mintToken(api, token)
  core.info(`Minted a token for gateway '${minted.token.gateway}' from the ${minted.keyType} key; it expires ${minted.token.expiresOn.toISOString()}.`)
  return minted
}

/** Applies the four objects for this token; returns them and the Deployment's new generation. */
export async function applyGateway(kube: Kube, settings: Settings, token: GatewayToken, keyType: KeyType | 'unknown'): Promise<{ objects: GatewayObjects; generation: number }> {
  const objects = renderManifests(settings, token, keyType)
  const applied = await applyObjects(kube, applyOrder(objects), false)
  for (const object of applied) core.info(`${object.kind} ${settings.kube.namespace}/${object.metadata.name} applied`)
  const deployment = applied.find(o => o.kind === 'Deployment') as KubeObject & { metadata: { generation?: number } }
  return { objects, generation: deployment.metadata.generation ?? 1 }
}

export type ReadyResult = { ok: true; ready: number } | { ok: false; reason: string; ready: number; diagnostics: string[] }

/** Waits for the rollout; on failure collects what a person would look up with kubectl. */
export async function waitUntilReady(kube: Kube, settings: Settings, generation: number, configHash: string): Promise<ReadyResult> {
  const name = objectNames(settings.gateway.name).deployment
  const result = await waitForRollout(kube, {
    namespace: settings.kube.namespace,
    name,
    generation,
    configHash,
    timeoutMs: settings.timeoutMs,
    onProgress: message => core.info(message)
  })
  if (result.ok) {
    core.info(`${result.ready}/${result.desired} ready: rollout complete.`)
    return { ok: true, ready: result.ready }
  }
  const diagnostics = await collectDiagnostics(kube, settings.kube.namespace, name)
  return { ok: false, reason: `${result.reason} (${result.ready}/${result.desired} ready)`, ready: result.ready, diagnostics: ['Diagnostics:', ...diagnostics] }
}
