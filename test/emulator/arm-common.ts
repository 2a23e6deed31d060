/**
 * Error bodies and request parsing shared by the ARM modules. Two error shapes exist behind the
 * one endpoint: ARM's own (`{"error":{"code","message"}}`) and API Management's, which always
 * carries `details` (null or a list of `{code,target,message}`).
 */
import type { EmuRequest, EmuResponse } from './http.js'

export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers, body: { error: { code, message } } }
}

/** API Management's own error body. */
export function apimError(status: number, code: string, message: string, details: unknown = null): EmuResponse {
  return { status, body: { error: { code, message, details } } }
}

/** API Management's 404 for a missing entity: `Gateway not found.`, `Api not found.` */
export function entityNotFound(entity: 'Gateway' | 'Api'): EmuResponse {
  return apimError(404, 'ResourceNotFound', `${entity} not found.`)
}

export function validationError(target: string, message: string): EmuResponse {
  return apimError(400, 'ValidationError', 'One or more fields contain incorrect values:', [{ code: 'ValidationError', target, message }])
}

export function parseJson(req: EmuRequest): { ok: true; value: unknown } | { ok: false; response: EmuResponse } {
  if (req.body.length === 0) return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) }
  } catch (err) {
    // JSON.parse errors quote the input, which may be a secret: report the position only.
    const at = /position (\d+)/.exec((err as Error).message)?.[1]
    return { ok: false, response: armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'Unexpected character encountered while parsing value${at ? ` at position ${at}` : ''}.'.`) }
  }
}

/** If-Match against an entity tag: absent or `*` matches; weak/strong and quoting are ignored. */
export function ifMatchOk(header: string | string[] | undefined, etag: string): boolean {
  const v = Array.isArray(header) ? header[0] : header
  if (v === undefined || v.trim() === '*') return true
  const bare = (s: string) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, '')
  return bare(v) === bare(etag)
}
