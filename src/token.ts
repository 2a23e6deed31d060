/**
 * The gateway configuration token: `<gateway>&<yyyyMMddHHmm>&<base64 signature>`, returned by ARM
 * without the `GatewayKey ` prefix that portal text and the Helm chart show. The middle field is
 * the expiry in UTC, so it can be read without any call.
 */

export const TOKEN_PREFIX = 'GatewayKey '

export interface GatewayToken {
  /** The token without prefix, as ARM returns it and the spec layout stores it. */
  value: string
  gateway: string
  expiresOn: Date
}

const SHAPE = /^([^&\s]{1,80})&(\d{12})&([A-Za-z0-9+/]+={0,2})$/

export function stripPrefix(text: string): string {
  const trimmed = text.trim()
  return trimmed.startsWith(TOKEN_PREFIX) ? trimmed.slice(TOKEN_PREFIX.length).trim() : trimmed
}

/** Parses a token; returns undefined when the text does not have the token's shape. */
export function parseGatewayToken(text: string): GatewayToken | undefined {
  const value = stripPrefix(text)
  const match = SHAPE.exec(value)
  if (!match) return undefined
  const expiresOn = parseExpiry(match[2])
  if (!expiresOn) return undefined
  return { value, gateway: match[1], expiresOn }
}

function parseExpiry(stamp: string): Date | undefined {
  const [y, mo, d, h, mi] = [stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8), stamp.slice(8, 10), stamp.slice(10, 12)].map(Number)
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi))
  // Date.UTC rolls invalid fields over (month 13 → next year); such a stamp is not a real expiry.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi) return undefined
  return date
}

/**
 * Says what a value that is not a token looks like, without echoing it, so that a user who pasted
 * the wrong secret learns which one.
 */
export function describeNonToken(text: string): string {
  const value = text.trim()
  if (!value) return 'it is empty'
  if (/^<.*>$|^\$\{\{.*\}\}$|^(x+|changeme|todo|token|placeholder|your[-_ ]?token.*)$/i.test(value)) {
    return 'it looks like a placeholder, not a token'
  }
  const bare = stripPrefix(value)
  if (/^[A-Za-z0-9+/]{40,}={0,2}$/.test(bare)) {
    return 'it looks like a raw gateway key (base64 without `<gateway>&<expiry>&`), not a token minted from one'
  }
  if (/^ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./.test(bare)) return 'it looks like a JWT (an Azure or GitHub access token), not a gateway token'
  if (bare.split('&').length === 3) return 'it has three `&`-separated parts, but the expiry is not a valid `yyyyMMddHHmm` UTC time or the signature is not base64'
  return `it is ${value.length} characters without the \`<gateway>&<yyyyMMddHHmm>&<signature>\` shape`
}
