/**
 * Injected faults. Each is scoped by a path fragment (a subscription id, tenant id, job id…) so
 * that tests running in parallel against one emulator only disturb their own calls.
 */
import { randomUUID } from 'node:crypto'

export type ListenerName = 'arm' | 'entra' | 'github' | 'githubApi'

export interface FaultSpec {
  listener: ListenerName
  method?: string
  /** Matched against the request's path and query string, case-insensitively. */
  pathIncludes: string
  /** Omit to only delay the call (a slow answer) and then answer normally. */
  status?: number
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
  /** How many matching calls this fault affects (default 1). */
  times?: number
}

export interface Fault extends Required<Pick<FaultSpec, 'listener' | 'pathIncludes'>> {
  id: string
  method?: string
  status?: number
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
  remaining: number
  hits: number
}

export class Faults {
  private readonly list: Fault[] = []

  add(spec: FaultSpec): Fault {
    if (!spec.pathIncludes) throw new Error('injectFault: pathIncludes is required so the fault cannot touch other tests')
    if (spec.status === undefined && spec.delayMs === undefined) throw new Error('injectFault: give a status, a delayMs, or both')
    const times = spec.times ?? 1
    if (!Number.isInteger(times) || times < 1) throw new Error('injectFault: times must be a positive integer')
    const fault: Fault = {
      id: randomUUID(), listener: spec.listener, method: spec.method?.toUpperCase(), pathIncludes: spec.pathIncludes,
      status: spec.status, body: spec.body, headers: spec.headers, delayMs: spec.delayMs, remaining: times, hits: 0
    }
    this.list.push(fault)
    return fault
  }

  /** Consumes one use of the first fault that matches this call. */
  take(listener: ListenerName, method: string, pathAndQuery: string): Fault | undefined {
    const target = pathAndQuery.toLowerCase()
    const fault = this.list.find(f => f.remaining > 0 && f.listener === listener &&
      (!f.method || f.method === method.toUpperCase()) && target.includes(f.pathIncludes.toLowerCase()))
    if (!fault) return undefined
    fault.remaining--
    fault.hits++
    return fault
  }

  get(id: string): Fault | undefined {
    return this.list.find(f => f.id === id)
  }

  /**
   * Removes faults whose scope contains `pathIncludes` (all of them when omitted), spent ones
   * included. Returns how many of the removed faults were still pending.
   */
  clear(pathIncludes?: string): number {
    let pending = 0
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (pathIncludes === undefined || this.list[i].pathIncludes.toLowerCase().includes(pathIncludes.toLowerCase())) {
        if (this.list[i].remaining > 0) pending++
        this.list.splice(i, 1)
      }
    }
    return pending
  }
}
