/**
 * jest globalSetup: one control plane (and fake kubelet) for the whole run; each test file
 * works in namespaces of its own. Workers find it through the JSON file named by E2E_HARNESS
 * (see connectCluster() in cluster/cluster.ts) — they inherit process.env from this process.
 *
 * jest loads this file with Node's own ESM loader, which cannot resolve the harness's
 * `./x.js` imports of TypeScript files; tsx's tsImport can.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import type { Cluster, HarnessFile } from './cluster/cluster.js'

type ClusterModule = typeof import('./cluster/cluster.js')
type KubeletModule = typeof import('./cluster/kubelet.js')
type EmulatorModule = typeof import('./emulator/index.js')

/** What globalTeardown stops; globalSetup and globalTeardown run in the same process. */
interface RunningHarness {
  cluster: Cluster
  /** Stopped first to last, before the cluster. */
  stops: Array<() => Promise<void>>
}

declare global {
  /** Set by globalSetup, called by globalTeardown. */
  var __E2E_HARNESS_STOP__: (() => Promise<void>) | undefined
}

export default async function globalSetup(): Promise<void> {
  const { startCluster, describeCluster, bindPreviewer } = (await tsImport('./cluster/cluster.ts', import.meta.url)) as ClusterModule
  const cluster = await startCluster()
  const running: RunningHarness = { cluster, stops: [] }
  globalThis.__E2E_HARNESS_STOP__ = () => stopHarness(running)
  try {
    // The preview tests' identity: the README's ClusterRole, bound cluster-wide.
    await bindPreviewer(cluster)
    const { startEmulator, emulatorDecider, describeEmulator } = (await tsImport('./emulator/index.ts', import.meta.url)) as EmulatorModule
    const emulator = await startEmulator()
    running.stops.unshift(() => emulator.stop())
    // Pods turn Ready only when the emulated configuration endpoint would accept their settings.
    const { startFakeKubelet } = (await tsImport('./cluster/kubelet.ts', import.meta.url)) as KubeletModule
    const kubelet = await startFakeKubelet({ kubeconfig: cluster.kubeconfig, decider: emulatorDecider(emulator.client) })
    running.stops.unshift(() => kubelet.stop())
    const { startLoadBalancerController } = (await tsImport('./cluster/load-balancer.ts', import.meta.url)) as typeof import('./cluster/load-balancer.js')
    const loadBalancers = await startLoadBalancerController({ kubeconfig: cluster.kubeconfig })
    running.stops.unshift(() => loadBalancers.stop())

    const harness: HarnessFile = { cluster: describeCluster(cluster), kubelet: { nodeName: kubelet.nodeName }, emulator: describeEmulator(emulator) }
    // Inside the cluster's temp dir, so it disappears with the cluster.
    const file = join(cluster.dir, 'harness.json')
    writeFileSync(file, JSON.stringify(harness, null, 2), { mode: 0o600 })
    process.env.E2E_HARNESS = file
  } catch (err) {
    await stopHarness(running)
    throw err
  }
}

async function stopHarness(running: RunningHarness): Promise<void> {
  const errors: unknown[] = []
  for (const stop of running.stops) await stop().catch((err: unknown) => errors.push(err))
  await running.cluster.stop().catch((err: unknown) => errors.push(err))
  globalThis.__E2E_HARNESS_STOP__ = undefined
  if (errors.length > 0) throw new AggregateError(errors, 'stopping the test harness failed')
}
