import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { describeNonToken, parseGatewayToken, stripPrefix, TOKEN_PREFIX } from '../src/token.js'
import { makeToken, stamp } from '../__fixtures__/gateway.js'

const EXPIRY = new Date(Date.UTC(2031, 0, 31, 23, 59))

describe('parseGatewayToken', () => {
  it('reads a token as ARM returns it (no prefix)', () => {
    const text = makeToken('gw-eu', EXPIRY)
    const token = parseGatewayToken(text)
    expect(token).toEqual({ value: text, gateway: 'gw-eu', expiresOn: EXPIRY })
  })

  it('strips the `GatewayKey ` prefix the portal and the Helm chart show, and surrounding whitespace', () => {
    const text = makeToken('gw-eu', EXPIRY)
    for (const given of [`${TOKEN_PREFIX}${text}`, `  ${TOKEN_PREFIX}${text}\n`, `${text}\n`]) {
      const token = parseGatewayToken(given)
      expect(token?.value).toBe(text)
      expect(token?.gateway).toBe('gw-eu')
    }
    expect(stripPrefix(`GatewayKey ${text}`)).toBe(text)
  })

  it('reads the expiry as UTC whatever the process time zone (checked in a child process, where TZ takes effect)', () => {
    // jest gives tests a copy of process.env, so setting TZ here would not reach V8: use a real process.
    const script = `
      import { parseGatewayToken } from ${JSON.stringify(new URL('../src/token.ts', import.meta.url).href)}
      const out = {}
      for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Kiritimati']) {
        process.env.TZ = tz
        out[tz] = [
          new Date(2031, 0, 1).getTimezoneOffset(),
          parseGatewayToken('gw&203102030405&${'A'.repeat(86)}==')?.expiresOn.toISOString(),
          parseGatewayToken('gw&203101312330&${'A'.repeat(88)}')?.expiresOn.toISOString()
        ]
      }
      console.log(JSON.stringify(out))`
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() })
    const out = JSON.parse(stdout) as Record<string, [number, string, string]>
    // the time zones really differed in the child
    expect(new Set(Object.values(out).map(([offset]) => offset)).size).toBe(4)
    for (const [, first, second] of Object.values(out)) {
      expect(first).toBe('2031-02-03T04:05:00.000Z')
      expect(second).toBe('2031-01-31T23:30:00.000Z')
    }
  })

  it('reads the middle field of every minute of a day as that UTC minute', () => {
    const start = Date.UTC(2030, 11, 31, 0, 0)
    for (let minute = 0; minute < 24 * 60; minute += 37) {
      const when = new Date(start + minute * 60_000)
      expect(parseGatewayToken(makeToken('gw', when))?.expiresOn.getTime()).toBe(when.getTime())
    }
  })

  it('accepts 29 February in a leap year only', () => {
    expect(parseGatewayToken(`gw&202802291200&${'A'.repeat(88)}`)?.expiresOn.toISOString()).toBe('2028-02-29T12:00:00.000Z')
    expect(parseGatewayToken(`gw&202702291200&${'A'.repeat(88)}`)).toBeUndefined()
  })

  it.each([
    ['month 13', '203013011200'],
    ['month 00', '203000011200'],
    ['day 32', '203001321200'],
    ['day 00', '203001001200'],
    ['31 April', '203004311200'],
    ['hour 24', '203001012400'],
    ['minute 60', '203001011260']
  ])('rejects an expiry with %s', (_what, middle) => {
    expect(parseGatewayToken(`gw&${middle}&${'A'.repeat(88)}`)).toBeUndefined()
  })

  it.each([
    ['empty', ''],
    ['two parts', `gw&${'A'.repeat(88)}`],
    ['four parts', `gw&203001011200&${'A'.repeat(44)}&${'A'.repeat(44)}`],
    ['a short expiry', `gw&2030010112&${'A'.repeat(88)}`],
    ['an expiry with letters', `gw&2030O1011200&${'A'.repeat(88)}`],
    ['a signature that is not base64', `gw&203001011200&abc$def`],
    ['too much padding', `gw&203001011200&${'A'.repeat(85)}===`],
    ['a space in the gateway name', `my gw&203001011200&${'A'.repeat(88)}`],
    ['an empty gateway name', `&203001011200&${'A'.repeat(88)}`],
    ['a gateway name over 80 characters', `${'g'.repeat(81)}&203001011200&${'A'.repeat(88)}`],
    ['a lower-case prefix', `gatewaykey gw&203001011200&${'A'.repeat(88)}`]
  ])('rejects %s', (_what, text) => {
    expect(parseGatewayToken(text)).toBeUndefined()
  })
})

describe('describeNonToken', () => {
  const secretish = [
    // placeholders
    '<configuration-token>',
    '${{ secrets.GATEWAY_TOKEN }}',
    // a raw gateway key (64 bytes, base64) with and without prefix
    'q1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJjKkLlZzXxCcVvBbNnMm1234567890qwertyuiopasdfghjklzxcvbnm+/==',
    'GatewayKey q1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJjKkLlZzXxCcVvBbNnMm1234567890qwertyuiopasdfghjklzxcvbnm+/==',
    // a JWT
    'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
    // a token with an invalid expiry
    `gw&203013011200&${'Zm9vYmFy'.repeat(11)}`,
    // anything else
    'hunter2-hunter2-hunter2'
  ]

  it('says the value is empty', () => {
    expect(describeNonToken('')).toMatch(/empty/)
    expect(describeNonToken('  \n')).toMatch(/empty/)
  })

  it.each(['<configuration-token>', '<token>', '${{ secrets.GATEWAY_TOKEN }}', '${{secrets.X}}', 'changeme', 'TODO', 'xxxxxxxx'])(
    'recognises the placeholder %p',
    text => {
      expect(describeNonToken(text)).toMatch(/placeholder/)
    }
  )

  it('recognises a raw base64 gateway key, with or without prefix', () => {
    expect(describeNonToken(secretish[2])).toMatch(/raw gateway key/)
    expect(describeNonToken(secretish[3])).toMatch(/raw gateway key/)
  })

  it('recognises a JWT', () => {
    expect(describeNonToken(secretish[4])).toMatch(/JWT/)
  })

  it('recognises a token-shaped value whose expiry is not a real time', () => {
    expect(describeNonToken(secretish[5])).toMatch(/three `&`-separated parts/)
  })

  it('gives the length of anything else', () => {
    expect(describeNonToken(secretish[6])).toContain(`${secretish[6].length} characters`)
  })

  it.each(secretish)('never contains the value or a recognisable part of it (%#)', text => {
    const description = describeNonToken(text)
    expect(description).not.toContain(text)
    // no run of 10 characters of the value appears in the description
    const bare = stripPrefix(text)
    for (let i = 0; i + 10 <= bare.length; i++) expect(description).not.toContain(bare.slice(i, i + 10))
  })
})

describe('stamp helper', () => {
  it('agrees with the parser (self-check of the fixture)', () => {
    expect(stamp(new Date(Date.UTC(2030, 8, 7, 6, 5)))).toBe('203009070605')
  })
})
