import * as k8s from '@kubernetes/client-node'
import type { Kube } from './client.js'
import { kubeError } from './errors.js'
import { ANNOTATION } from './manifests.js'

export type RolloutState =
  | { phase: 'progressing'; message: string; ready: number; desired: number }
  | { phase: 'complete'; ready: number; desired: number }
  | { phase: 'failed'; message: string; ready: number; desired: number }

/** `kubectl rollout status`'s rules for a Deployment (domain-facts.md, "Kubernetes"). */
export function rolloutState(deployment: k8s.V1Deployment, generation: number): RolloutState {
  const desired = deployment.spec?.replicas ?? 1
  const status = deployment.status ?? {}
  // A surge pod can make readyReplicas exceed the desired count for a moment.
  const ready = Math.min(status.readyReplicas ?? 0, desired)
  const name = deployment.metadata?.name
  if ((status.observedGeneration ?? 0) < Math.max(generation, deployment.metadata?.generation ?? 0)) {
    return { phase: 'progressing', message: 'waiting for the Deployment spec update to be observed', ready, desired }
  }
  const progressing = status.conditions?.find(c => c.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { phase: 'failed', message: `Deployment '${name}' exceeded its progress deadline: ${progressing.message ?? ''}`.trim(), ready, desired }
  }
  const updated = status.updatedReplicas ?? 0
  const total = status.replicas ?? 0
  const available = status.availableReplicas ?? 0
  if (updated < desired) return { phase: 'progressing', message: `${updated} of ${desired} new replicas updated, ${ready} ready`, ready, desired }
  if (total > updated) return { phase: 'progressing', message: `${total - updated} old replica(s) pending termination, ${ready}/${desired} ready`, ready, desired }
  if (available < updated) return { phase: 'progressing', message: `${available} of ${updated} updated replicas available`, ready, desired }
  return { phase: 'complete', ready, desired }
}

/** Container states that do not heal by waiting: report them now instead of at the timeout. */
const STUCK_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'InvalidImageName', 'ErrImageNeverPull', 'ImagePullBackOff', 'CrashLoopBackOff'])

export function stuckReason(pod: k8s.V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting
    if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
      return `pod '${pod.metadata?.name}' container '${status.name}' is ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
    }
  }
  return undefined
}

export type WaitResult =
  | { ok: true; ready: number; desired: number; noticedAt: number }
  | { ok: false; reason: string; ready: number; desired: number }

interface WaitOptions {
  namespace: string
  name: string
  generation: number
  /** The pod-template hash of this rollout: only its pods count as stuck. */
  configHash: string
  timeoutMs: number
  onProgress: (message: string) => void
}

/**
 * Waits by watching (list, then watch from the list's resourceVersion; relist on 410 Gone) so
 * that the moment the last pod turns Ready is noticed at once.
 */
export async function waitForRollout(kube: Kube, options: WaitOptions): Promise<WaitResult> {
  const watch = new k8s.Watch(kube.config)
  const aborts: AbortController[] = []
  let settle!: (result: WaitResult) => void
  const result = new Promise<WaitResult>(resolve => (settle = resolve))
  let finished = false
  let last = { ready: 0, desired: 0 }
  let lastMessage = ''
  const finish = (r: WaitResult): void => {
    if (finished) return
    finished = true
    settle(r)
  }

  const onDeployment = (deployment: k8s.V1Deployment): void => {
    const state = rolloutState(deployment, options.generation)
    last = { ready: state.ready, desired: state.desired }
    if (state.phase === 'complete') return finish({ ok: true, ready: state.ready, desired: state.desired, noticedAt: Date.now() })
    if (state.phase === 'failed') return finish({ ok: false, reason: state.message, ...last })
    const message = `${state.ready}/${state.desired} ready: ${state.message}`
    if (message !== lastMessage) options.onProgress((lastMessage = message))
  }
  const onPod = (pod: k8s.V1Pod): void => {
    if (pod.metadata?.annotations?.[ANNOTATION.configHash] !== options.configHash || pod.metadata?.deletionTimestamp) return
    const stuck = stuckReason(pod)
    if (stuck) finish({ ok: false, reason: stuck, ...last })
  }

  const deployments = `/apis/apps/v1/namespaces/${options.namespace}/deployments`
  const pods = `/api/v1/namespaces/${options.namespace}/pods`
  const timer = setTimeout(() => finish({ ok: false, reason: `timed out after ${Math.round(options.timeoutMs / 1000)}s`, ...last }), options.timeoutMs)
  try {
    await Promise.all([
      follow(watch, aborts, () => finished, deployments, { fieldSelector: `metadata.name=${options.name}` },
        () => kube.apps.listNamespacedDeployment({ namespace: options.namespace, fieldSelector: `metadata.name=${options.name}` }), onDeployment, true),
      follow(watch, aborts, () => finished, pods, { labelSelector: `app=${options.name}` },
        () => kube.core.listNamespacedPod({ namespace: options.namespace, labelSelector: `app=${options.name}` }), onPod, false)
    ]).catch(error => finish({ ok: false, reason: kubeError('Watching the rollout', error, kube.server).message, ...last }))
    return await result
  } finally {
    finished = true
    clearTimeout(timer)
    for (const abort of aborts) abort.abort()
  }
}

/**
 * Lists, hands every object to `onObject`, then watches from the list's resourceVersion until
 * `stopped()`. A 410 Gone (history compacted) or a dropped connection starts over with a list.
 * Returns once the first list is done, so that errors of the first list reach the caller.
 */
async function follow<T extends k8s.KubernetesObject>(
  watch: k8s.Watch,
  aborts: AbortController[],
  stopped: () => boolean,
  path: string,
  query: Record<string, string>,
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
  onObject: (object: T) => void,
  required: boolean
): Promise<void> {
  let first = true
  const cycle = async (): Promise<void> => {
    let listed: Awaited<ReturnType<typeof list>>
    try {
      listed = await list()
    } catch (error) {
      if (first && required) throw error
      if (!first && !stopped()) setTimeout(() => void cycle(), 500)
      return
    }
    first = false
    listed.items.forEach(onObject)
    if (stopped()) return
    const abort = await watch.watch(
      path,
      { ...query, resourceVersion: listed.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, object: T) => {
        if (type === 'ADDED' || type === 'MODIFIED') onObject(object)
      },
      () => {
        // Any end of the watch (410 Gone, timeout, dropped connection) starts over with a list.
        if (!stopped()) setTimeout(() => void cycle(), 100)
      }
    )
    aborts.push(abort)
  }
  await cycle()
}
