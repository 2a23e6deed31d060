import { formatExpiry, mintToken, newGatewayKey, parseExpiry, parseToken, signingKey } from './gateway-token.js'

describe('gateway token format', () => {
  test('expiry field is yyyyMMddHHmm in UTC, truncated to the minute', () => {
    expect(formatExpiry(new Date('2020-04-21T00:44:24.2845269Z'))).toBe('202004210044')
    expect(formatExpiry(new Date('2026-12-31T23:59:59.999Z'))).toBe('202612312359')
    expect(parseExpiry('202004210044')?.toISOString()).toBe('2020-04-21T00:44:00.000Z')
    expect(parseExpiry('202013010000')).toBeUndefined()
    expect(parseExpiry('2020042100')).toBeUndefined()
  })

  test('token is <gateway>&<expiry>&<base64 HMAC-SHA512>, with or without the GatewayKey prefix', () => {
    const key = newGatewayKey()
    expect(Buffer.from(key, 'base64')).toHaveLength(64)
    const token = mintToken('gw1', new Date('2030-01-02T03:04:05Z'), key)
    const [gw, exp, sig] = token.split('&')
    expect(gw).toBe('gw1')
    expect(exp).toBe('203001020304')
    expect(Buffer.from(sig, 'base64')).toHaveLength(64)
    expect(parseToken(token)?.gateway).toBe('gw1')
    expect(parseToken(`GatewayKey ${token}`)?.expiryText).toBe('203001020304')
    for (const bad of ['', 'gw1', 'gw1&2030&abc', `gw1&203001020304&`, '&203001020304&abcd', 'a&b&c&d', 'gw1&203001020304&not base64!']) {
      expect(parseToken(bad)).toBeUndefined()
    }
  })

  test('the signature ties the token to one key: replacing that key invalidates it, the other key is unaffected', () => {
    const keys = { primary: newGatewayKey(), secondary: newGatewayKey() }
    const exp = new Date(Date.now() + 3600_000)
    const p = parseToken(mintToken('gw', exp, keys.primary))!
    const s = parseToken(mintToken('gw', exp, keys.secondary))!
    expect(signingKey(p, keys)).toBe('primary')
    expect(signingKey(s, keys)).toBe('secondary')
    keys.primary = newGatewayKey()
    expect(signingKey(p, keys)).toBeUndefined()
    expect(signingKey(s, keys)).toBe('secondary')
    // Changing the gateway or the expiry breaks the signature too.
    expect(signingKey({ ...s, gateway: 'other' }, keys)).toBeUndefined()
    expect(signingKey({ ...s, expiryText: '209901010000' }, keys)).toBeUndefined()
  })
})
