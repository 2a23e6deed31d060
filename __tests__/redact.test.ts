import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { makeToken } from '../__fixtures__/gateway.js'

jest.unstable_mockModule('@actions/core', () => core)
const { Redactor, secretForms } = await import('../src/redact.js')

const b64 = (s: string): string => Buffer.from(s).toString('base64')
const TOKEN = makeToken('gw-eu', new Date(Date.UTC(2031, 5, 30, 12, 0)))
const SIGNATURE = TOKEN.split('&')[2]

/** Bodies a token can hide in: a Secret as JSON and as YAML, with stringData, and an API server Status. */
function bodies(token: string): string[] {
  return [
    JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'apim-gateway-token' }, stringData: { 'config.service.auth.key': token } }),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: apim-gateway-token\nstringData:\n  config.service.auth.key: "${token}"\n`,
    `apiVersion: v1\nkind: Secret\nstringData:\n  value: GatewayKey ${token}\n`,
    JSON.stringify({ kind: 'Status', message: `Secret "x" is invalid: value: Invalid value: "GatewayKey ${token}"` }),
    // Go's encoding/json (the API server) escapes & as \u0026
    JSON.stringify({ kind: 'Status', message: `Invalid value: "${token}"` }).replace(/&/g, '\\u0026')
  ]
}

describe('secretForms', () => {
  const forms = secretForms(TOKEN)

  it('covers the token, `GatewayKey <token>`, the signature, and the base64 of each', () => {
    for (const s of [TOKEN, `GatewayKey ${TOKEN}`, SIGNATURE]) {
      expect(forms).toContain(s)
      expect(forms).toContain(b64(s))
      expect(forms).toContain(Buffer.from(s).toString('base64url'))
    }
  })

  it('covers the JSON-escaped and URL-encoded forms', () => {
    const withQuote = 'abc"def\\ghi/jkl&mno'
    const f = secretForms(withQuote)
    expect(f).toContain(JSON.stringify(withQuote).slice(1, -1))
    expect(f).toContain(encodeURIComponent(withQuote))
    expect(forms).toContain(encodeURIComponent(TOKEN))
  })

  it('lists longer forms first, so a form inside another does not break its redaction', () => {
    for (let i = 1; i < forms.length; i++) expect(forms[i - 1].length).toBeGreaterThanOrEqual(forms[i].length)
  })

  it('ignores values too short to mask safely', () => {
    const f = secretForms('abc')
    expect(f).not.toContain('abc')
    expect(f).not.toContain(b64('abc'))
    expect(f).toContain('GatewayKey abc')
    expect(f.every(form => form.length >= 8)).toBe(true)
  })

  it.each([0, 1, 2, 3, 4, 5])('finds the token inside a larger base64 blob when it starts at byte offset %i (mod 3 alignment)', offset => {
    for (const secret of [TOKEN, `GatewayKey ${TOKEN}`]) {
      const blob = b64(`${'p'.repeat(offset)}${secret}${'q'.repeat(7)}`)
      // off the 3-byte alignment, the plain base64 form is not in the blob: the alignment forms are needed
      if (offset % 3 !== 0) expect(blob).not.toContain(b64(secret).slice(4, -4))
      expect(forms.some(form => blob.includes(form))).toBe(true)
    }
  })

  it('finds the token in the base64 of a JSON or YAML Secret body, whatever precedes it', () => {
    for (const body of bodies(TOKEN)) {
      for (const lead of ['', 'a', 'ab']) {
        const blob = b64(lead + body)
        expect(forms.some(form => blob.includes(form))).toBe(true)
      }
    }
  })
})

describe('Redactor', () => {
  beforeEach(() => core.resetCore())

  it('removes every form of the token from text', () => {
    const redactor = new Redactor()
    redactor.add(TOKEN)
    const leaks = [
      TOKEN,
      `GatewayKey ${TOKEN}`,
      b64(TOKEN),
      b64(`GatewayKey ${TOKEN}`),
      JSON.stringify({ data: { 'config.service.auth.key': b64(TOKEN) } }),
      ...bodies(TOKEN),
      ...bodies(TOKEN).flatMap(body => ['', 'a', 'ab'].map(lead => b64(lead + body))),
      `url?token=${encodeURIComponent(TOKEN)}`,
      `signature only: ${SIGNATURE}`
    ]
    for (const text of leaks) {
      const out = redactor.redact(`before ${text} after`)
      expect(out).toContain('***')
      expect(out.startsWith('before ')).toBe(true)
      for (const secret of [TOKEN, SIGNATURE, b64(TOKEN), b64(SIGNATURE)]) expect(out).not.toContain(secret)
      // no 24-character piece of the signature survives
      for (let i = 0; i + 24 <= SIGNATURE.length; i += 8) expect(out).not.toContain(SIGNATURE.slice(i, i + 24))
    }
  })

  it('leaves text without the secret unchanged', () => {
    const redactor = new Redactor()
    redactor.add(TOKEN)
    const text = 'Deployment apim/apim-gateway: 1/1 ready; expires 2031-06-30T12:00:00.000Z'
    expect(redactor.redact(text)).toBe(text)
  })

  it('ignores empty secrets, leaves ordinary text alone, and still scrubs an unregistered token-shaped string', () => {
    const redactor = new Redactor()
    redactor.add(undefined)
    redactor.add('')
    expect(core.setSecret).not.toHaveBeenCalled()
    expect(redactor.redact('gateway gw-1 expires 2026-12-30T00:00:00Z')).toBe('gateway gw-1 expires 2026-12-30T00:00:00Z')
    expect(redactor.redact(`body {"value":"${TOKEN}"}`)).not.toContain(TOKEN.split('&')[2])
  })

  it('registers every form with the runner (core.setSecret), once each', () => {
    const redactor = new Redactor()
    redactor.add(TOKEN)
    const registered = core.setSecret.mock.calls.map(([value]) => value)
    expect(new Set(registered)).toEqual(new Set(secretForms(TOKEN)))
    expect(registered).toHaveLength(new Set(registered).size)
    redactor.add(TOKEN)
    expect(core.setSecret).toHaveBeenCalledTimes(registered.length)
  })

  it('keeps earlier secrets when more are added', () => {
    const redactor = new Redactor()
    const second = makeToken('gw-us', new Date(Date.UTC(2031, 6, 1)))
    redactor.add(TOKEN)
    redactor.add(second)
    const out = redactor.redact(`${TOKEN} ${second} ${b64(TOKEN)} ${b64(second)}`)
    expect(out).toBe('*** *** *** ***')
  })
})
