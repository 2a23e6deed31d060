/**
 * GitHub's error bodies (`{"message", "documentation_url", "status"}`) and its request-body checks.
 * Two kinds of 422 exist on GitHub: the request-schema check ("Invalid request.\n\n\"ref\" wasn't
 * supplied." / "For 'properties/x', 42 is not a string.") and model validation ("Validation
 * Failed" with an `errors` list). Messages never quote a header, so no token can leak through them.
 */
import type { EmuRequest, EmuResponse } from './http.js'

/** `doc` may be left out by endpoint code: the router adds the endpoint's documentation page. */
export function gitHubError(status: number, message: string, doc?: string, headers: Record<string, string> = {}): EmuResponse {
  const body: Record<string, unknown> = { message }
  if (doc) Object.assign(body, { documentation_url: doc, status: String(status) })
  return { status, headers, body }
}

export function validationFailed(errors: Record<string, unknown>[]): EmuResponse {
  return { status: 422, body: { message: 'Validation Failed', errors } }
}

/** Ruby's `inspect`, which GitHub's schema messages use to quote the offending value. */
function inspect(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (Array.isArray(v)) return `[${v.map(inspect).join(', ')}]`
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}=>${inspect(x)}`).join(', ')}}`
  return typeof v === 'string' ? JSON.stringify(v) : String(v)
}

const invalid = (detail: string): EmuResponse => ({ status: 422, body: { message: `Invalid request.\n\n${detail}` } })
export const missing = (field: string) => invalid(`"${field}" wasn't supplied.`)
export const notType = (field: string, value: unknown, type: string) => invalid(`For 'properties/${field}', ${inspect(value)} is not ${type}.`)

/** The JSON body as an object: none is `{}`; unparseable is 400; anything but an object is 422. */
export function parseBody(req: EmuRequest): { value: Record<string, unknown> } | { error: EmuResponse } {
  if (req.body.length === 0) return { value: {} }
  let v: unknown
  try {
    v = JSON.parse(req.body.toString('utf8'))
  } catch {
    return { error: { status: 400, body: { message: 'Problems parsing JSON' } } }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: invalid(`For 'links/0/schema', ${inspect(v)} is not an object.`) }
  return { value: v as Record<string, unknown> }
}

type Check<T> = { value: T } | { error: EmuResponse }

function optional<T>(b: Record<string, unknown>, field: string, type: 'string' | 'boolean', dflt: T): Check<T> {
  const v = b[field]
  if (v === undefined) return { value: dflt }
  return typeof v === type ? { value: v as T } : { error: notType(field, v, type === 'string' ? 'a string' : 'a boolean') }
}

export interface DeploymentRequest {
  ref: string
  task: string
  autoMerge: boolean
  requiredContexts: string[]
  payload: unknown
  environment: string
  description: string | null
  transient: boolean
  production: boolean
}

export function checkDeployment(b: Record<string, unknown>): Check<DeploymentRequest> {
  if (b.ref === undefined) return { error: missing('ref') }
  if (typeof b.ref !== 'string') return { error: notType('ref', b.ref, 'a string') }
  const task = optional(b, 'task', 'string', 'deploy')
  const autoMerge = optional(b, 'auto_merge', 'boolean', true)
  const environment = optional(b, 'environment', 'string', 'production')
  const transient = optional(b, 'transient_environment', 'boolean', false)
  for (const c of [task, autoMerge, environment, transient]) if ('error' in c) return c
  const env = (environment as { value: string }).value
  const production = optional(b, 'production_environment', 'boolean', env === 'production')
  if ('error' in production) return production
  const rc = b.required_contexts
  if (rc !== undefined && (!Array.isArray(rc) || rc.some(c => typeof c !== 'string'))) return { error: notType('required_contexts', rc, 'an array of strings') }
  const d = b.description
  if (d !== undefined && d !== null && typeof d !== 'string') return { error: notType('description', d, 'a string or null') }
  const p = b.payload
  if (p !== undefined && (p === null || Array.isArray(p) || (typeof p !== 'object' && typeof p !== 'string'))) return { error: notType('payload', p, 'an object or a string') }
  return {
    value: {
      ref: b.ref, task: (task as { value: string }).value, autoMerge: (autoMerge as { value: boolean }).value,
      requiredContexts: (rc as string[] | undefined) ?? [], payload: payloadOf(p), environment: env,
      description: d === undefined ? '' : (d as string | null), transient: (transient as { value: boolean }).value, production: production.value
    }
  }
}

/** GitHub keeps the payload as JSON text and answers with it parsed when it is a JSON object. */
function payloadOf(p: unknown): unknown {
  if (p === undefined) return {}
  if (typeof p !== 'string') return p
  try {
    const v = JSON.parse(p)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : p
  } catch {
    return p
  }
}

export interface StatusRequest {
  state: string
  description: string
  environment?: string
  logUrl: string
  environmentUrl: string
  autoInactive: boolean
}

export function checkStatus(b: Record<string, unknown>, states: string[]): Check<StatusRequest> {
  if (b.state === undefined) return { error: missing('state') }
  if (typeof b.state !== 'string' || !states.includes(b.state)) {
    return { error: invalid(`For 'properties/state', ${inspect(b.state)} is not a member of ${JSON.stringify(states)}.`) }
  }
  const fields = ['target_url', 'log_url', 'description', 'environment', 'environment_url'].map(f => optional<string | undefined>(b, f, 'string', undefined))
  const autoInactive = optional(b, 'auto_inactive', 'boolean', true)
  for (const c of [...fields, autoInactive]) if ('error' in c) return c
  const [target, log, description, environment, environmentUrl] = fields.map(f => (f as { value: string | undefined }).value)
  return {
    value: {
      state: b.state, description: description ?? '', environment, logUrl: log ?? target ?? '',
      environmentUrl: environmentUrl ?? '', autoInactive: (autoInactive as { value: boolean }).value
    }
  }
}
