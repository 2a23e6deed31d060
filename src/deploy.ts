import * as core from '@actions/core'
import type { MintedToken } from './azure/gateway-token.js'
import { ActionError } from './errors.js'
import { deployPermissions } from './kube/access.js'
import { ensureNamespace } from './kube/apply.js'
import { objectNames } from './kube/manifests.js'
import { redactor } from './redact.js'
import { writeReport } from './report.js'
import type { Settings } from './settings.js'
import { applyGateway, checkCluster, connectGateway, mint, waitUntilReady } from './steps.js'

/** `command: deploy`: get a token, apply the gateway, wait until every replica is Ready. */
export async function deploy(settings: Settings): Promise<void> {
  const source = settings.token
  if (source.source === 'input') redactor.add(source.token.value)
  const { namespace } = settings.kube

  const obtainToken = async (): Promise<MintedToken> => {
    if (source.source === 'input') {
      core.info(`Using the token from the 'gateway-token' input (gateway '${source.token.gateway}', expires ${source.token.expiresOn.toISOString()}).`)
      return { token: source.token, keyType: 'unknown', regenerated: false }
    }
    return mint(await connectGateway(settings, source), source)
  }
  // Minting with `generate` changes nothing, so it runs beside the cluster checks; regenerating a
  // key revokes tokens, so it waits until the cluster is known to accept the deploy.
  const destructive = source.source === 'arm' && source.mode === 'regenerate'
  const [kube, early] = await Promise.all([checkCluster(settings, deployPermissions(settings.wait)), destructive ? undefined : obtainToken()])
  const minted = early ?? (await obtainToken())

  const { objects, generation } = await core.group('Applying the gateway objects', async () => {
    if (settings.kube.createNamespace) await ensureNamespace(kube, namespace, { 'app.kubernetes.io/managed-by': 'apim-gateway-action' })
    return applyGateway(kube, settings, minted.token, minted.keyType)
  })

  let ready = 0
  if (settings.wait) {
    const result = await core.group(`Waiting for ${settings.gateway.replicas} replica(s) to be Ready`, () => waitUntilReady(kube, settings, generation, objects.configHash))
    if (!result.ok) {
      throw new ActionError(
        `The gateway did not become Ready: ${result.reason}.\nPods of the previous rollout, if any, keep serving until new ones are Ready. See the diagnostics above.`,
        result.diagnostics
      )
    }
    ready = result.ready
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
