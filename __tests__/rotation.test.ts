import { describe, expect, it } from '@jest/globals'
import { decideRotation, otherKey } from '../src/rotation/decide.js'
import { holderIdentity } from '../src/kube/lease.js'

const DAY = 86_400_000
const now = new Date('2026-12-03T12:00:00Z')
const base = { now, rotateBeforeMs: 7 * DAY, force: false, fallbackKey: 'primary' as const }

describe('decideRotation', () => {
  it('does nothing while the token expires later than rotate-before, and says when it expires', () => {
    const d = decideRotation({ ...base, expiresOn: new Date(now.getTime() + 10 * DAY), keyType: 'primary' })
    expect(d.rotate).toBe(false)
    expect(d.reason).toContain('2026-12-13T12:00:00.000Z')
    expect(d.reason).toContain('in 10d')
    expect(d.reason).toContain("'force: true'")
  })

  it('rotates to the OTHER key once within rotate-before, or when expired', () => {
    for (const [keyType, newKey] of [['primary', 'secondary'], ['secondary', 'primary']] as const) {
      const d = decideRotation({ ...base, expiresOn: new Date(now.getTime() + 6 * DAY), keyType })
      expect(d).toMatchObject({ rotate: true, newKey, previousKey: keyType })
    }
    const expired = decideRotation({ ...base, expiresOn: new Date(now.getTime() - DAY), keyType: 'secondary' })
    expect(expired).toMatchObject({ rotate: true, newKey: 'primary' })
    expect(expired.reason).toContain('expired on')
  })

  it('rotates when forced, and says force was the reason', () => {
    const d = decideRotation({ ...base, force: true, expiresOn: new Date(now.getTime() + 20 * DAY), keyType: 'primary' })
    expect(d).toMatchObject({ rotate: true, newKey: 'secondary' })
    expect(d.reason).toContain("'force: true'")
  })

  it('uses the fallback key when the running key is unknown, and keeps previousKey unknown', () => {
    const d = decideRotation({ ...base, fallbackKey: 'secondary', expiresOn: new Date(now.getTime() + DAY), keyType: 'unknown' })
    expect(d).toMatchObject({ rotate: true, newKey: 'secondary', previousKey: 'unknown' })
  })

  it('rotates exactly at the boundary (expires in exactly rotate-before)', () => {
    expect(decideRotation({ ...base, expiresOn: new Date(now.getTime() + 7 * DAY), keyType: 'primary' }).rotate).toBe(true)
  })

  it('otherKey swaps', () => {
    expect(otherKey('primary')).toBe('secondary')
    expect(otherKey('secondary')).toBe('primary')
  })
})

describe('holderIdentity', () => {
  it('names the workflow run a person can trace', () => {
    const id = holderIdentity({ GITHUB_REPOSITORY: 'contoso/infra', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' })
    expect(id).toContain('contoso/infra run 42 attempt 2')
    expect(id).toContain(`pid ${process.pid}`)
  })
})
