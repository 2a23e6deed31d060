import * as core from '@actions/core'
import type { MintedToken } from './azure/gateway-token.js'
import { ActionError } from './errors.js'
import { deployPermissions } from './kube/access.js'
import { createNamespace } from './kube/apply.js'
import { connect, type Kube } from './kube/client.js'
import { acquireLock, holderIdentity, lockName } from './kube/lease.js'
import { objectNames } from './kube/manifests.js'
import { clearJournal, readDeployedToken, readJournal } from './kube/state.js'
import { redactor } from './redact.js'
import { writeReport, type DeployReport } from './report.js'
import type { Settings } from './settings.js'
import { applyGateway, checkCluster, connectGateway, mint, restorePrevious, waitUntilReady } from './steps.js'

const SOON_MS = 7 * 86_400_000

/** `command: deploy`: get a token, apply the gateway, wait until every replica is Ready. */
export async function deploy(settings: Settings): Promise<void> {
  const source = settings.token
  if (source.source === 'input') {
    redactor.add(source.token.value)
    if (source.token.expiresOn.getTime() - Date.now() < SOON_MS) {
      core.warning(`The given gateway-token expires on ${source.token.expiresOn.toISOString()}, in less than 7 days: the gateway stops getting configuration then. Rotate it (command: rotate) or deploy a fresh token soon.`)
    }
  }
  // A kubeconfig problem is reported before any network call.
  const kube = connect(settings.kube)

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
  const [check, early] = await Promise.all([checkCluster(kube, settings, deployPermissions(settings.wait)), destructive ? undefined : obtainToken()])

  const rolled = await rollOut(kube, settings, {
    createNamespace: check.createNamespace ? { labels: { 'app.kubernetes.io/managed-by': 'apim-gateway-action' } } : undefined,
    token: () => (early ? Promise.resolve(early) : obtainToken())
  })
  await writeReport(deployReport(settings, rolled))
}

export interface RollOutPlan {
  /** Create the namespace first, with these labels. */
  createNamespace?: { labels: Record<string, string> }
  token: () => Promise<MintedToken>
}

export interface RolledOut {
  minted: MintedToken
  ready: number
}

/**
 * Under the lock: apply the objects for the token and wait; on a failed rollout put the previous
 * token back, so a failed run never leaves the gateway on a token no pod could start with.
 */
export async function rollOut(kube: Kube, settings: Settings, plan: RollOutPlan): Promise<RolledOut> {
  const { namespace } = settings.kube
  const name = settings.gateway.name
  if (plan.createNamespace) await createNamespace(kube, namespace, plan.createNamespace.labels)
  const lock = await acquireLock(kube, namespace, lockName(name), holderIdentity())
  try {
    const minted = await plan.token()
    const previous = await readDeployedToken(kube, namespace, name, settings.gateway.authLayout)
    // A deploy supersedes a rotation that was interrupted: its journal no longer applies.
    if (await readJournal(kube, namespace, name)) await clearJournal(kube, namespace, name)

    const { objects, generation } = await core.group('Applying the gateway objects', () => applyGateway(kube, settings, minted.token, minted.keyType))
    if (!settings.wait) return { minted, ready: 0 }
    const result = await core.group(`Waiting for ${settings.gateway.replicas} replica(s) to be Ready`, () => waitUntilReady(kube, settings, generation, objects.configHash))
    if (!result.ok) {
      const state = previous && revokedBy(minted, previous)
        ? `The new token stays deployed: the previous one was minted from the ${previous.keyType === 'unknown' ? 'key this run may have regenerated' : `${previous.keyType} key, which this run regenerated`}, so it no longer works and is not put back.`
        : previous && previous.token.value !== minted.token.value && previous.token.expiresOn.getTime() > Date.now()
          ? (await restorePrevious(kube, settings, previous)).state
          : 'There was no previous working token to put back.'
      throw new ActionError(`The gateway did not become Ready: ${result.reason}. ${state}\nSee the diagnostics above.`, result.diagnostics)
    }
    return { minted, ready: result.ready }
  } finally {
    await lock.release()
  }
}

/** Whether regenerating a key for `minted` revoked `previous` (or may have: its key is unrecorded). */
function revokedBy(minted: MintedToken, previous: { keyType: string }): boolean {
  return minted.regenerated && (previous.keyType === minted.keyType || previous.keyType === 'unknown')
}

export function deployReport(settings: Settings, rolled: RolledOut): DeployReport {
  const names = objectNames(settings.gateway.name)
  return {
    namespace: settings.kube.namespace,
    deployment: names.deployment,
    secretName: names.secret,
    tokenExpiresOn: rolled.minted.token.expiresOn.toISOString(),
    keyType: rolled.minted.keyType,
    configEndpoint: settings.gateway.configEndpoint,
    readyReplicas: rolled.ready,
    desiredReplicas: settings.gateway.replicas,
    waited: settings.wait
  }
}
