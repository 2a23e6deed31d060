import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { makeToken } from '../__fixtures__/gateway.js'

jest.unstable_mockModule('@actions/core', () => core)
const { ApiException } = await import('@kubernetes/client-node')
const { kubeError, kubeStatus } = await import('../src/kube/errors.js')
const { ActionError } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')

const SERVER = 'https://10.0.0.1:6443'
const TOKEN = makeToken('gw-eu', new Date(Date.UTC(2031, 0, 1)))
const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** What client-node throws for a non-2xx answer: the Status body as text, also inside its own message. */
function apiException(code: number, status: Record<string, unknown> | string | undefined): InstanceType<typeof ApiException> {
  const body = typeof status === 'string' || status === undefined ? status : JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, ...status })
  return new ApiException(code, 'Unsuccessful HTTP Request', body, { 'content-type': 'application/json' })
}

/** A 422 that echoes the Secret's data, as the API server does for an invalid Secret. */
function secretEcho(): InstanceType<typeof ApiException> {
  return apiException(422, {
    reason: 'Invalid',
    message: `Secret "apim-gateway-token" is invalid: [data[config.service.auth.key]: Invalid value: "${b64(TOKEN)}": a valid config key must consist of alphanumeric characters, data[value]: Invalid value: "${b64(`GatewayKey ${TOKEN}`)}", stringData: "${TOKEN}"]`,
    details: { name: 'apim-gateway-token', kind: 'Secret', causes: [{ field: 'data', message: b64(TOKEN) }] }
  })
}

beforeEach(() => core.resetCore())

describe('kubeStatus', () => {
  it('reads code, reason and message from the Status body', () => {
    const status = kubeStatus(apiException(403, { reason: 'Forbidden', message: 'secrets "apim-gateway-token" is forbidden: User "deployer" cannot patch resource "secrets"' }))
    expect(status).toEqual({ code: 403, reason: 'Forbidden', message: 'secrets "apim-gateway-token" is forbidden: User "deployer" cannot patch resource "secrets"' })
  })

  it('says "HTTP <code>" when the body is not a Status (401 has no body, a proxy answers HTML)', () => {
    expect(kubeStatus(apiException(401, undefined))).toEqual({ code: 401, reason: undefined, message: 'HTTP 401' })
    expect(kubeStatus(apiException(502, '<html>Bad Gateway</html>'))).toEqual({ code: 502, reason: undefined, message: 'HTTP 502' })
  })

  it('accepts a body that is already an object', () => {
    const error = new ApiException(404, 'Unsuccessful HTTP Request', { kind: 'Status', reason: 'NotFound', message: 'namespaces "apim" not found' }, {})
    expect(kubeStatus(error)).toEqual({ code: 404, reason: 'NotFound', message: 'namespaces "apim" not found' })
  })

  it('the raw ApiException message carries the Secret data (why only Status fields are used)', () => {
    expect(secretEcho().message).toContain(b64(TOKEN))
  })

  it('redacts a Status message echoing Secret data once the token is registered with the shared redactor', () => {
    redactor.add(TOKEN)
    const status = kubeStatus(secretEcho())
    expect(status.code).toBe(422)
    expect(status.reason).toBe('Invalid')
    expect(status.message).toMatch(/^Secret "apim-gateway-token" is invalid/)
    for (const form of [TOKEN, b64(TOKEN), b64(`GatewayKey ${TOKEN}`), TOKEN.split('&')[2]]) expect(status.message).not.toContain(form)
    const error = kubeError("Applying Secret 'apim-gateway-token' in namespace 'apim'", secretEcho(), SERVER)
    expect(error).toBeInstanceOf(ActionError)
    for (const form of [TOKEN, b64(TOKEN), b64(`GatewayKey ${TOKEN}`), TOKEN.split('&')[2]]) expect(error.message).not.toContain(form)
    expect(error.message).toContain('the API server answered 422 Invalid: Secret "apim-gateway-token" is invalid')
  })

  it('names the error code of a connection failure (fetch: code on the cause)', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }) })
    expect(kubeStatus(error)).toEqual({ message: 'ECONNREFUSED: fetch failed' })
  })

  it('does not repeat a code the message already has (node-fetch FetchError)', () => {
    const error = Object.assign(new Error(`request to ${SERVER}/api/v1/namespaces/apim/secrets failed, reason: connect ECONNREFUSED 10.0.0.1:6443`), { name: 'FetchError', code: 'ECONNREFUSED', errno: 'ECONNREFUSED' })
    expect(kubeStatus(error).message).toBe(`request to ${SERVER}/api/v1/namespaces/apim/secrets failed, reason: connect ECONNREFUSED 10.0.0.1:6443`)
  })
})

describe('kubeError', () => {
  it('a connection error names the server and says to check the kubeconfig', () => {
    const error = kubeError('Checking Kubernetes permissions (SelfSubjectAccessReview)', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), SERVER)
    expect(error.message).toBe(
      `Checking Kubernetes permissions (SelfSubjectAccessReview) failed: could not reach the API server at ${SERVER}: ECONNREFUSED: fetch failed\nFix: Check the kubeconfig (server address, certificate authority) and that the runner can reach the cluster.`
    )
  })

  it('a certificate error names the server too', () => {
    const error = kubeError('Watching the rollout', Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), SERVER)
    expect(error.message).toContain(`could not reach the API server at ${SERVER}: SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain`)
  })

  it.each([
    [401, 'Unauthorized', /Refresh the kubeconfig/],
    [403, 'Forbidden', /examples\/kubernetes-role\.yaml/],
    [422, 'Invalid', /The cluster refused the object/],
    [400, 'BadRequest', /The cluster refused the object/]
  ])('%i gives the fix that applies', (code, reason, fix) => {
    const error = kubeError('Applying Deployment', apiException(code, { reason, message: 'nope' }), SERVER)
    expect(error.message).toContain(`the API server answered ${code} ${reason}: nope`)
    expect(error.message).toMatch(fix)
    expect(error.message).not.toContain(SERVER)
  })

  it('gives no fix for other codes (409 conflict)', () => {
    const error = kubeError('Applying Deployment', apiException(409, { reason: 'Conflict', message: 'conflict' }), SERVER)
    expect(error.message).toBe('Applying Deployment failed: the API server answered 409 Conflict: conflict')
  })
})
