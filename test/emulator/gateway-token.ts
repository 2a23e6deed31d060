/**
 * Self-hosted gateway tokens: `<gateway>&<yyyyMMddHHmm>&<base64 signature>`, the signature an
 * HMAC-SHA512 of gateway and expiry under one of the gateway's two keys. Because the signature
 * depends on the key, regenerating a key invalidates exactly the tokens minted from it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export type KeyType = 'primary' | 'secondary'
export const KEY_TYPES: readonly KeyType[] = ['primary', 'secondary']

export function newGatewayKey(): string {
  return randomBytes(64).toString('base64')
}

/** The token's middle field: expiry truncated to the minute, UTC. */
export function formatExpiry(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`
}

export function parseExpiry(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s)
  if (!m) return undefined
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]))
  return Number.isNaN(d.getTime()) || formatExpiry(d) !== s ? undefined : d
}

function signature(key: string, gateway: string, expiry: string): string {
  return createHmac('sha512', Buffer.from(key, 'base64')).update(`${gateway}\n${expiry}`).digest('base64')
}

export function mintToken(gateway: string, expiry: Date, key: string): string {
  const e = formatExpiry(expiry)
  return `${gateway}&${e}&${signature(key, gateway, e)}`
}

export interface ParsedToken {
  gateway: string
  expiryText: string
  expiry: Date
  signature: string
}

/** Accepts the bare token or `GatewayKey <token>`. Returns undefined for anything else. */
export function parseToken(value: string): ParsedToken | undefined {
  const raw = value.startsWith('GatewayKey ') ? value.slice('GatewayKey '.length) : value
  const parts = raw.split('&')
  if (parts.length !== 3 || !parts[0] || !parts[2]) return undefined
  const expiry = parseExpiry(parts[1])
  if (!expiry || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[2])) return undefined
  return { gateway: parts[0], expiryText: parts[1], expiry, signature: parts[2] }
}

/** Which of the current keys signed this token, if any. */
export function signingKey(t: ParsedToken, keys: Record<KeyType, string>): KeyType | undefined {
  const given = Buffer.from(t.signature, 'base64')
  for (const kt of KEY_TYPES) {
    const expected = Buffer.from(signature(keys[kt], t.gateway, t.expiryText), 'base64')
    if (expected.length === given.length && timingSafeEqual(expected, given)) return kt
  }
  return undefined
}
