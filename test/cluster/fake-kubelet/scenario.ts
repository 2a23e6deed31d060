/** Test switches that make a pod misbehave the way real gateway pods can. */
import type { V1Pod } from '@kubernetes/client-node'

export const SCENARIO_ANNOTATION = 'fake-kubelet.test/scenario'

export type Scenario =
  | { kind: 'ready' }
  | { kind: 'ready-after'; ms: number }
  | { kind: 'never-ready' }
  | { kind: 'crash-loop' }
  | { kind: 'image-pull-failure' }
  | { kind: 'invalid'; text: string }

export function parseScenario(text: string | undefined): Scenario {
  const value = (text ?? '').trim()
  if (value === '' || value === 'ready') return { kind: 'ready' }
  if (value === 'never-ready' || value === 'crash-loop' || value === 'image-pull-failure') return { kind: value }
  const after = /^ready-after=(\d+)$/.exec(value)
  if (after) return { kind: 'ready-after', ms: Number(after[1]) }
  return { kind: 'invalid', text: value }
}

/** The pod's annotation wins over its namespace's. */
export function scenarioFor(pod: V1Pod, namespaceAnnotations: Record<string, string> | undefined): Scenario {
  return parseScenario(pod.metadata?.annotations?.[SCENARIO_ANNOTATION] ?? namespaceAnnotations?.[SCENARIO_ANNOTATION])
}
