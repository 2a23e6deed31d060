/** Durations as users write them in workflow files: `29d`, `12h`, `90m`, `45s`, `1d12h`, or ISO 8601 (`P29D`, `PT12H`). */

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }

const SHORT = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim()
  if (!value) return undefined
  const match = SHORT.exec(value.toLowerCase()) ?? ISO.exec(value.toUpperCase())
  if (!match || match.slice(1).every(part => part === undefined)) return undefined
  const [d, h, m, s] = match.slice(1).map(part => Number(part ?? 0))
  return d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s
}

export function formatDuration(ms: number): string {
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * size
  }
  return parts.join('') || '0s'
}
