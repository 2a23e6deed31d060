/**
 * A fake kubelet for the local control plane: there is no container runtime on this machine, so this
 * plays one node and the gateway pods on it closely enough that the Deployment controller, `kubectl
 * rollout status` and `kubectl logs` behave as on a real cluster. Contract: test/HARNESS.md.
 *
 * What it does, as kubelet v1.37 does it:
 * - registers its Node (Ready, InternalIP 127.0.0.1, kubeletEndpoint = its HTTPS log port) and renews
 *   a Lease in kube-node-lease every 10 s (real time: the controller-manager's clock is not scaled);
 * - binds every pending pod to itself (there is no scheduler) and runs the pods bound to it;
 * - resolves each container's environment (fake-kubelet/env.ts); a missing ConfigMap, Secret or key
 *   shows as Waiting/CreateContainerConfigError with kubelet's message and is retried every 10 s;
 * - probes readiness by asking the ReadinessDecider every `periodSeconds`, honouring
 *   `initialDelaySeconds`, `successThreshold` and `failureThreshold`; a container without a readiness
 *   probe is ready once it runs (the decider is then never asked, as a real gateway would not be);
 * - writes pod status through pods/status only when something changed; finishes graceful deletions
 *   at once (delete with grace period 0) since its containers stop instantly;
 * - serves /containerLogs like kubelet (tailLines, timestamps, follow, previous, sinceSeconds,
 *   sinceTime, limitBytes, stream). The decider's log lines are appended when they change, not on
 *   every probe.
 * All kubelet periods (probe period, retries, back-offs) are multiplied by `timeScale`.
 *
 * Scenarios: see scenario.ts and HARNESS.md (annotation `fake-kubelet.test/scenario` on the pod or
 * its namespace). Not modelled: liveness and startup probes, probe timeouts, sidecar (restartable init) containers,
 * readiness gates, resourceFieldRef/fileKeyRef env sources (they fail loudly), service-link env vars,
 * volumes, exec/attach/port-forward.
 */
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { ReadinessDecider } from './fake-kubelet/container.js'
import { gatewayLine } from './fake-kubelet/container.js'
import { eventRecorder } from './fake-kubelet/events.js'
import { startLogServer, type LogServer } from './fake-kubelet/logs.js'
import { registerNode, type NodeRegistration } from './fake-kubelet/node.js'
import { PodManager } from './fake-kubelet/pods.js'
import { Clock, DEFAULT_TIME_SCALE } from './fake-kubelet/timing.js'
import { PodWatcher } from './fake-kubelet/watch.js'

export type { ReadinessDecider, ReadinessVerdict } from './fake-kubelet/container.js'
export { resolveEnv, expandVars, referencedObjects, type EnvLookups, type EnvResult } from './fake-kubelet/env.js'
export { SCENARIO_ANNOTATION, parseScenario, type Scenario } from './fake-kubelet/scenario.js'
export { DEFAULT_TIME_SCALE } from './fake-kubelet/timing.js'

export interface FakeKubeletOptions {
  kubeconfig: string
  nodeName?: string
  decider?: ReadinessDecider
  /** Real time per kubelet time: probe periods, back-offs and retries are multiplied by it. */
  timeScale?: number
  log?: (line: string) => void
}

export interface FakeKubelet {
  nodeName: string
  stop(): Promise<void>
}

const HOST_IP = '127.0.0.1'

/**
 * Stands in for the gateway's configuration-endpoint check until the emulator-backed decider is
 * plugged in: a gateway with a token (or another auth mode) is taken to authenticate.
 */
export const acceptAnyToken: ReadinessDecider = async ({ env }) => {
  const endpoint = env['config.service.endpoint'] ?? '(no config.service.endpoint)'
  const auth = env['config.service.auth'] ?? ''
  const hasCredential = (env['config.service.auth.key'] ?? '') !== '' || (auth !== '' && auth !== 'key')
  if (hasCredential) {
    return { ready: true, log: [gatewayLine('Info', 'ConfigurationLoaded', `configuration loaded from ${endpoint}`)] }
  }
  return {
    ready: false,
    log: [gatewayLine('Error', 'ConfigurationRequestFailed',
      `configuration endpoint ${endpoint} refused the gateway: no authentication token (config.service.auth is empty)`)]
  }
}

export async function startFakeKubelet(options: FakeKubeletOptions): Promise<FakeKubelet> {
  const log = options.log ?? (() => {})
  const nodeName = options.nodeName ?? 'fake-kubelet'
  const clock = new Clock(options.timeScale ?? DEFAULT_TIME_SCALE)
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromString(options.kubeconfig)
  const core = kubeConfig.makeApiClient(CoreV1Api)
  const pods = new PodManager(core, nodeName, clock, {
    core,
    hostIP: HOST_IP,
    clock,
    decider: options.decider ?? acceptAnyToken,
    record: eventRecorder(core, nodeName, log),
    log,
    allocatePodIP: podIPAllocator()
  }, log)
  const stops: Array<() => Promise<void>> = [() => pods.stop()]
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`stopping: ${String(err)}`))
  }
  try {
    const logServer: LogServer = await startLogServer(pods.logTargets)
    stops.push(() => logServer.close())
    const node: NodeRegistration = await registerNode(core, kubeConfig.makeApiClient(CoordinationV1Api),
      { nodeName, hostIP: HOST_IP, kubeletPort: logServer.port, log })
    stops.push(() => node.stop())
    const watcher = new PodWatcher(kubeConfig, core, pods, log)
    await watcher.start()
    stops.push(() => watcher.stop())
  } catch (err) {
    await stopAll()
    throw err
  }
  log(`fake kubelet ${nodeName} running (timeScale ${clock.timeScale})`)
  let stopped: Promise<void> | undefined
  return { nodeName, stop: () => (stopped ??= stopAll()) }
}

/** Loopback addresses 127.0.0.2 to 127.0.0.254, handed out in turn. */
function podIPAllocator(): () => string {
  let next = 0
  return () => `127.0.0.${2 + (next++ % 253)}`
}
