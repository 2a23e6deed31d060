/**
 * The Node object and its heartbeats. The node lifecycle controller marks a node NotReady (and taints
 * it) when neither its Lease in kube-node-lease nor its Ready condition is renewed within the grace
 * period, so both are kept fresh on real-time schedules, independent of the test timeScale.
 */
import type { CoordinationV1Api, CoreV1Api, V1Node, V1NodeCondition } from '@kubernetes/client-node'
import { errorText, httpStatus, mergePatch } from './api.js'
import { rfc3339Micro, sleep } from './timing.js'

const LEASE_NAMESPACE = 'kube-node-lease'
const LEASE_DURATION_SECONDS = 40
/** kubelet renews its lease every quarter of its duration. */
const LEASE_RENEW_MS = 10_000
const STATUS_HEARTBEAT_MS = 60_000

export interface NodeOptions {
  nodeName: string
  hostIP: string
  kubeletPort: number
  log: (line: string) => void
}

export interface NodeRegistration {
  stop(): Promise<void>
}

export async function registerNode(core: CoreV1Api, coordination: CoordinationV1Api, options: NodeOptions): Promise<NodeRegistration> {
  const node = await createOrAdoptNode(core, options)
  await patchNodeStatus(core, options)
  await removeRegistrationTaints(core, options.nodeName)
  await ensureLease(core, coordination, node, options.nodeName)
  const stopping = new AbortController()
  const loops = [
    every(LEASE_RENEW_MS, stopping.signal, () => renewLease(coordination, options.nodeName), options.log, 'lease renewal'),
    every(STATUS_HEARTBEAT_MS, stopping.signal, () => patchNodeStatus(core, options), options.log, 'node status heartbeat')
  ]
  return {
    async stop() {
      stopping.abort()
      await Promise.all(loops)
    }
  }
}

async function createOrAdoptNode(core: CoreV1Api, options: NodeOptions): Promise<V1Node> {
  try {
    return await core.createNode({ body: nodeObject(options) })
  } catch (err) {
    // A node of this name left by an earlier kubelet is taken over, as a restarted kubelet does.
    if (httpStatus(err) !== 409) throw err
    return await core.readNode({ name: options.nodeName })
  }
}

function nodeObject({ nodeName }: NodeOptions): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      labels: {
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'fake-kubelet.test/node': 'true'
      }
    }
  }
}

async function patchNodeStatus(core: CoreV1Api, { nodeName, hostIP, kubeletPort }: NodeOptions): Promise<void> {
  const resources = { cpu: '64', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' }
  const status = {
    capacity: resources,
    allocatable: resources,
    conditions: nodeConditions(new Date()),
    addresses: [{ type: 'InternalIP', address: hostIP }, { type: 'Hostname', address: nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    nodeInfo: {
      machineID: 'fake-kubelet', systemUUID: 'fake-kubelet', bootID: 'fake-kubelet',
      kernelVersion: 'fake', osImage: 'fake-kubelet (test harness)', containerRuntimeVersion: 'fake://1.0.0',
      kubeletVersion: 'v1.37.2-fake', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64'
    }
  }
  await core.patchNodeStatus({ name: nodeName, body: { status } }, mergePatch)
}

function nodeConditions(now: Date): V1NodeCondition[] {
  const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition =>
    ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now })
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
  ]
}

/**
 * The TaintNodesByCondition admission plugin taints every new node not-ready until the node lifecycle
 * controller sees it Ready; with no scheduler nothing else would lift it, and `kubectl describe` would mislead.
 */
async function removeRegistrationTaints(core: CoreV1Api, nodeName: string): Promise<void> {
  const fresh = await core.readNode({ name: nodeName })
  const taints = (fresh.spec?.taints ?? []).filter((t) => t.key !== 'node.kubernetes.io/not-ready')
  if (taints.length === (fresh.spec?.taints ?? []).length) return
  await core.patchNode({ name: nodeName, body: { spec: { taints } } }, mergePatch)
}

async function ensureLease(core: CoreV1Api, coordination: CoordinationV1Api, node: V1Node, nodeName: string): Promise<void> {
  // The apiserver creates kube-node-lease shortly after start; a kubelet started right away may be first.
  await core.createNamespace({ body: { metadata: { name: LEASE_NAMESPACE } } }).catch(ignoreStatus(409))
  await coordination.createNamespacedLease({
    namespace: LEASE_NAMESPACE,
    body: {
      metadata: {
        name: nodeName,
        namespace: LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata!.uid! }]
      },
      // renewTime is patched separately: client-node would serialise it with millisecond precision,
      // which the apiserver's MicroTime parser rejects.
      spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS }
    }
  }).catch(ignoreStatus(409))
  await renewLease(coordination, nodeName)
}

async function renewLease(coordination: CoordinationV1Api, nodeName: string): Promise<void> {
  const body = { spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: rfc3339Micro() } }
  await coordination.patchNamespacedLease({ name: nodeName, namespace: LEASE_NAMESPACE, body }, mergePatch)
}

function ignoreStatus(status: number): (err: unknown) => void {
  return (err) => {
    if (httpStatus(err) !== status) throw err
  }
}

/** Runs `task` every `ms` until aborted; failures are logged and retried on the next tick. */
async function every(ms: number, signal: AbortSignal, task: () => Promise<void>, log: (line: string) => void, what: string): Promise<void> {
  while (await sleep(ms, signal)) {
    try {
      await task()
    } catch (err) {
      if (!signal.aborted) log(`${what} failed: ${errorText(err)}`)
    }
  }
}
