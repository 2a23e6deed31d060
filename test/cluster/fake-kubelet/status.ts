/**
 * Pod status as kubelet computes it (getPhase in kubelet_pods.go, conditions in status/generate.go),
 * for regular containers and non-restartable init containers.
 */
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node'

/** What a container runner knows about its container right now. */
export interface ContainerRecord {
  name: string
  image: string
  imageID: string
  /** Empty until the first instance starts. */
  containerID: string
  restartCount: number
  state: V1ContainerState
  lastState: V1ContainerState
  ready: boolean
  started: boolean
}

export interface PodStatusInput {
  pod: V1Pod
  podIP: string
  hostIP: string
  startTime: Date
  init: ContainerRecord[]
  containers: ContainerRecord[]
  /** Conditions as last written, so unchanged ones keep their lastTransitionTime. */
  previousConditions: V1PodCondition[]
  now: Date
}

/** The conditions this kubelet owns; others (PodScheduled, readiness gates, ...) are kept as they are. */
const OWN_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']

export function buildPodStatus(input: PodStatusInput): V1PodStatus {
  const { pod, podIP, hostIP } = input
  const initContainerStatuses = input.init.map(toContainerStatus)
  const containerStatuses = input.containers.map(toContainerStatus).sort((a, b) => a.name.localeCompare(b.name))
  const phase = podPhase(pod, initContainerStatuses, containerStatuses)
  const status: V1PodStatus = {
    observedGeneration: pod.metadata?.generation,
    phase,
    conditions: podConditions(input, initContainerStatuses, containerStatuses),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: input.startTime,
    containerStatuses
  }
  if (initContainerStatuses.length > 0) status.initContainerStatuses = initContainerStatuses
  return status
}

function toContainerStatus(record: ContainerRecord): V1ContainerStatus {
  const status: V1ContainerStatus = {
    name: record.name,
    state: record.state,
    lastState: record.lastState,
    ready: record.ready,
    restartCount: record.restartCount,
    image: record.image,
    imageID: record.imageID,
    started: record.started
  }
  if (record.containerID) status.containerID = record.containerID
  return status
}

/** getPhase, for restartPolicy Always, OnFailure and Never (sidecar init containers are not modelled). */
export function podPhase(pod: V1Pod, init: V1ContainerStatus[], containers: V1ContainerStatus[]): string {
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always'
  const initFailed = init.some((s) => exitCodeOf(s.state?.terminated ?? s.lastState?.terminated) > 0)
  if (initFailed && restartPolicy === 'Never') return 'Failed'
  const initPending = init.some((s) => s.state?.terminated?.exitCode !== 0)
  let running = 0
  let waiting = 0
  let stopped = 0
  let succeeded = 0
  for (const s of containers) {
    if (s.state?.running) running++
    else if (s.state?.terminated) {
      stopped++
      if (s.state.terminated.exitCode === 0) succeeded++
    } else if (s.lastState?.terminated) stopped++
    else waiting++
  }
  if (initPending || waiting > 0) return 'Pending'
  if (running > 0) return 'Running'
  if (stopped === 0) return 'Pending'
  if (restartPolicy === 'Always') return 'Running'
  if (stopped === succeeded) return 'Succeeded'
  return restartPolicy === 'Never' ? 'Failed' : 'Running'
}

function exitCodeOf(terminated: { exitCode: number } | undefined): number {
  return terminated?.exitCode ?? 0
}

function podConditions(input: PodStatusInput, init: V1ContainerStatus[], containers: V1ContainerStatus[]): V1PodCondition[] {
  const { pod, previousConditions, now } = input
  const generation = pod.metadata?.generation
  const previous = new Map(previousConditions.map((c) => [c.type, c]))
  const make = (type: string, ok: boolean, reason?: string, message?: string): V1PodCondition => {
    const status = ok ? 'True' : 'False'
    const before = previous.get(type)
    const lastTransitionTime = before?.status === status ? before.lastTransitionTime : now
    const condition: V1PodCondition = { type, status, observedGeneration: generation, lastTransitionTime }
    if (!ok && reason) Object.assign(condition, { reason, message })
    return condition
  }
  const incomplete = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name)
  const unready = containers.filter((s) => !s.ready).map((s) => s.name)
  const unreadyMessage = `containers with unready status: [${unready.join(' ')}]`
  const own = [
    make('PodReadyToStartContainers', true),
    make('Initialized', incomplete.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
    make('Ready', unready.length === 0, 'ContainersNotReady', unreadyMessage),
    make('ContainersReady', unready.length === 0, 'ContainersNotReady', unreadyMessage)
  ]
  const others = (pod.status?.conditions ?? []).filter((c) => !OWN_CONDITIONS.includes(c.type))
  return [...own, ...others]
}
