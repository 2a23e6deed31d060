/** The steps deploy and rotate share: check the cluster, get a token, apply, wait. */
import * as core from '@actions/core'
import type { TokenCredential } from '@azure/identity'
import type { GatewayApi, MintedToken } from './azure/gateway-token.js'
import { ActionError } from './errors.js'
import { describePermission, missingPermissions, type Permission } from './kube/access.js'
import { applyObjects, applyOrder, namespaceExists } from './kube/apply.js'
import type { Kube } from './kube/client.js'
import { collectDiagnostics } from './kube/diagnostics.js'
import { objectNames, renderManifests, type GatewayObjects, type KubeObject } from './kube/manifests.js'
import { waitForRollout } from './kube/rollout.js'
import type { ArmTokenSettings, KeyType, Settings } from './settings.js'
import { parseGatewayToken, type GatewayToken } from './token.js'

/**
 * Everything about the cluster that can be checked before a token is minted or a key regenerated:
 * it is reachable, the identity holds every verb needed, and the objects pass the API server's
 * validation (a server-side dry run, with a placeholder where the token goes). Returns whether the
 * namespace must be created first (only with `create-namespace`, and only when it is missing).
 */
export async function checkCluster(kube: Kube, settings: Settings, permissions: Permission[]): Promise<{ createNamespace: boolean }> {
  const { namespace } = settings.kube
  core.info(`Cluster: ${kube.server}, namespace '${namespace}'`)
  const placeholder = parseGatewayToken(`${settings.apim.gatewayName}&209912312359&${'A'.repeat(88)}`)!
  const objects = applyOrder(renderManifests(settings, placeholder, 'unknown'))
  let cannotCreate = false
  if (settings.kube.createNamespace) {
    const exists = await namespaceExists(kube, objects[1])
    if (exists !== 'yes') {
      const [denied] = await missingPermissions(kube, '', [{ group: '', resource: 'namespaces', verb: 'create', required: true }])
      if (!denied) {
        core.info(`Namespace '${namespace}' ${exists === 'no' ? 'does not exist' : 'may not exist'}; it will be created.`)
        return { createNamespace: true }
      }
      if (exists === 'no') {
        throw new ActionError(`Namespace '${namespace}' does not exist, and the Kubernetes identity may not create namespaces. Nothing was changed.\nFix: create the namespace (and bind the Role of examples/kubernetes-role.yaml in it) beforehand, or let the identity create namespaces (a ClusterRole with 'create' on namespaces).`)
      }
      cannotCreate = true
    }
  }
  const missing = await missingPermissions(kube, namespace, permissions)
  const fatal = missing.filter(p => p.required)
  if (fatal.length > 0) {
    const user = kube.config.getCurrentUser()?.name ?? 'the current user'
    const ifMissing = cannotCreate ? ` If namespace '${namespace}' does not exist yet: the Kubernetes identity may not create namespaces either; create it beforehand.` : ''
    throw new ActionError(
      `The Kubernetes identity of kubeconfig user '${user}' may not ${fatal.map(describePermission).join(', ')} in namespace '${namespace}'. Nothing was changed.${ifMissing}\nFix: grant it the Role in examples/kubernetes-role.yaml (README: "Kubernetes permissions").`
    )
  }
  for (const p of missing) core.warning(`The Kubernetes identity may not ${describePermission(p)} in '${namespace}': a failed rollout will be explained with less detail.`)
  await applyObjects(kube, objects, true)
  core.info('Access and objects checked (server-side dry run).')
  return { createNamespace: false }
}

/** Signs in to Azure and returns the gateway API; the Azure SDK is loaded only when needed. */
export async function connectGateway(settings: Settings, token: ArmTokenSettings): Promise<GatewayApi> {
  const [credential, { gatewayApi }] = await Promise.all([signInToAzure(token), import('./azure/gateway-token.js')])
  return gatewayApi(credential, token, settings.apim)
}

export async function signInToAzure(token: ArmTokenSettings): Promise<TokenCredential> {
  const { signIn } = await import('./azure/credential.js')
  const { credential, claims } = await signIn(token.azure)
  core.info(`Signed in to Azure (tenant ${token.azure.tenantId}${claims ? `, as GitHub subject '${claims.subject}'` : ''}).`)
  return credential
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

/**
 * Puts a previous token back after its replacement did not become Ready, and says where the
 * gateway stands — so a failed run never leaves the Secret on a token no pod could start with.
 */
export async function restorePrevious(kube: Kube, settings: Settings, previous: { token: GatewayToken; keyType: KeyType | 'unknown' }): Promise<{ ok: boolean; state: string }> {
  core.info(`Putting the previous token back (from the ${describeKey(previous.keyType)}, expiring ${previous.token.expiresOn.toISOString()}).`)
  const { objects, generation } = await applyGateway(kube, settings, previous.token, previous.keyType)
  const restored = await waitUntilReady(kube, settings, generation, objects.configHash)
  return restored.ok
    ? { ok: true, state: `The gateway is back on the previous token (from the ${describeKey(previous.keyType)}), which expires on ${previous.token.expiresOn.toISOString()}; ${restored.ready} replica(s) Ready.` }
    : { ok: false, state: `Putting the previous token (from the ${describeKey(previous.keyType)}, expiring ${previous.token.expiresOn.toISOString()}) back did not become Ready either: ${restored.reason}.` }
}

export function describeKey(keyType: KeyType | 'unknown'): string {
  return keyType === 'unknown' ? 'an unrecorded key' : `${keyType} key`
}
