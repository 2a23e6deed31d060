import type * as k8s from '@kubernetes/client-node'
import { redactor } from '../redact.js'
import type { Kube } from './client.js'
import { kubeStatus } from './errors.js'

const LOG_LINES = 20
const EVENTS = 15

/**
 * What a person would look up with kubectl after a failed rollout: each unready pod's phase and
 * container states, recent events of the Deployment, its ReplicaSets and pods, and the last log
 * lines of failing containers. Every line is redacted: logs and events can echo the environment.
 * Best effort: a lookup that is refused is reported as such and the rest still runs.
 */
export async function collectDiagnostics(kube: Kube, namespace: string, name: string): Promise<string[]> {
  const lines: string[] = []
  let pods: k8s.V1Pod[] = []
  try {
    pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items
  } catch (error) {
    lines.push(`(could not list pods: ${kubeStatus(error).message})`)
  }
  const unready = pods.filter(pod => !isReady(pod))
  if (pods.length > 0 && unready.length === 0) lines.push(`All ${pods.length} pod(s) of '${name}' are Ready.`)
  for (const pod of unready) {
    lines.push(...describePod(pod))
    for (const status of pod.status?.containerStatuses ?? []) {
      if (status.ready) continue
      lines.push(...(await lastLogLines(kube, namespace, pod, status)))
    }
  }
  lines.push(...(await recentEvents(kube, namespace, name, pods)))
  return lines.map(line => redactor.redact(line))
}

function isReady(pod: k8s.V1Pod): boolean {
  return pod.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false
}

export function describePod(pod: k8s.V1Pod): string[] {
  const lines = [`Pod ${pod.metadata?.name}: phase ${pod.status?.phase ?? 'Unknown'}, not ready`]
  for (const status of pod.status?.containerStatuses ?? []) {
    const { waiting, terminated, running } = status.state ?? {}
    const state = waiting
      ? `waiting: ${waiting.reason ?? ''}${waiting.message ? ` — ${waiting.message}` : ''}`
      : terminated
        ? `terminated: ${terminated.reason ?? ''} (exit code ${terminated.exitCode})${terminated.message ? ` — ${terminated.message}` : ''}`
        : running
          ? 'running, readiness probe not passing'
          : 'unknown state'
    lines.push(`  container ${status.name}: ${state}; restarts ${status.restartCount}`)
    const previous = status.lastState?.terminated
    if (previous) lines.push(`  previous run: ${previous.reason ?? ''} (exit code ${previous.exitCode})`)
  }
  for (const condition of pod.status?.conditions ?? []) {
    if (condition.status !== 'True' && condition.message) lines.push(`  ${condition.type}: ${condition.reason ?? ''} ${condition.message}`)
  }
  return lines
}

async function lastLogLines(kube: Kube, namespace: string, pod: k8s.V1Pod, status: k8s.V1ContainerStatus): Promise<string[]> {
  if (!status.state?.running && !status.state?.terminated && !status.lastState?.terminated) return []
  const previous = !status.state?.running && !status.state?.terminated && Boolean(status.lastState?.terminated)
  try {
    const log = await kube.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: status.name, tailLines: LOG_LINES, previous })
    const text = String(log).trimEnd()
    if (!text) return []
    return [`  last log lines of ${pod.metadata?.name}/${status.name}${previous ? ' (previous run)' : ''}:`, ...text.split('\n').slice(-LOG_LINES).map(l => `    ${l}`)]
  } catch (error) {
    return [`  (could not read the log of ${pod.metadata?.name}/${status.name}: ${kubeStatus(error).message})`]
  }
}

async function recentEvents(kube: Kube, namespace: string, name: string, pods: k8s.V1Pod[]): Promise<string[]> {
  try {
    const podNames = new Set(pods.map(p => p.metadata?.name))
    const events = (await kube.core.listNamespacedEvent({ namespace })).items.filter(event => {
      const involved = event.involvedObject
      return involved.name === name || involved.name?.startsWith(`${name}-`) || podNames.has(involved.name)
    })
    const time = (e: k8s.CoreV1Event): number => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).getTime()
    events.sort((a, b) => time(a) - time(b))
    if (events.length === 0) return []
    return [
      'Recent events:',
      ...events.slice(-EVENTS).map(e => `  ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`)
    ]
  } catch (error) {
    return [`(could not list events: ${kubeStatus(error).message})`]
  }
}
