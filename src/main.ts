import * as core from '@actions/core'
import type { MintedToken } from './azure/gateway-token.js'
import { ActionError, describeError } from './errors.js'
import { deployPermissions, describePermission, missingPermissions } from './kube/access.js'
import { applyObjects, applyOrder, ensureNamespace } from './kube/apply.js'
import { connect, type Kube } from './kube/client.js'
import { collectDiagnostics } from './kube/diagnostics.js'
import { objectNames, renderManifests, type KubeObject } from './kube/manifests.js'
import { waitForRollout } from './kube/rollout.js'
import { redactor } from './redact.js'
import { writeReport } from './report.js'
import { readSettings, type Settings } from './settings.js'
import { parseGatewayToken } from './token.js'

export async function run(): Promise<void> {
  try {
    await deploy(readSettings(name => core.getInput(name)))
  } catch (error) {
    const message = describeError(error)
    if (error instanceof ActionError) for (const line of error.details) core.info(redactor.redact(line))
    core.setFailed(message)
  }
}

async function deploy(settings: Settings): Promise<void> {
  if (settings.token.source === 'input') redactor.add(settings.token.token.value)
  const { namespace } = settings.kube

  // Minting with `generate` changes nothing, so it runs beside the cluster checks; regenerating a
  // key revokes tokens, so it waits until the cluster is known to accept the deploy.
  const destructive = settings.token.source === 'arm' && settings.token.mode === 'regenerate'
  const [kube, early] = await Promise.all([checkCluster(settings), destructive ? undefined : obtainToken(settings)])
  const minted = early ?? (await obtainToken(settings))
  const objects = renderManifests(settings, minted.token, minted.keyType)

  const applied = await core.group('Applying the gateway objects', async () => {
    if (settings.kube.createNamespace) await ensureNamespace(kube, namespace, objects.deployment.metadata.labels ?? {})
    const result = await applyObjects(kube, applyOrder(objects), false)
    for (const object of result) core.info(`${object.kind} ${namespace}/${object.metadata.name} applied`)
    return result
  })
  const deployment = applied.find(o => o.kind === 'Deployment') as KubeObject & { metadata: { generation?: number } }

  let ready = 0
  if (settings.wait) {
    ready = await core.group(`Waiting for ${settings.gateway.replicas} replica(s) to be Ready`, () =>
      waitUntilReady(kube, settings, deployment.metadata.generation ?? 1, objects.configHash)
    )
  }
  await writeReport({
    namespace,
    deployment: objectNames(settings.gateway.name).deployment,
    secretName: objectNames(settings.gateway.name).secret,
    tokenExpiresOn: minted.token.expiresOn.toISOString(),
    keyType: minted.keyType,
    configEndpoint: settings.gateway.configEndpoint,
    readyReplicas: ready,
    desiredReplicas: settings.gateway.replicas,
    waited: settings.wait
  })
}

/**
 * Everything about the cluster that can be checked before a token is minted or a key regenerated:
 * it is reachable, the identity holds every verb the deploy needs, and the objects pass the API
 * server's validation (a server-side dry run, with a placeholder where the token goes).
 */
async function checkCluster(settings: Settings): Promise<Kube> {
  const kube = connect(settings.kube)
  core.info(`Cluster: ${kube.server}, namespace '${settings.kube.namespace}'`)
  const missing = await missingPermissions(kube, settings.kube.namespace, deployPermissions(settings.wait))
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

async function obtainToken(settings: Settings): Promise<MintedToken> {
  const source = settings.token
  if (source.source === 'input') {
    core.info(`Using the token from the 'gateway-token' input (gateway '${source.token.gateway}', expires ${source.token.expiresOn.toISOString()}).`)
    return { token: source.token, keyType: 'unknown' as MintedToken['keyType'], regenerated: false }
  }
  // Loaded only when needed (not for a given token), and compiled while cluster requests are in flight.
  const [{ signIn }, { gatewayApi, mintToken }] = await Promise.all([import('./azure/credential.js'), import('./azure/gateway-token.js')])
  const { credential, claims } = await signIn(source.azure)
  core.info(`Signed in to Azure (tenant ${source.azure.tenantId}${claims ? `, as GitHub subject '${claims.subject}'` : ''}).`)
  const minted = await mintToken(gatewayApi(credential, source, settings.apim), source)
  core.info(`Minted a token for gateway '${minted.token.gateway}' from the ${minted.keyType} key; it expires ${minted.token.expiresOn.toISOString()}.`)
  return minted
}

async function waitUntilReady(kube: Kube, settings: Settings, generation: number, configHash: string): Promise<number> {
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
    return result.ready
  }
  const diagnostics = await collectDiagnostics(kube, settings.kube.namespace, name)
  throw new ActionError(
    `The gateway did not become Ready: ${result.reason} (${result.ready}/${result.desired} ready).\n` +
      'Pods of the previous rollout, if any, keep serving until new ones are Ready. See the diagnostics above.',
    ['Diagnostics:', ...diagnostics]
  )
}
