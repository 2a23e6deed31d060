import { describe, expect, it } from '@jest/globals'
import { formatDuration, parseDuration } from '../src/duration.js'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

describe('parseDuration', () => {
  it.each([
    ['45s', 45 * S],
    ['90m', 90 * M],
    ['12h', 12 * H],
    ['29d', 29 * D],
    ['1d12h', D + 12 * H],
    ['1h30m', H + 30 * M],
    ['2d3h4m5s', 2 * D + 3 * H + 4 * M + 5 * S],
    ['36H', 36 * H],
    ['  10m  ', 10 * M]
  ])('reads the short form %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    ['P29D', 29 * D],
    ['PT12H', 12 * H],
    ['PT36H', 36 * H],
    ['PT90M', 90 * M],
    ['PT45S', 45 * S],
    ['P1DT12H', D + 12 * H],
    ['P1DT2H3M4S', D + 2 * H + 3 * M + 4 * S],
    ['p2d', 2 * D]
  ])('reads ISO 8601 %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it('treats m as minutes, not months', () => {
    expect(parseDuration('1m')).toBe(M)
    expect(parseDuration('PT1M')).toBe(M)
  })

  it.each(['', '   ', 'abc', '10', '10x', '1.5h', '-1d', '+1d', '1h1d', '10m 5s', 'P', 'PT', 'P1W', 'P1Y', 'PT1.5H', '1d-12h', 'd', '29 days', 'P29', 'T12H'])(
    'rejects %p',
    text => {
      expect(parseDuration(text)).toBeUndefined()
    }
  )

  it.each(['0s', '0d', '0h0m', 'P0D', 'PT0S'])('gives zero for %p, which is not a positive duration', text => {
    const ms = parseDuration(text)
    expect(ms === undefined || ms <= 0).toBe(true)
  })
})

describe('formatDuration', () => {
  it.each([
    [29 * D, '29d'],
    [D + 12 * H, '1d12h'],
    [90 * M, '1h30m'],
    [45 * S, '45s'],
    [0, '0s']
  ])('formats %p ms as %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips through parseDuration', () => {
    for (const ms of [S, 59 * S, H + S, 3 * D + 4 * H + 5 * M + 6 * S, 30 * D]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
})
