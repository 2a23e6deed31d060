/**
 * APIs and gateway–API associations over raw HTTPS: paths, status codes, bodies and error shapes
 * of the 2024-05-01 spec (Api_*, GatewayApi_*), RBAC actions, and associations dying with their gateway.
 */
import { startEmulator, type Emulator } from './index.js'
import { http, world, type HttpResult } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

type World = Awaited<ReturnType<typeof world>>

const ALL = ['Microsoft.ApiManagement/service/gateways/*', 'Microsoft.ApiManagement/service/apis/read']

async function arm(w: World, method: string, suffix: string, o: { body?: object | string; headers?: Record<string, string>; query?: string } = {}): Promise<HttpResult> {
  const token = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })
  return http(`${w.base}${suffix}?api-version=2024-05-01${o.query ?? ''}`, { method, ca: emu.caPem, headers: { authorization: `Bearer ${token}`, ...o.headers }, body: o.body })
}

async function withApis(w: World, ids: string[]) {
  for (const apiId of ids) {
    await emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, apiId, displayName: `${apiId} API`, serviceUrl: `https://backend.example/${apiId}` })
  }
}

const NOT_FOUND_API = { error: { code: 'ResourceNotFound', message: 'Api not found.', details: null } }
const NOT_FOUND_GATEWAY = { error: { code: 'ResourceNotFound', message: 'Gateway not found.', details: null } }
const assoc = (w: World, apiId: string, gw = w.gatewayName) => `/gateways/${gw}/apis/${apiId}`

describe('APIs of a service', () => {
  test('list (ApiCollection, paged by $top with an absolute nextLink), get with ETag, 404 with API Management\'s body', async () => {
    const w = await world(emu, { grant: ALL })
    await withApis(w, ['orders', 'echo-api', 'billing'])

    const all = await arm(w, 'GET', '/apis')
    expect(all.status).toBe(200)
    expect(Object.keys(all.json).sort()).toEqual(['count', 'value'])
    expect(all.json.count).toBe(3)
    expect(all.json.value.map((a: { name: string }) => a.name)).toEqual(['billing', 'echo-api', 'orders'])
    expect(all.json.value[1]).toEqual({
      id: `${w.base.slice(emu.urls.arm.length)}/apis/echo-api`, type: 'Microsoft.ApiManagement/service/apis', name: 'echo-api',
      properties: {
        displayName: 'echo-api API', apiRevision: '1', subscriptionRequired: true, serviceUrl: 'https://backend.example/echo-api',
        path: 'echo-api', protocols: ['https'], subscriptionKeyParameterNames: { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' }, isCurrent: true
      }
    })

    const first = await arm(w, 'GET', '/apis', { query: '&$top=2' })
    expect(first.json.value.map((a: { name: string }) => a.name)).toEqual(['billing', 'echo-api'])
    const next = new URL(first.json.nextLink)
    expect(next.origin).toBe(emu.urls.arm)
    expect(Object.fromEntries(next.searchParams)).toEqual({ 'api-version': '2024-05-01', $top: '2', $skip: '2' })
    const token = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })
    const second = await http(first.json.nextLink, { ca: emu.caPem, headers: { authorization: `Bearer ${token}` } })
    expect(second.json.value.map((a: { name: string }) => a.name)).toEqual(['orders'])
    expect(second.json.nextLink).toBeUndefined()

    const got = await arm(w, 'GET', '/apis/ECHO-API')
    expect(got.status).toBe(200)
    expect(got.json.name).toBe('echo-api')
    expect(got.headers.etag).toMatch(/^"[A-Za-z0-9+/]+=*"$/)
    expect((await arm(w, 'HEAD', '/apis/echo-api')).headers.etag).toBe(got.headers.etag)

    const missing = await arm(w, 'GET', '/apis/nope')
    expect({ status: missing.status, body: missing.json }).toEqual({ status: 404, body: NOT_FOUND_API })
    expect((await arm(w, 'HEAD', '/apis/nope')).status).toBe(404)
    expect((await arm(w, 'GET', '/apis', { query: `&$filter=${encodeURIComponent("name eq 'orders'")}` })).json.error).toMatchObject({ code: 'ValidationError', details: [{ target: '$filter' }] })
    expect((await arm(w, 'GET', '/apis', { query: '&$top=0' })).json.error.details[0].target).toBe('$top')
    expect((await arm(w, 'PUT', '/apis/new', { body: {} })).status).toBe(405)
  })

  test('addApi validates what the admin is asked', async () => {
    const w = await world(emu)
    await withApis(w, ['a1'])
    await expect(emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: 'apim-nope', apiId: 'x' })).rejects.toThrow(/service 'apim-nope' not found/)
    await expect(emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, apiId: 'a2', path: 'A1' })).rejects.toThrow(/path 'A1' is already used by API 'a1'/)
    await expect(emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, apiId: 'x'.repeat(81) })).rejects.toThrow(/1-80/)
    await expect(emu.client.gatewayApis({ ...w.ref, serviceName: 'apim-nope' })).rejects.toThrow(/not found/)
  })
})

describe('gateway–API associations', () => {
  test('PUT 201 then 200 with the ApiContract, HEAD with ETag, list, DELETE 200 then 204; no GET on one association', async () => {
    const w = await world(emu, { grant: ALL })
    await withApis(w, ['echo-api', 'orders'])
    const created = await arm(w, 'PUT', assoc(w, 'echo-api'), { body: { properties: { provisioningState: 'created' } } })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      id: `${w.base.slice(emu.urls.arm.length)}/gateways/${w.gatewayName}/apis/echo-api`,
      type: 'Microsoft.ApiManagement/service/gateways/apis', name: 'echo-api',
      properties: { displayName: 'echo-api API', path: 'echo-api', isCurrent: true }
    })
    expect((await arm(w, 'PUT', assoc(w, 'echo-api'), { body: { properties: { provisioningState: 'created' } } })).status).toBe(200)
    // The body is optional in the spec.
    expect((await arm(w, 'PUT', assoc(w, 'ORDERS'))).status).toBe(201)
    expect(await emu.client.gatewayApis(w.ref)).toEqual(['echo-api', 'orders'])
    expect((await emu.client.gatewayState(w.ref)).apis).toEqual(['echo-api', 'orders'])

    const head = await arm(w, 'HEAD', assoc(w, 'echo-api'))
    expect(head.status).toBe(200)
    expect(head.headers.etag).toMatch(/^"/)
    expect(head.text).toBe('')
    const list = await arm(w, 'GET', `/gateways/${w.gatewayName}/apis`)
    expect(list.json.count).toBe(2)
    expect(list.json.value.map((a: { id: string }) => a.id.split('/').slice(-4).join('/'))).toEqual([`gateways/${w.gatewayName}/apis/echo-api`, `gateways/${w.gatewayName}/apis/orders`])
    expect((await arm(w, 'GET', `/gateways/${w.gatewayName}/apis`, { query: '&$top=1' })).json.nextLink).toContain('%24skip=1')
    expect((await arm(w, 'GET', assoc(w, 'echo-api'))).json.error.code).toBe('MethodNotAllowed')

    const del = await arm(w, 'DELETE', assoc(w, 'echo-api'))
    expect(del.status).toBe(200)
    expect(del.text).toBe('')
    expect((await arm(w, 'DELETE', assoc(w, 'echo-api'))).status).toBe(204)
    expect((await arm(w, 'DELETE', assoc(w, 'never-existed'))).status).toBe(204)
    expect((await arm(w, 'HEAD', assoc(w, 'echo-api'))).status).toBe(404)
    expect(await emu.client.gatewayApis(w.ref)).toEqual(['orders'])
  })

  test('unknown API or gateway: 404 with API Management\'s body; bad bodies: 400', async () => {
    const w = await world(emu, { grant: ALL })
    await withApis(w, ['echo-api'])
    const r = (res: HttpResult) => ({ status: res.status, body: res.json })
    expect(r(await arm(w, 'PUT', assoc(w, 'nope'), { body: { properties: { provisioningState: 'created' } } }))).toEqual({ status: 404, body: NOT_FOUND_API })
    expect(r(await arm(w, 'PUT', assoc(w, 'echo-api', 'gw-nope')))).toEqual({ status: 404, body: NOT_FOUND_GATEWAY })
    expect(r(await arm(w, 'GET', '/gateways/gw-nope/apis'))).toEqual({ status: 404, body: NOT_FOUND_GATEWAY })
    expect(r(await arm(w, 'DELETE', assoc(w, 'echo-api', 'gw-nope')))).toEqual({ status: 404, body: NOT_FOUND_GATEWAY })
    expect((await arm(w, 'HEAD', assoc(w, 'echo-api', 'gw-nope'))).status).toBe(404)

    const bad = await arm(w, 'PUT', assoc(w, 'echo-api'), { body: { properties: { provisioningState: 'deleted' } } })
    expect(bad.json.error).toMatchObject({ code: 'ValidationError', details: [{ code: 'ValidationError', target: 'provisioningState' }] })
    const notJson = await arm(w, 'PUT', assoc(w, 'echo-api'), { body: '{oops', headers: { 'content-type': 'application/json' } })
    expect(notJson.json.error.code).toBe('InvalidRequestContent')
    expect(await emu.client.gatewayApis(w.ref)).toEqual([])
  })

  test('deleting a gateway drops its associations; a gateway recreated under that name starts with none', async () => {
    const w = await world(emu, { grant: ALL })
    await withApis(w, ['echo-api'])
    const body = { properties: { locationData: { name: 'pr-7' }, description: 'preview of octo/app#7' } }
    expect((await arm(w, 'PUT', '/gateways/pr-7', { body })).status).toBe(201)
    expect((await arm(w, 'PUT', assoc(w, 'echo-api', 'pr-7'))).status).toBe(201)
    expect(await emu.client.gatewayApis({ ...w.ref, gatewayName: 'pr-7' })).toEqual(['echo-api'])
    expect((await arm(w, 'DELETE', '/gateways/pr-7', { headers: { 'if-match': '*' } })).status).toBe(200)
    expect(await emu.client.gatewayApis({ ...w.ref, gatewayName: 'pr-7' })).toEqual([])
    expect((await arm(w, 'PUT', '/gateways/pr-7', { body })).status).toBe(201)
    expect((await arm(w, 'GET', '/gateways/pr-7/apis')).json).toEqual({ value: [], count: 0 })
    // The service's API itself is untouched.
    expect((await arm(w, 'GET', '/apis/echo-api')).status).toBe(200)
  })

  test('RBAC: each operation needs its own action, over the association\'s scope', async () => {
    const w = await world(emu, { grant: ['Microsoft.ApiManagement/service/gateways/read'] })
    await withApis(w, ['echo-api'])
    const scope = `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.ApiManagement/service/${w.serviceName}`
    const denied = (res: HttpResult) => {
      expect(res.status).toBe(403)
      return /perform action '([^']+)' over scope '([^']+)'/.exec(res.json.error.message)!.slice(1)
    }
    expect(denied(await arm(w, 'PUT', assoc(w, 'echo-api')))).toEqual(['Microsoft.ApiManagement/service/gateways/apis/write', `${scope}/gateways/${w.gatewayName}/apis/echo-api`])
    expect(denied(await arm(w, 'GET', `/gateways/${w.gatewayName}/apis`))).toEqual(['Microsoft.ApiManagement/service/gateways/apis/read', `${scope}/gateways/${w.gatewayName}/apis`])
    expect(denied(await arm(w, 'GET', '/apis'))).toEqual(['Microsoft.ApiManagement/service/apis/read', `${scope}/apis`])
    expect(denied(await arm(w, 'PUT', '/gateways/pr-1', { body: { properties: { locationData: { name: 'x' } } } }))[0]).toBe('Microsoft.ApiManagement/service/gateways/write')

    await emu.client.grant({ objectId: w.objectId, scope, actions: ['Microsoft.ApiManagement/service/gateways/apis/write'] })
    expect((await arm(w, 'PUT', assoc(w, 'echo-api'))).status).toBe(201)
    expect(denied(await arm(w, 'DELETE', assoc(w, 'echo-api')))[0]).toBe('Microsoft.ApiManagement/service/gateways/apis/delete')
    // HEAD answers carry no body: the status is all a client sees.
    expect((await arm(w, 'HEAD', assoc(w, 'echo-api'))).status).toBe(403)
    expect(await emu.client.gatewayApis(w.ref)).toEqual(['echo-api'])
  })

  test('the call log records method, path and status of each association call', async () => {
    const w = await world(emu, { grant: ALL })
    await withApis(w, ['echo-api'])
    await arm(w, 'PUT', assoc(w, 'echo-api'))
    await arm(w, 'DELETE', assoc(w, 'echo-api'))
    await arm(w, 'DELETE', assoc(w, 'echo-api'))
    const calls = await emu.client.calls({ subscriptionId: w.subscriptionId, pathIncludes: '/apis/' })
    expect(calls.map(c => `${c.method} ${c.path.split('/').slice(-3).join('/')} ${c.status}`)).toEqual([
      `PUT ${w.gatewayName}/apis/echo-api 201`, `DELETE ${w.gatewayName}/apis/echo-api 200`, `DELETE ${w.gatewayName}/apis/echo-api 204`
    ])
  })
})
