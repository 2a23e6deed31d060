/**
 * `command: rotate`: replace the running token without a moment when no Ready pod holds a working
 * one (domain-facts.md, "Rotation"):
 *   1. lock, read the running token and the key it came from;
 *   2. mint from the OTHER key; write the journal (the previous token), then the new Secret and
 *      pod template; wait — old pods keep serving meanwhile (maxUnavailable 0);
 *   3. only when every replica is Ready on the new token, regenerate the previous key if asked;
 *   4. on a failed rollout, put the previous token back and revoke nothing.
 * Every step is safe to repeat, and the journal tells the next run where an interrupted one stopped.
 */
import * as core from '@actions/core'
import type { GatewayApi } from './azure/gateway-token.js'
import { ActionError } from './errors.js'
import { deployPermissions } from './kube/access.js'
import { connect, type Kube } from './kube/client.js'
import { acquireLock, holderIdentity, lockName } from './kube/lease.js'
import { objectNames } from './kube/manifests.js'
import { clearJournal, readDeployedToken, readJournal, writeJournal, type DeployedToken } from './kube/state.js'
import { writeReport } from './report.js'
import { decideRotation } from './rotation/decide.js'
import type { ArmTokenSettings, KeyType, Settings } from './settings.js'
import { kubeError } from './kube/errors.js'
import { applyGateway, checkCluster, connectGateway, describeKey, mint, restorePrevious, waitUntilReady } from './steps.js'

interface Outcome {
  rotated: boolean
  current: DeployedToken
  previousKey: KeyType | 'unknown'
  revoked: boolean
  ready: number
}

export async function rotate(settings: Settings): Promise<void> {
  const token = settings.token
  if (token.source !== 'arm') throw new ActionError("'command: rotate' needs the Azure sign-in inputs (not 'gateway-token').")
  const { namespace } = settings.kube
  const name = settings.gateway.name
  const kube = connect(settings.kube)
  await checkCluster(kube, { ...settings, kube: { ...settings.kube, createNamespace: false } }, deployPermissions(true))
  const lock = await acquireLock(kube, namespace, lockName(name), holderIdentity())
  let outcome: Outcome
  try {
    outcome = await rotateLocked(kube, settings, token)
  } finally {
    await lock.release()
  }
  await writeReport({
    namespace,
    deployment: objectNames(name).deployment,
    secretName: objectNames(name).secret,
    tokenExpiresOn: outcome.current.token.expiresOn.toISOString(),
    keyType: outcome.current.keyType,
    configEndpoint: settings.gateway.configEndpoint,
    readyReplicas: outcome.ready,
    desiredReplicas: settings.gateway.replicas,
    waited: true,
    rotation: { rotated: outcome.rotated, previousKeyType: outcome.previousKey, revoked: outcome.revoked }
  })
}

async function rotateLocked(kube: Kube, settings: Settings, token: ArmTokenSettings): Promise<Outcome> {
  const { namespace } = settings.kube
  const name = settings.gateway.name
  const running = await readDeployedToken(kube, namespace, name, settings.gateway.authLayout)
  if (!running) {
    throw new ActionError(`There is no gateway token to rotate: Secret '${objectNames(name).secret}' in namespace '${namespace}' does not exist or holds no token. Run the action with 'command: deploy' first. Nothing was changed.`)
  }
  const journal = await readJournal(kube, namespace, name)
  if (journal && journal.token.value !== running.token.value) {
    core.info(`Rotation step: resuming an interrupted rotation — the Secret already holds the new token (from the ${running.keyType} key); finishing its rollout.`)
    return finish(kube, settings, token, running, journal)
  }
  if (journal) {
    core.info('Rotation step: an interrupted rotation had not changed the Secret yet; starting over.')
    await clearJournal(kube, namespace, name)
  }

  if (running.keyType === 'unknown') {
    core.warning(`The running token's Secret does not record which key minted it (annotation missing: deployed by another tool or an older version). The new token comes from the '${token.keyType}' key, and nothing will be revoked automatically.`)
  }
  core.info(`Running token: gateway '${running.token.gateway}', from the ${describeKey(running.keyType)}, expires ${running.token.expiresOn.toISOString()}.`)
  const decision = decideRotation({
    expiresOn: running.token.expiresOn,
    keyType: running.keyType,
    now: new Date(),
    rotateBeforeMs: settings.rotation.rotateBeforeMs,
    force: settings.rotation.force,
    fallbackKey: token.keyType
  })
  core.info(decision.reason)
  if (!decision.rotate) {
    let ready: number
    try {
      ready = (await kube.apps.readNamespacedDeployment({ name: objectNames(name).deployment, namespace })).status?.readyReplicas ?? 0
    } catch (error) {
      throw kubeError(`Reading Deployment '${objectNames(name).deployment}' (the token is not due, but is the gateway deployed? Run 'command: deploy' to restore it)`, error, kube.server)
    }
    return { rotated: false, current: running, previousKey: running.keyType, revoked: false, ready }
  }

  const api = await connectGateway(settings, token)
  const minted = await mint(api, { mode: 'generate', keyType: decision.newKey, lifetimeMs: token.lifetimeMs })
  await writeJournal(kube, namespace, name, running)
  core.info('Rotation step: journal written (previous token kept for a rollback).')
  return finish(kube, settings, token, { token: minted.token, keyType: minted.keyType }, running, api)
}

/** Rolls the Secret's token out, then revokes (if asked) or, when the rollout fails, rolls back. */
async function finish(kube: Kube, settings: Settings, token: ArmTokenSettings, next: DeployedToken, previous: DeployedToken, connected?: GatewayApi): Promise<Outcome> {
  const { namespace } = settings.kube
  const name = settings.gateway.name
  const { objects, generation } = await applyGateway(kube, settings, next.token, next.keyType)
  core.info(`Rotation step: new token applied; waiting for every replica to be Ready on it.`)
  const result = await waitUntilReady(kube, settings, generation, objects.configHash)
  if (!result.ok) return rollBack(kube, settings, previous, result.reason, result.diagnostics)
  core.info('Rotation step: every replica is Ready on the new token.')

  let revoked = false
  if (settings.rotation.revokePrevious) {
    if (previous.keyType === 'unknown') {
      core.warning("revoke-previous: the previous token's key is unknown, so no key was regenerated. Regenerate it yourself once no other deployment uses it.")
    } else if (previous.keyType === next.keyType) {
      core.warning(`revoke-previous: the previous token came from the same key (${previous.keyType}) as the new one, so regenerating it would revoke the new token too. Nothing was regenerated.`)
    } else {
      const api = connected ?? (await connectGateway(settings, token))
      await api.regenerateKey(previous.keyType)
      revoked = true
      core.info(`Rotation step: the ${previous.keyType} key was regenerated; the previous token no longer works.`)
    }
  }
  await clearJournal(kube, namespace, name)
  core.info(`Rotation complete: the gateway runs on a token from the ${next.keyType} key, expiring ${next.token.expiresOn.toISOString()}.`)
  return { rotated: true, current: next, previousKey: previous.keyType, revoked, ready: result.ready }
}

async function rollBack(kube: Kube, settings: Settings, previous: DeployedToken, reason: string, diagnostics: string[]): Promise<never> {
  core.info(`Rotation step: the new token's rollout failed (${reason}); putting the previous token back.`)
  const restored = await restorePrevious(kube, settings, previous)
  if (restored.ok) await clearJournal(kube, settings.kube.namespace, settings.gateway.name)
  throw new ActionError(
    `Rotation failed: the new token's rollout did not become Ready (${reason}). ${restored.state}${restored.ok ? '' : ' The next run will retry.'} No key was regenerated.\nFix: see the diagnostics above, then re-run; rotate before the previous token expires.`,
    diagnostics
  )
}
