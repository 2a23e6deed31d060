/**
 * command: rotate — zero-downtime rotation to the other key, rollback, the lock, and convergence
 * after a run killed at any step.
 */
import { describe, expect, test } from '@jest/globals'
import * as k8s from '@kubernetes/client-node'
import { findLeaks, type ActionRun } from '../runner.js'
import { createWorld, type World } from './world.js'

const ROTATE = { command: 'rotate', 'rotate-before': '30d', replicas: '2' }

const ref = (w: World) => ({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, gatewayName: w.gatewayName })
const valid = async (w: World, token: string): Promise<boolean> => (await w.emulator.checkToken({ ...ref(w), token })).valid
const errorOf = (run: ActionRun): string => (run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? '').replace(/%0A/g, '\n')

async function setScenario(w: World, scenario: string): Promise<void> {
  await w.core.patchNamespace({ name: w.namespace, body: { metadata: { annotations: { 'fake-kubelet.test/scenario': scenario } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))
}

async function pods(w: World): Promise<{ name: string; ready: boolean; hash?: string }[]> {
  const list = await w.core.listNamespacedPod({ namespace: w.namespace, labelSelector: 'app=apim-gateway' })
  return list.items.filter(p => !p.metadata?.deletionTimestamp).map(p => ({
    name: p.metadata!.name!,
    ready: p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false,
    hash: p.metadata?.annotations?.['apim-gateway-action/config-hash']
  }))
}

async function templateHash(w: World): Promise<string | undefined> {
  const d = await w.apps.readNamespacedDeployment({ name: 'apim-gateway', namespace: w.namespace })
  return d.spec?.template.metadata?.annotations?.['apim-gateway-action/config-hash']
}

async function journalState(w: World): Promise<{ state?: string; hasToken: boolean }> {
  const s = await w.core.readNamespacedSecret({ name: 'apim-gateway-token-previous', namespace: w.namespace })
  return { state: s.metadata?.annotations?.['apim-gateway-action/rotation-state'], hasToken: Boolean(s.data?.token) }
}

/** Counts, on every pod event, the Ready pods that are not being deleted; remembers the lowest count. */
async function watchReadyPods(w: World): Promise<{ lowest: () => number; stop: () => void }> {
  const state = new Map<string, boolean>()
  let lowest = Number.POSITIVE_INFINITY
  const abort = await new k8s.Watch(w.cluster.kubeConfig('admin')).watch(`/api/v1/namespaces/${w.namespace}/pods`, {}, (type, pod: k8s.V1Pod) => {
    const ready = type !== 'DELETED' && !pod.metadata?.deletionTimestamp && (pod.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false)
    state.set(pod.metadata!.name!, ready)
    const count = [...state.values()].filter(Boolean).length
    if (state.size > 0) lowest = Math.min(lowest, count)
  }, () => {})
  return { lowest: () => lowest, stop: () => abort.abort() }
}

/** Runs until the run is not refused for a lock left by a killed run (it expires within 20 s). */
async function runPastLock(w: World, inputs: Record<string, string>): Promise<ActionRun> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const run = await w.run({ inputs })
    if (!errorOf(run).includes('Another run of the action') || Date.now() > deadline) return run
    await new Promise(r => setTimeout(r, 2000))
  }
}

describe('rotate', () => {
  test('primary → secondary keeps the old token working; revoke-previous kills it; the next rotation goes back to primary', async () => {
    const w = await createWorld('rot')
    expect((await w.run({ inputs: { replicas: '2' } })).code).toBe(0)
    const first = (await w.deployedToken())!

    const watcher = await watchReadyPods(w)
    const second = await w.run({ inputs: ROTATE })
    expect(second.code).toBe(0)
    expect(second.outputs).toMatchObject({ rotated: 'true', 'key-type': 'secondary', 'previous-key-type': 'primary', revoked: 'false', 'ready-replicas': '2' })
    const secondToken = (await w.deployedToken())!
    expect(secondToken).not.toBe(first)
    expect((await w.emulator.checkToken({ ...ref(w), token: secondToken })).keyType).toBe('secondary')
    expect(await valid(w, first)).toBe(true)
    const hash = await templateHash(w)
    expect((await pods(w)).every(p => p.ready && p.hash === hash)).toBe(true)

    const third = await w.run({ inputs: { ...ROTATE, 'rotate-before': '7d', force: 'true', 'revoke-previous': 'true' } })
    expect(third.code).toBe(0)
    expect(third.outputs).toMatchObject({ rotated: 'true', 'key-type': 'primary', 'previous-key-type': 'secondary', revoked: 'true' })
    expect(third.log).toContain("'force: true'")
    const thirdToken = (await w.deployedToken())!
    expect(await valid(w, secondToken)).toBe(false)
    expect(await valid(w, thirdToken)).toBe(true)
    expect((await pods(w)).every(p => p.ready)).toBe(true)
    watcher.stop()
    expect(watcher.lowest()).toBeGreaterThanOrEqual(1)
    expect(await journalState(w)).toEqual({ state: 'done', hasToken: false })
    expect(third.summary).toContain('token rotated')
    for (const run of [second, third]) expect(findLeaks(run, [...w.tokens])).toEqual([])
  })

  test('not due: no change, no rollout, rotated=false', async () => {
    const w = await createWorld('notdue')
    expect((await w.run()).code).toBe(0)
    const before = (await pods(w)).map(p => p.name).sort()
    const token = await w.deployedToken()
    const since = await w.emulator.lastCallSeq()
    const run = await w.run({ inputs: { command: 'rotate' } })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ rotated: 'false', revoked: 'false', 'key-type': 'primary' })
    expect(run.log).toMatch(/later than rotate-before \(7d\): nothing to do/)
    expect(await w.deployedToken()).toBe(token)
    expect((await pods(w)).map(p => p.name).sort()).toEqual(before)
    expect((await w.emulator.calls({ sinceSeq: since })).filter(c => c.path.includes(w.subscriptionId))).toEqual([])
  })

  test('failed rollout: previous token and pods restored, previous key not regenerated', async () => {
    const w = await createWorld('rollback')
    expect((await w.run()).code).toBe(0)
    const first = (await w.deployedToken())!
    const hash = await templateHash(w)
    await setScenario(w, 'never-ready')
    const run = await w.run({ inputs: { ...ROTATE, 'revoke-previous': 'true', timeout: '6s' } })
    expect(run.code).toBe(1)
    const message = errorOf(run)
    expect(message).toContain('Rotation failed')
    expect(message).toContain('back on the previous token (from the primary key), which expires on')
    expect(message).toContain('No key was regenerated')
    expect(await w.deployedToken()).toBe(first)
    expect(await templateHash(w)).toBe(hash)
    expect((await pods(w)).every(p => p.ready && p.hash === hash)).toBe(true)
    expect(await valid(w, first)).toBe(true)
    expect((await w.emulator.gatewayState(ref(w))).regenerations).toEqual({ primary: 0, secondary: 0 })
    expect(findLeaks(run, [...w.tokens])).toEqual([])
  })

  test('a second rotation while one runs fails fast and changes nothing', async () => {
    const w = await createWorld('lock')
    expect((await w.run({ inputs: { replicas: '1' } })).code).toBe(0)
    await setScenario(w, 'ready-after=3000')
    let locked!: () => void
    const lockTaken = new Promise<void>(resolve => (locked = resolve))
    const first = w.run({ inputs: { ...ROTATE, replicas: '1' }, onLine: line => { if (line.includes('Lock taken')) locked() } })
    await lockTaken
    const second = await w.run({ inputs: { ...ROTATE, replicas: '1' } })
    expect(second.code).toBe(1)
    expect(errorOf(second)).toContain('Another run of the action is deploying or rotating this gateway')
    expect(errorOf(second)).toContain('Nothing was changed')
    expect(second.log).not.toContain('Minted')
    expect(second.durationMs).toBeLessThan(15_000)
    const done = await first
    expect(done.code).toBe(0)
    expect(done.outputs.rotated).toBe('true')
  })

  test('a deploy while a rotation runs fails fast too: the rotation cannot end up revoking the deployed token', async () => {
    const w = await createWorld('deployvsrotate')
    expect((await w.run({ inputs: { replicas: '1' } })).code).toBe(0)
    await setScenario(w, 'ready-after=3000')
    let locked!: () => void
    const lockTaken = new Promise<void>(resolve => (locked = resolve))
    const rotation = w.run({ inputs: { ...ROTATE, replicas: '1', 'revoke-previous': 'true' }, onLine: line => { if (line.includes('Lock taken')) locked() } })
    await lockTaken
    const deploy = await w.run({ inputs: { replicas: '1', 'token-lifetime': '28d' } })
    expect(deploy.code).toBe(1)
    expect(errorOf(deploy)).toContain('Another run of the action is deploying or rotating this gateway')
    expect((await rotation).code).toBe(0)
    expect(await valid(w, (await w.deployedToken())!)).toBe(true)
    expect((await pods(w)).every(p => p.ready)).toBe(true)
  })

  // Each kill point: the marker after which the runner is killed, i.e. before the next step.
  const killPoints = [
    'Lock taken',
    'Minted a token',
    'journal written',
    'new token applied',
    'every replica is Ready on the new token',
    'key was regenerated'
  ]
  test('killed between any two steps: the next run converges, and a Ready pod serves throughout', async () => {
    const results = await Promise.all(killPoints.map(async (marker, i) => {
      const w = await createWorld(`kill${i}`)
      expect((await w.run()).code).toBe(0)
      const before = (await w.deployedToken())!
      const watcher = await watchReadyPods(w)
      const killed = await w.run({ inputs: { ...ROTATE, 'revoke-previous': 'true' }, killWhen: line => line.includes(marker) })
      const next = await runPastLock(w, { ...ROTATE, 'revoke-previous': 'true' })
      const after = (await w.deployedToken())!
      const hash = await templateHash(w)
      const podsAfter = await pods(w)
      watcher.stop()
      return { marker, killed, next, before, after, hash, podsAfter, lowest: watcher.lowest(), validAfter: await valid(w, after), journal: await journalState(w), leaks: findLeaks(next, [...w.tokens]) }
    }))
    for (const r of results) {
      const context = `killed after "${r.marker}"`
      expect([context, r.killed.code]).toEqual([context, null])
      expect([context, r.next.code, errorOf(r.next)]).toEqual([context, 0, ''])
      expect([context, r.validAfter]).toEqual([context, true])
      expect([context, r.podsAfter.every(p => p.ready && p.hash === r.hash)]).toEqual([context, true])
      expect([context, r.lowest >= 1]).toEqual([context, true])
      expect([context, r.journal]).toEqual([context, { state: 'done', hasToken: false }])
      expect([context, r.leaks]).toEqual([context, []])
    }
    // Killed before the journal: the next run started over; after it: the next run finished the rollout.
    expect(results[3].next.log).toContain('resuming an interrupted rotation')
  }, 240_000)
})
