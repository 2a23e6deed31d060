import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { GITHUB_ISSUER, startEmulator, type Emulator } from './index.js'
import { form, http, runAzureClient, world, type HttpResult } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

async function idToken(job: { requestUrl: string; requestToken: string }, audience = 'api://AzureADTokenExchange'): Promise<string> {
  const r = await http(`${job.requestUrl}&audience=${encodeURIComponent(audience)}`, { ca: emu.caPem, headers: { authorization: `Bearer ${job.requestToken}` } })
  expect(r.status).toBe(200)
  return r.json.value
}

function tokenRequest(tenant: string, fields: Record<string, string | undefined>): Promise<HttpResult> {
  return http(`${emu.urls.entra}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST', ca: emu.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields)
  })
}

function clientCredentials(w: { clientId: string }, assertion: string | undefined, scope = `${emu.urls.arm}/.default`) {
  return { grant_type: 'client_credentials', client_id: w.clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope }
}

/** Entra's error JSON, field by field. */
function expectAadError(r: HttpResult, status: number, error: string, code: number): string {
  expect({ status: r.status, error: r.json?.error, codes: r.json?.error_codes }).toEqual({ status, error, codes: [code] })
  expect(Object.keys(r.json).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id'])
  const d: string = r.json.error_description
  expect(d.startsWith(`AADSTS${code}: `)).toBe(true)
  expect(d).toContain(` Trace ID: ${r.json.trace_id} Correlation ID: ${r.json.correlation_id} Timestamp: ${r.json.timestamp}`)
  expect(r.json.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/)
  expect(r.json.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`)
  return d
}

describe('Entra metadata', () => {
  test('tenant OpenID configuration points at the emulator, issuer on the same origin (MSAL validates it)', async () => {
    const w = await world(emu)
    const r = await http(`${emu.urls.entra}/${w.tenantId}/v2.0/.well-known/openid-configuration`, { ca: emu.caPem })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({
      issuer: `${emu.urls.entra}/${w.tenantId}/v2.0`,
      token_endpoint: `${emu.urls.entra}/${w.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${emu.urls.entra}/${w.tenantId}/oauth2/v2.0/authorize`,
      jwks_uri: `${emu.urls.entra}/${w.tenantId}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['private_key_jwt'])
    })
    const unknown = await http(`${emu.urls.entra}/${randomUUID()}/v2.0/.well-known/openid-configuration`, { ca: emu.caPem })
    expectAadError(unknown, 400, 'invalid_tenant', 90002)
  })

  test('instance discovery answers in MSAL\'s shape for this host and refuses other hosts', async () => {
    const host = new URL(emu.urls.entra).host
    const authz = `${emu.urls.entra}/contoso/oauth2/v2.0/authorize`
    const r = await http(`${emu.urls.entra}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authz)}`, { ca: emu.caPem })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      tenant_discovery_endpoint: `${emu.urls.entra}/contoso/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }]
    })
    const other = await http(`${emu.urls.entra}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent('https://elsewhere.example/x/oauth2/v2.0/authorize')}`, { ca: emu.caPem })
    expectAadError(other, 400, 'invalid_instance', 50049)
  })
})

describe('Entra token endpoint: client_credentials with a GitHub assertion', () => {
  test('success: v1 access token for the requested resource, verifiable with the published keys', async () => {
    const w = await world(emu)
    const r = await tokenRequest(w.tenantId, clientCredentials(w, await idToken(w.job)))
    expect(r.status).toBe(200)
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type'])
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 })
    const keys = await http(`${emu.urls.entra}/${w.tenantId}/discovery/v2.0/keys`, { ca: emu.caPem })
    const { payload } = await jwtVerify(r.json.access_token, createLocalJWKSet(keys.json), { issuer: `https://sts.windows.net/${w.tenantId}/`, audience: emu.urls.arm })
    expect(payload).toMatchObject({ tid: w.tenantId, oid: w.objectId, appid: w.clientId, sub: w.objectId, ver: '1.0', idtyp: 'app' })
    // `{endpoint}//.default` (endpoint with a trailing slash) asks for the resource with the slash.
    const slash = await tokenRequest(w.tenantId, clientCredentials(w, await idToken(w.job), `${emu.urls.arm}//.default`))
    expect(decodeJwt(slash.json.access_token).aud).toBe(`${emu.urls.arm}/`)
  })

  test('request errors: tenant, grant type, app, assertion presence and shape, scope, resource', async () => {
    const w = await world(emu)
    const good = await idToken(w.job)
    expectAadError(await tokenRequest(randomUUID(), clientCredentials(w, good)), 400, 'invalid_request', 90002)
    expectAadError(await tokenRequest(w.tenantId, { ...clientCredentials(w, good), grant_type: 'password' }), 400, 'unsupported_grant_type', 70003)
    const d = expectAadError(await tokenRequest(w.tenantId, { ...clientCredentials(w, good), client_id: 'b6a9e4a5-0000-4000-8000-000000000000' }), 400, 'unauthorized_client', 700016)
    expect(d).toContain("Application with identifier 'b6a9e4a5-0000-4000-8000-000000000000' was not found in the directory")
    expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, undefined)), 401, 'invalid_client', 7000218)
    expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, 'not-a-jwt')), 400, 'invalid_request', 50027)
    expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, good, `${emu.urls.arm}/user_impersonation`)), 400, 'invalid_scope', 1002012)
    const res = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, good, 'https://vault.azure.net/.default')), 400, 'invalid_resource', 500011)
    expect(res).toContain('The resource principal named https://vault.azure.net was not found')
  })

  test('assertion signature not verifiable against GitHub\'s keys → AADSTS700027', async () => {
    const w = await world(emu)
    const [h, p, s] = (await idToken(w.job)).split('.')
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'repo:evil/repo:ref:refs/heads/main' })).toString('base64url')}.${s}`
    const d = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, forged)), 401, 'invalid_client', 700027)
    expect(d).toContain('Client assertion failed signature validation.')
    const unknownKid = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'ABC' })).toString('base64url')}.${p}.${s}`
    expect(expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, unknownKid)), 401, 'invalid_client', 700027)).toContain('The key was not found.')
  })

  test('assertion outside its valid time (beyond Entra\'s 5-minute skew) → AADSTS700024', async () => {
    const w = await world(emu)
    const expiredJob = await emu.client.createJob({ subject: w.subject, lifetimeSeconds: -301 })
    const d = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(expiredJob))), 401, 'invalid_client', 700024)
    expect(d).toMatch(/Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from \d{4}-.+Z, expiry time of assertion \d{4}-.+Z\./)
    const future = Math.floor(Date.now() / 1000) + 3600
    const earlyJob = await emu.client.createJob({ subject: w.subject, claims: { nbf: future, iat: future, exp: future + 300 } })
    expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(earlyJob))), 401, 'invalid_client', 700024)
    // Within the skew it is still accepted.
    const justExpired = await emu.client.createJob({ subject: w.subject, lifetimeSeconds: -60 })
    expect((await tokenRequest(w.tenantId, clientCredentials(w, await idToken(justExpired)))).status).toBe(200)
  })

  test('federated credential matching: issuer, audience, subject, case-only difference, none configured', async () => {
    const w = await world(emu)
    const wrongAud = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(w.job, 'api://SomethingElse'))), 401, 'invalid_client', 700212)
    expect(wrongAud).toContain("No matching federated identity record found for presented assertion audience 'api://SomethingElse'.")

    const otherSubject = await emu.client.createJob({ subject: `${w.subject.replace(/:ref:.*/, '')}:environment:prod` })
    const sub = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(otherSubject))), 401, 'invalid_client', 700213)
    expect(sub).toContain(`No matching federated identity record found for presented assertion subject '${w.subject.replace(/:ref:.*/, '')}:environment:prod'.`)

    const upper = await emu.client.createJob({ subject: w.subject.replace('octo-org', 'Octo-Org') })
    const ci = expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(upper))), 401, 'invalid_client', 7002138)
    expect(ci).toContain('The subject matches with case-insensitive comparison, but not with case-sensitive comparison.')

    const otherIssuer = await emu.client.createJob({ subject: w.subject, claims: { iss: 'https://token.actions.githubusercontent.com/octo-org' } })
    expectAadError(await tokenRequest(w.tenantId, clientCredentials(w, await idToken(otherIssuer))), 401, 'invalid_client', 700211)

    const bare = { tenantId: w.tenantId, clientId: randomUUID() }
    await emu.client.addApp({ ...bare, federatedCredentials: [] })
    const none = expectAadError(await tokenRequest(w.tenantId, clientCredentials(bare, await idToken(w.job))), 401, 'invalid_client', 70021)
    expect(none).toContain(`Assertion Issuer: '${GITHUB_ISSUER}'. Assertion Subject: '${w.subject}'. Assertion Audience: 'api://AzureADTokenExchange'.`)
  })
})

describe('Entra with the real ClientAssertionCredential (child process, NODE_EXTRA_CA_CERTS)', () => {
  test('authorityHost = emulator + disableInstanceDiscovery: token for {armEndpoint}/.default', async () => {
    const w = await world(emu)
    const { results } = await runAzureClient(emu, w.plan([{ op: 'getToken', args: { scope: `${emu.urls.arm}/.default` } }]), w.job)
    expect(results[0]).toMatchObject({ ok: true, value: { claims: { aud: emu.urls.arm, tid: w.tenantId, oid: w.objectId, appid: w.clientId } } })
    const calls = await emu.client.calls({ tenantId: w.tenantId })
    expect(calls.map(c => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `GET /${w.tenantId}/v2.0/.well-known/openid-configuration 200`,
      `POST /${w.tenantId}/oauth2/v2.0/token 200`
    ])
  })

  test('Entra refusals reach the SDK caller with the AADSTS code and text', async () => {
    const w = await world(emu, { ficSubject: 'repo:octo-org/other:ref:refs/heads/main' })
    const { results } = await runAzureClient(emu, w.plan([{ op: 'getToken', args: { scope: `${emu.urls.arm}/.default` } }]), w.job)
    expect(results[0].ok).toBe(false)
    expect(results[0].error!.message).toContain(`AADSTS700213: No matching federated identity record found for presented assertion subject '${w.subject}'`)
  })

  test('a short-lived access token makes the credential ask again, with a fresh ID token each time', async () => {
    const w = await world(emu)
    await emu.client.addApp({ tenantId: w.tenantId, clientId: w.clientId, objectId: w.objectId, accessTokenLifetimeSeconds: 60,
      federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: w.subject, audiences: ['api://AzureADTokenExchange'] }] })
    const step = { op: 'getToken', args: { scope: `${emu.urls.arm}/.default` } }
    const { results } = await runAzureClient(emu, w.plan([step, step]), w.job)
    expect(results.map(r => r.ok)).toEqual([true, true])
    expect(results[0].value.claims.uti).not.toBe(results[1].value.claims.uti)
    const tokenCalls = (await emu.client.calls({ tenantId: w.tenantId })).filter(c => c.path.endsWith('/token'))
    expect(tokenCalls).toHaveLength(2)
    const stats = await emu.client.jobStats(w.job.jobId)
    expect(stats.idTokenRequests).toBeGreaterThanOrEqual(2)
  })

  test('without disableInstanceDiscovery MSAL asks login.microsoftonline.com and fails (so the action must pass it)', async () => {
    const w = await world(emu)
    // A dead proxy keeps the test on loopback: the discovery call to Microsoft fails at once.
    const dead = createServer()
    await new Promise<void>(r => dead.listen(0, '127.0.0.1', r))
    const port = (dead.address() as { port: number }).port
    await new Promise<void>(r => dead.close(() => r()))
    const { results } = await runAzureClient(emu, w.plan([{ op: 'getToken', args: { scope: `${emu.urls.arm}/.default` } }], { disableInstanceDiscovery: undefined, retryOptions: { maxRetries: 0 } }), w.job,
      { HTTPS_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '127.0.0.1' })
    expect(results[0].ok).toBe(false)
    expect(results[0].error!.message).toMatch(/endpoints_resolution_error/)
    expect(await emu.client.calls({ tenantId: w.tenantId, pathIncludes: '/token' })).toEqual([])
  })
})
