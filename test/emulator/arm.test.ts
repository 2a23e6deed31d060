import { randomUUID } from 'node:crypto'
import { GATEWAY_API_VERSIONS, startEmulator, type Emulator } from './index.js'
import { http, inDays, world, type HttpResult } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

type World = Awaited<ReturnType<typeof world>>

async function tokenFor(w: World, o: { resource?: string; expiresInSeconds?: number; tenantId?: string } = {}) {
  return emu.client.issueAccessToken({ tenantId: o.tenantId ?? w.tenantId, clientId: w.clientId, resource: o.resource ?? emu.urls.arm, expiresInSeconds: o.expiresInSeconds })
}

async function arm(w: World, method: string, suffix: string, o: { token?: string | null; body?: object | string; apiVersion?: string | null; headers?: Record<string, string>; base?: string } = {}): Promise<HttpResult> {
  const token = o.token === undefined ? await tokenFor(w) : o.token
  const headers: Record<string, string> = { ...o.headers }
  if (token !== null) headers.authorization = `Bearer ${token}`
  const q = o.apiVersion === null ? '' : `?api-version=${o.apiVersion ?? '2024-05-01'}`
  return http(`${o.base ?? w.base}${suffix}${q}`, { method, ca: emu.caPem, headers, body: o.body })
}

const gw = (w: World, rest = '') => `/gateways/${w.gatewayName}${rest}`

function expectArmError(r: HttpResult, status: number, code: string): string {
  expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code })
  expect(Object.keys(r.json)).toEqual(['error'])
  expect(typeof r.json.error.message).toBe('string')
  return r.json.error.message
}

describe('ARM authentication', () => {
  test('missing, malformed, forged, expired, wrong-audience and wrong-tenant tokens are refused as ARM does', async () => {
    const w = await world(emu)
    const missing = await arm(w, 'GET', gw(w), { token: null })
    expect(expectArmError(missing, 401, 'AuthenticationFailed')).toBe("Authentication failed. The 'Authorization' header is missing.")
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\/", error="invalid_token"/)
    expectArmError(await arm(w, 'GET', gw(w), { token: null, headers: { authorization: 'Basic abc' } }), 401, 'AuthenticationFailed')
    expect(expectArmError(await arm(w, 'GET', gw(w), { token: 'garbage' }), 401, 'InvalidAuthenticationToken')).toBe('The access token is invalid.')
    // A GitHub ID token is a well-formed JWT, but not signed by Entra.
    const idt = await http(`${w.job.requestUrl}&audience=${encodeURIComponent(emu.urls.arm)}`, { ca: emu.caPem, headers: { authorization: `Bearer ${w.job.requestToken}` } })
    expectArmError(await arm(w, 'GET', gw(w), { token: idt.json.value }), 401, 'InvalidAuthenticationToken')

    const expired = expectArmError(await arm(w, 'GET', gw(w), { token: await tokenFor(w, { expiresInSeconds: -600 }) }), 401, 'ExpiredAuthenticationToken')
    expect(expired).toMatch(/^The access token expiry UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d:\d\d [AP]M' is earlier than current UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d:\d\d [AP]M'\.$/)
    // ARM tolerates five minutes of clock skew.
    expect((await arm(w, 'GET', gw(w), { token: await tokenFor(w, { expiresInSeconds: -60 }) })).status).toBe(200)

    const aud = expectArmError(await arm(w, 'GET', gw(w), { token: await tokenFor(w, { resource: 'https://management.azure.com' }) }), 401, 'InvalidAuthenticationTokenAudience')
    expect(aud).toBe(`The access token has been obtained for wrong audience or resource 'https://management.azure.com'. It should exactly match with one of the allowed audiences '${emu.urls.arm}/','${emu.urls.arm}'.`)
    expect((await arm(w, 'GET', gw(w), { token: await tokenFor(w, { resource: `${emu.urls.arm}/` }) })).status).toBe(200)

    const tenant = expectArmError(await arm(w, 'GET', gw(w), { token: await tokenFor(w, { tenantId: randomUUID() }) }), 401, 'InvalidAuthenticationTokenTenant')
    expect(tenant).toContain(`It must match the tenant 'https://sts.windows.net/${w.tenantId}/' associated with this subscription.`)
  })
})

describe('ARM request validation and 404s', () => {
  test('api-version is required and must be one the gateway API has', async () => {
    const w = await world(emu)
    expect(expectArmError(await arm(w, 'GET', gw(w), { apiVersion: null }), 400, 'MissingApiVersionParameter')).toBe('The api-version query parameter (?api-version=) is required for all requests.')
    const bad = expectArmError(await arm(w, 'GET', gw(w), { apiVersion: '2099-01-01' }), 400, 'NoRegisteredProviderFound')
    expect(bad).toMatch(/^No registered resource provider found for location 'westeurope' and API version '2099-01-01' for type 'service'\. The supported api-versions are '.*2024-05-01, 2024-06-01-preview'\./)
    for (const v of ['2021-08-01', '2022-08-01', '2023-09-01-preview', '2024-05-01', '2024-06-01-preview']) expect(GATEWAY_API_VERSIONS).toContain(v)
    for (const v of GATEWAY_API_VERSIONS) expect((await arm(w, 'GET', gw(w), { apiVersion: v })).status).toBe(200)
  })

  test('unknown subscription, resource group, service (ARM bodies) and gateway (API Management body)', async () => {
    const w = await world(emu)
    // The world's role is on its resource group; a missing group needs a subscription-wide role to be seen as 404.
    await emu.client.grant({ objectId: w.objectId, scope: `/subscriptions/${w.subscriptionId}`, actions: 'Microsoft.ApiManagement/*' })
    const otherSub = w.base.replace(w.subscriptionId, randomUUID())
    expectArmError(await arm(w, 'GET', gw(w), { base: otherSub }), 404, 'SubscriptionNotFound')
    expect(expectArmError(await arm(w, 'GET', gw(w), { base: w.base.replace(w.resourceGroup, 'rg-missing') }), 404, 'ResourceGroupNotFound')).toBe("Resource group 'rg-missing' could not be found.")
    expect(expectArmError(await arm(w, 'GET', gw(w), { base: w.base.replace(w.serviceName, 'apim-missing') }), 404, 'ResourceNotFound'))
      .toBe(`The Resource 'Microsoft.ApiManagement/service/apim-missing' under resource group '${w.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`)
    const g = await arm(w, 'POST', '/gateways/gw-missing/generateToken', { body: { keyType: 'primary', expiry: inDays(1) } })
    expect(g.status).toBe(404)
    expect(g.json).toEqual({ error: { code: 'ResourceNotFound', message: 'Gateway not found.', details: null } })
  })
})

describe('ARM authorization', () => {
  test('403 AuthorizationFailed names client, object id, action and scope; least privilege works', async () => {
    const w = await world(emu, { grant: ['Microsoft.ApiManagement/service/gateways/read', 'Microsoft.ApiManagement/service/gateways/generateToken/action'] })
    expect((await arm(w, 'GET', gw(w))).status).toBe(200)
    expect((await arm(w, 'POST', gw(w, '/generateToken'), { body: { keyType: 'primary', expiry: inDays(29) } })).status).toBe(200)
    const denied = expectArmError(await arm(w, 'POST', gw(w, '/regenerateKey'), { body: { keyType: 'primary' } }), 403, 'AuthorizationFailed')
    const scope = `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.ApiManagement/service/${w.serviceName}/gateways/${w.gatewayName}`
    expect(denied).toBe(`The client '${w.clientId}' with object id '${w.objectId}' does not have authorization to perform action 'Microsoft.ApiManagement/service/gateways/regenerateKey/action' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`)
    expect((await emu.client.gatewayState(w.ref)).regenerations).toEqual({ primary: 0, secondary: 0 })

    // Authorization comes before existence: no permission on a missing resource group is still 403.
    const none = await world(emu, { grant: false })
    expectArmError(await arm(none, 'GET', gw(none), { base: none.base.replace(none.resourceGroup, 'rg-missing') }), 403, 'AuthorizationFailed')
    // Wildcards and scope prefixes, case-insensitively, as Azure RBAC.
    await emu.client.grant({ objectId: none.objectId, scope: `/SUBSCRIPTIONS/${none.subscriptionId.toUpperCase()}`, actions: '*/read' })
    expect((await arm(none, 'GET', gw(none))).status).toBe(200)
    expectArmError(await arm(none, 'PUT', gw(none), { body: { properties: { locationData: { name: 'x' } } } }), 403, 'AuthorizationFailed')
    // A grant on a sibling resource group does not leak.
    await emu.client.grant({ objectId: none.objectId, scope: `/subscriptions/${none.subscriptionId}/resourceGroups/${none.resourceGroup}-other`, actions: '*' })
    expectArmError(await arm(none, 'PUT', gw(none), { body: { properties: { locationData: { name: 'x' } } } }), 403, 'AuthorizationFailed')
  })
})

describe('gateway operations', () => {
  test('GET with ETag, PUT 201/200, If-Match, HEAD, list, DELETE 200/204', async () => {
    const w = await world(emu)
    const get = await arm(w, 'GET', gw(w))
    expect(get.status).toBe(200)
    expect(get.json).toEqual({
      id: `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.ApiManagement/service/${w.serviceName}/gateways/${w.gatewayName}`,
      type: 'Microsoft.ApiManagement/service/gateways', name: w.gatewayName, properties: { locationData: { name: 'emulator' } }
    })
    expect(get.headers.etag).toMatch(/^"[A-Za-z0-9+/]+=*"$/)
    expect(get.headers['x-ms-request-id']).toBeDefined()

    const body = { properties: { locationData: { name: 'edge', city: 'Oslo' }, description: 'k8s' } }
    const created = await arm(w, 'PUT', '/gateways/gw-new', { body })
    expect(created.status).toBe(201)
    expect(created.json.properties).toEqual(body.properties)
    const updated = await arm(w, 'PUT', '/gateways/gw-new', { body: { properties: { locationData: { name: 'edge2' } } }, headers: { 'if-match': created.headers.etag as string } })
    expect(updated.status).toBe(200)
    expect(updated.headers.etag).not.toBe(created.headers.etag)
    expect(expectArmError(await arm(w, 'PUT', '/gateways/gw-new', { body, headers: { 'if-match': created.headers.etag as string } }), 412, 'PreconditionFailed')).toMatch(/version/)
    expectArmError(await arm(w, 'PUT', '/gateways/managed', { body }), 400, 'ValidationError')
    expectArmError(await arm(w, 'PUT', '/gateways/gw-bad', { body: { properties: { locationData: {} } } }), 400, 'ValidationError')

    const head = await arm(w, 'HEAD', '/gateways/gw-new')
    expect(head.status).toBe(200)
    expect(head.headers.etag).toBe(updated.headers.etag)

    const list = await arm(w, 'GET', '/gateways')
    expect(list.json.value.map((g: { name: string }) => g.name).sort()).toEqual([w.gatewayName, 'gw-new'].sort())
    expect(list.json.count).toBe(2)

    expectArmError(await arm(w, 'DELETE', '/gateways/gw-new'), 400, 'ValidationError')
    expectArmError(await arm(w, 'DELETE', '/gateways/gw-new', { headers: { 'if-match': created.headers.etag as string } }), 412, 'PreconditionFailed')
    expect((await arm(w, 'DELETE', '/gateways/gw-new', { headers: { 'if-match': '*' } })).status).toBe(200)
    expect((await arm(w, 'GET', '/gateways/gw-new')).status).toBe(404)
    expect((await arm(w, 'DELETE', '/gateways/gw-new', { headers: { 'if-match': '*' } })).status).toBe(204)
    expect(await emu.client.gatewayState({ ...w.ref, gatewayName: 'gw-new' })).toEqual({ exists: false })
  })

  test('generateToken: both fields required, expiry in the future and at most 30 days ahead', async () => {
    const w = await world(emu)
    const gen = (body: object) => arm(w, 'POST', gw(w, '/generateToken'), { body })
    const detail = (r: HttpResult) => {
      expect(r.status).toBe(400)
      expect(r.json.error.code).toBe('ValidationError')
      expect(r.json.error.message).toBe('One or more fields contain incorrect values:')
      expect(r.json.error.details).toHaveLength(1)
      return r.json.error.details[0].target
    }
    expect(detail(await gen({ expiry: inDays(1) }))).toBe('keyType')
    expect(detail(await gen({ keyType: 'tertiary', expiry: inDays(1) }))).toBe('keyType')
    expect(detail(await gen({ keyType: 'primary' }))).toBe('expiry')
    expect(detail(await gen({ keyType: 'primary', expiry: 'soon' }))).toBe('expiry')
    expect(detail(await gen({ keyType: 'primary', expiry: inDays(-1 / 24) }))).toBe('expiry')
    expect(detail(await gen({ keyType: 'primary', expiry: inDays(30.01) }))).toBe('expiry')
    expect((await emu.client.gatewayState(w.ref)).tokensIssued).toEqual({ primary: 0, secondary: 0 })

    const expiry = inDays(30 - 1 / 1440)
    const ok = await gen({ keyType: 'secondary', expiry })
    expect(ok.status).toBe(200)
    expect(Object.keys(ok.json)).toEqual(['value'])
    const [name, exp, sig] = ok.json.value.split('&')
    expect(name).toBe(w.gatewayName)
    expect(exp).toBe(expiry.replace(/[-T:]/g, '').slice(0, 12))
    expect(Buffer.from(sig, 'base64')).toHaveLength(64)
    expect(await emu.client.checkToken({ ...w.ref, token: ok.json.value })).toMatchObject({ valid: true, keyType: 'secondary', gateway: w.gatewayName })
    expect((await emu.client.gatewayState(w.ref)).tokensIssued).toEqual({ primary: 0, secondary: 1 })
  })

  test('regenerateKey (204) invalidates exactly the tokens minted from that key; listKeys shows the new key', async () => {
    const w = await world(emu)
    const mint = async (keyType: string) => (await arm(w, 'POST', gw(w, '/generateToken'), { body: { keyType, expiry: inDays(7) } })).json.value as string
    const p1 = await mint('primary')
    const p2 = await mint('primary')
    const s1 = await mint('secondary')
    const keysBefore = (await arm(w, 'POST', gw(w, '/listKeys'))).json
    expect(Object.keys(keysBefore).sort()).toEqual(['primary', 'secondary'])
    expect(Buffer.from(keysBefore.primary, 'base64')).toHaveLength(64)

    const regen = await arm(w, 'POST', gw(w, '/regenerateKey'), { body: { keyType: 'primary' } })
    expect(regen.status).toBe(204)
    expect(regen.text).toBe('')
    expectArmError(await arm(w, 'POST', gw(w, '/regenerateKey'), { body: { keyType: 'both' } }), 400, 'ValidationError')

    const check = (token: string) => emu.client.checkToken({ ...w.ref, token })
    expect(await check(p1)).toMatchObject({ valid: false, reason: expect.stringMatching(/signature is not valid/) })
    expect((await check(p2)).valid).toBe(false)
    expect(await check(s1)).toMatchObject({ valid: true, keyType: 'secondary' })
    const p3 = await mint('primary')
    expect(await check(p3)).toMatchObject({ valid: true, keyType: 'primary' })

    const keysAfter = (await arm(w, 'POST', gw(w, '/listKeys'))).json
    expect(keysAfter.primary).not.toBe(keysBefore.primary)
    expect(keysAfter.secondary).toBe(keysBefore.secondary)
    expect(await emu.client.gatewayState(w.ref)).toMatchObject({ exists: true, keyVersions: { primary: 2, secondary: 1 }, regenerations: { primary: 1, secondary: 0 } })
  })
})

describe('call log', () => {
  test('per subscription: method, path and status only; an untouched subscription has none', async () => {
    const w = await world(emu)
    const quiet = await world(emu)
    await arm(w, 'POST', gw(w, '/generateToken'), { body: { keyType: 'primary', expiry: inDays(1) } })
    await arm(w, 'GET', '/gateways/nope')
    const calls = await emu.client.calls({ subscriptionId: w.subscriptionId })
    expect(calls.map(c => [c.listener, c.method, c.path, c.status])).toEqual([
      ['arm', 'POST', `${w.base.slice(emu.urls.arm.length)}/gateways/${w.gatewayName}/generateToken`, 200],
      ['arm', 'GET', `${w.base.slice(emu.urls.arm.length)}/gateways/nope`, 404]
    ])
    for (const c of calls) expect(Object.keys(c).sort()).toEqual(['durationMs', 'listener', 'method', 'path', 'seq', 'status', 'time'])
    expect(await emu.client.calls({ subscriptionId: quiet.subscriptionId })).toEqual([])
  })
})
