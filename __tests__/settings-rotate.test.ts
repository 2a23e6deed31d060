import { describe, expect, it } from '@jest/globals'
import { readSettings, SettingsError } from '../src/settings.js'
import { DAY_MS, inputs, makeToken, MINIMAL_OIDC } from '../__fixtures__/gateway.js'

const NOW = new Date('2026-12-03T12:00:00Z')
const read = (overrides: Record<string, string>) => readSettings(inputs({ ...MINIMAL_OIDC, ...overrides }), NOW)
const problems = (overrides: Record<string, string>): string[] => {
  try {
    read(overrides)
  } catch (error) {
    if (error instanceof SettingsError) return error.problems
    throw error
  }
  throw new Error('readSettings did not throw')
}

describe('settings for command: rotate', () => {
  it('defaults to deploy; rotate reads rotate-before, force and revoke-previous', () => {
    expect(read({}).command).toBe('deploy')
    const s = read({ command: 'rotate', 'rotate-before': '3d', force: 'true', 'revoke-previous': 'true' })
    expect(s.command).toBe('rotate')
    expect(s.rotation).toEqual({ rotateBeforeMs: 3 * DAY_MS, force: true, revokePrevious: true })
  })

  it('refuses gateway-token with rotate, naming why', () => {
    const token = makeToken(MINIMAL_OIDC['gateway-name'], new Date(NOW.getTime() + DAY_MS))
    const found = problems({ command: 'rotate', 'gateway-token': token })
    expect(found.some(p => p.startsWith("input 'gateway-token'") && p.includes('other gateway key'))).toBe(true)
    expect(found.join('\n')).not.toContain(token)
  })

  it('refuses rotate-before over 30 days and an unknown command', () => {
    expect(problems({ command: 'rotate', 'rotate-before': '31d' }).some(p => p.startsWith("input 'rotate-before'"))).toBe(true)
    expect(problems({ command: 'destroy' }).some(p => p.startsWith("input 'command'"))).toBe(true)
  })
})
