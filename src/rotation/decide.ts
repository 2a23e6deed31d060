import { formatDuration } from '../duration.js'
import type { KeyType } from '../settings.js'

export function otherKey(key: KeyType): KeyType {
  return key === 'primary' ? 'secondary' : 'primary'
}

export type RotationDecision =
  | { rotate: false; reason: string }
  | { rotate: true; reason: string; newKey: KeyType; previousKey: KeyType | 'unknown' }

/**
 * Whether to rotate, and from which key. The new token always comes from the key the running
 * token did NOT come from, so that revoking the previous key can never hit the new token. When the
 * running token's key is unknown, `fallbackKey` is used (and nothing is revoked later).
 */
export function decideRotation(input: {
  expiresOn: Date
  keyType: KeyType | 'unknown'
  now: Date
  rotateBeforeMs: number
  force: boolean
  fallbackKey: KeyType
}): RotationDecision {
  const remaining = input.expiresOn.getTime() - input.now.getTime()
  const when = remaining <= 0 ? `expired on ${input.expiresOn.toISOString()}` : `expires on ${input.expiresOn.toISOString()} (in ${formatDuration(remaining)})`
  if (!input.force && remaining > input.rotateBeforeMs) {
    return { rotate: false, reason: `The running token ${when}, later than rotate-before (${formatDuration(input.rotateBeforeMs)}): nothing to do. Set 'force: true' to rotate anyway.` }
  }
  const newKey = input.keyType === 'unknown' ? input.fallbackKey : otherKey(input.keyType)
  const reason = input.force && remaining > input.rotateBeforeMs
    ? `Rotating because of 'force: true'; the running token ${when}.`
    : `Rotating: the running token ${when}, within rotate-before (${formatDuration(input.rotateBeforeMs)}).`
  return { rotate: true, reason, newKey, previousKey: input.keyType }
}
