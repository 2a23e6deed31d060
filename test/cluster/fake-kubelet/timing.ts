/** Time helpers: every kubelet period is nominal seconds times the kubelet's timeScale. */
import { setTimeout as delay } from 'node:timers/promises'

/** 5 s of kubelet time become 150 ms: fast tests, yet slow enough to observe each state. */
export const DEFAULT_TIME_SCALE = 0.03

/** The shortest timer used, so that tiny scales do not turn loops into busy loops. */
const MIN_DELAY_MS = 10

export class Clock {
  constructor(readonly timeScale: number) {
    if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`)
  }

  /** Milliseconds of real time for `seconds` of kubelet time. */
  scaled(seconds: number): number {
    return Math.max(MIN_DELAY_MS, Math.round(seconds * 1000 * this.timeScale))
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts; never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  try {
    await delay(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

/** Races a promise against the signal, so a hung call cannot keep a stopping kubelet alive. */
export async function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined
  let onAbort: (() => void) | undefined
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
  }
}

/** kubelet's container and image back-off: 10 s, doubling, capped at 300 s (nominal seconds). */
export function backOffSeconds(previousBackOffs: number): number {
  return Math.min(10 * 2 ** previousBackOffs, 300)
}

/** Go's time.Duration String() for whole milliseconds, as kubelet prints it in back-off messages. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = (ms % 60_000) / 1000
  const secondsText = `${Number(seconds.toFixed(3))}s`
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`
  if (minutes > 0) return `${minutes}m${secondsText}`
  return secondsText
}

/** metav1.MicroTime wire format (exactly six fractional digits, which the apiserver requires). */
export function rfc3339Micro(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}
