import { ApiException } from '@kubernetes/client-node'
import { ActionError, firstLine } from '../errors.js'
import { redactor } from '../redact.js'

export interface KubeStatus {
  code?: number
  reason?: string
  message: string
}

/**
 * Reads code, reason and message out of a failed Kubernetes call. An ApiException's own message
 * holds the whole response body, which can echo Secret data: only these fields are used, redacted.
 */
export function kubeStatus(error: unknown): KubeStatus {
  if (error instanceof ApiException) {
    const body = parseBody(error.body)
    return {
      code: error.code,
      reason: typeof body?.reason === 'string' ? body.reason : undefined,
      message: redactor.redact(typeof body?.message === 'string' ? body.message : `HTTP ${error.code}`)
    }
  }
  // fetch wraps the socket error (ECONNREFUSED, certificate errors) a level or two down.
  let code: string | undefined
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') code = e.code
  }
  const text = error instanceof Error ? firstLine(error.message) : String(error)
  return { message: redactor.redact(code && !text.includes(code) ? `${code}: ${text}` : text) }
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (body && typeof body === 'object') return body as Record<string, unknown>
  if (typeof body !== 'string') return undefined
  try {
    return JSON.parse(body) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** An ActionError for a failed call, with the step that failed and a fix for the common causes. */
export function kubeError(what: string, error: unknown, server: string): ActionError {
  const status = kubeStatus(error)
  const said = status.code ? `the API server answered ${status.code}${status.reason ? ` ${status.reason}` : ''}: ${status.message}` : `could not reach the API server at ${server}: ${status.message}`
  let fix = ''
  if (!status.code) fix = 'Check the kubeconfig (server address, certificate authority) and that the runner can reach the cluster.'
  else if (status.code === 401) fix = "The cluster did not accept the kubeconfig's credentials (expired token or certificate). Refresh the kubeconfig, e.g. re-run azure/aks-set-context."
  else if (status.code === 403) fix = 'Grant the Kubernetes identity the Role in examples/kubernetes-role.yaml (README: "Kubernetes permissions").'
  else if (status.code === 422 || status.code === 400) fix = 'The cluster refused the object; check the inputs named in the message.'
  return new ActionError(`${what} failed: ${said}${fix ? `\nFix: ${fix}` : ''}`)
}
