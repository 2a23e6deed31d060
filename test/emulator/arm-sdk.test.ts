/**
 * The ARM emulator through the real @azure/arm-apimanagement client (and @azure/identity), in
 * child processes that trust the emulator CA through NODE_EXTRA_CA_CERTS.
 */
import { startEmulator, type Emulator } from './index.js'
import { inDays, runAzureClient, world } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

describe('ApiManagementClient(credential, sub, { endpoint: armUrl })', () => {
  test('generateToken, regenerateKey, listKeys, createOrUpdate, get, list, delete', async () => {
    const w = await world(emu)
    const g = { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName }
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'generateToken', args: { ...g, keyType: 'primary', expiry: inDays(29) } },
      { op: 'regenerateKey', args: { ...g, keyType: 'primary' } },
      { op: 'generateToken', args: { ...g, keyType: 'primary', expiry: inDays(29) } },
      { op: 'listKeys', args: g },
      { op: 'createOrUpdate', args: { ...g, gw: 'gw-sdk', parameters: { locationData: { name: 'k8s' }, description: 'from sdk' } } },
      { op: 'get', args: { ...g, gw: 'gw-sdk' } },
      { op: 'list', args: g },
      { op: 'delete', args: { ...g, gw: 'gw-sdk', ifMatch: '*' } }
    ]), w.job)
    expect(results.map(r => [r.op, r.ok, r.error?.message])).toEqual(results.map(r => [r.op, true, undefined]))
    const [before, , after, keys, created, got, list] = results.map(r => r.value)
    expect(before.value).toMatch(new RegExp(`^${w.gatewayName}&\\d{12}&[A-Za-z0-9+/]+=*$`))
    expect(await emu.client.checkToken({ ...w.ref, token: before.value })).toMatchObject({ valid: false })
    expect(await emu.client.checkToken({ ...w.ref, token: after.value })).toMatchObject({ valid: true, keyType: 'primary' })
    expect(Object.keys(keys)).toEqual(expect.arrayContaining(['primary', 'secondary']))
    expect(created).toMatchObject({ name: 'gw-sdk', locationData: { name: 'k8s' }, description: 'from sdk' })
    expect(got).toMatchObject({ name: 'gw-sdk', eTag: expect.stringMatching(/^"/) })
    expect(list.names.sort()).toEqual(['gw-sdk', w.gatewayName].sort())
    expect((await emu.client.gatewayState({ ...w.ref, gatewayName: 'gw-sdk' })).exists).toBe(false)
    expect((await emu.client.gatewayState(w.ref)).regenerations).toEqual({ primary: 1, secondary: 0 })

    const armCalls = await emu.client.calls({ subscriptionId: w.subscriptionId })
    expect(armCalls.map(c => `${c.method} ${c.path.split('/').slice(-2).join('/')} ${c.status}`)).toEqual([
      `POST ${w.gatewayName}/generateToken 200`, `POST ${w.gatewayName}/regenerateKey 204`, `POST ${w.gatewayName}/generateToken 200`,
      `POST ${w.gatewayName}/listKeys 200`, 'PUT gateways/gw-sdk 201', 'GET gateways/gw-sdk 200', `GET ${w.serviceName}/gateways 200`, 'DELETE gateways/gw-sdk 200'
    ])
  })

  test('403 and 404s surface as RestErrors with ARM\'s code and message', async () => {
    const reader = await world(emu, { grant: ['Microsoft.ApiManagement/service/gateways/read'] })
    const g = { rg: reader.resourceGroup, svc: reader.serviceName, gw: reader.gatewayName }
    const { results } = await runAzureClient(emu, reader.plan([
      { op: 'generateToken', args: { ...g, keyType: 'primary', expiry: inDays(1) } },
      { op: 'get', args: { ...g, gw: 'gw-missing' } },
      { op: 'get', args: { ...g, svc: 'apim-missing' } }
    ]), reader.job)
    expect(results[0].error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' })
    expect(results[0].error!.message).toContain(`with object id '${reader.objectId}' does not have authorization to perform action 'Microsoft.ApiManagement/service/gateways/generateToken/action'`)
    expect(results[1].error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound', message: 'Gateway not found.' })
    expect(results[2].error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' })
    expect(results[2].error!.message).toContain("The Resource 'Microsoft.ApiManagement/service/apim-missing'")
    expect((await emu.client.gatewayState(reader.ref)).tokensIssued).toEqual({ primary: 0, secondary: 0 })
  })

  test('400 for an expiry beyond 30 days is reported, not retried', async () => {
    const w = await world(emu)
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'generateToken', args: { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName, keyType: 'primary', expiry: inDays(31) } }
    ]), w.job)
    expect(results[0].error).toMatchObject({ statusCode: 400, code: 'ValidationError', message: 'One or more fields contain incorrect values:' })
    expect(JSON.parse(results[0].error!.body!).error.details[0].target).toBe('expiry')
    expect(await emu.client.calls({ subscriptionId: w.subscriptionId })).toHaveLength(1)
  })
})

describe('preview operations through the SDK: gateway create/delete, APIs, gateway–API associations', () => {
  test('gateway.createOrUpdate/delete, api.listByService (paged), gatewayApi.createOrUpdate/getEntityTag/listByService/delete', async () => {
    const w = await world(emu, { grant: ['Microsoft.ApiManagement/service/gateways/*', 'Microsoft.ApiManagement/service/apis/read'] })
    for (const apiId of ['echo-api', 'orders', 'billing']) {
      await emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, apiId, displayName: apiId.toUpperCase() })
    }
    const s = { rg: w.resourceGroup, svc: w.serviceName }
    const gw = { ...s, gw: 'pr-7' }
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'createOrUpdate', args: { ...gw, parameters: { locationData: { name: 'kubernetes' }, description: 'Preview of octo/app#7' } } },
      { op: 'createOrUpdate', args: { ...gw, parameters: { locationData: { name: 'kubernetes' }, description: 'Preview of octo/app#7 (updated)' } } },
      { op: 'apiList', args: { ...s, top: 2 } },
      { op: 'apiGet', args: { ...s, apiId: 'orders' } },
      { op: 'gatewayApiCreate', args: { ...gw, apiId: 'echo-api', parameters: { provisioningState: 'created' } } },
      { op: 'gatewayApiCreate', args: { ...gw, apiId: 'echo-api', parameters: { provisioningState: 'created' } } },
      { op: 'gatewayApiCreate', args: { ...gw, apiId: 'orders' } },
      { op: 'gatewayApiHead', args: { ...gw, apiId: 'echo-api' } },
      { op: 'gatewayApiList', args: { ...gw, top: 1 } },
      { op: 'gatewayApiDelete', args: { ...gw, apiId: 'orders' } },
      { op: 'gatewayApiDelete', args: { ...gw, apiId: 'orders' } },
      { op: 'delete', args: { ...gw, ifMatch: '*' } }
    ]), w.job)
    expect(results.map(r => [r.op, r.ok, r.error?.message])).toEqual(results.map(r => [r.op, true, undefined]))
    const [created, updated, apis, api, assoc1, assoc2, assoc3, head, list, del1, del2, gone] = results
    expect([created.status, updated.status]).toEqual([201, 200])
    expect(updated.value).toMatchObject({ name: 'pr-7', locationData: { name: 'kubernetes' }, description: 'Preview of octo/app#7 (updated)' })
    expect(apis.value).toEqual({ names: ['billing', 'echo-api', 'orders'], pages: 2 })
    expect(api.value).toMatchObject({ name: 'orders', displayName: 'ORDERS', path: 'orders', isCurrent: true, eTag: expect.stringMatching(/^"/) })
    expect([assoc1.status, assoc2.status, assoc3.status]).toEqual([201, 200, 201])
    expect(assoc1.value).toMatchObject({ name: 'echo-api', displayName: 'ECHO-API', id: expect.stringMatching(/\/gateways\/pr-7\/apis\/echo-api$/) })
    expect(head.value.eTag).toMatch(/^"/)
    expect(list.value).toEqual({ names: ['echo-api', 'orders'], pages: 2 })
    expect([del1.status, del2.status, gone.status]).toEqual([200, 204, 200])
    expect(await emu.client.gatewayState({ ...w.ref, gatewayName: 'pr-7' })).toEqual({ exists: false })
    expect(await emu.client.gatewayApis({ ...w.ref, gatewayName: 'pr-7' })).toEqual([])
  })

  test('unknown API or gateway and missing roles surface as RestErrors with API Management\'s and ARM\'s codes', async () => {
    const w = await world(emu, { grant: ['Microsoft.ApiManagement/service/gateways/read'] })
    await emu.client.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, apiId: 'echo-api' })
    await emu.client.grant({ objectId: w.objectId, scope: `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}`, actions: 'Microsoft.ApiManagement/service/gateways/apis/*' })
    const gw = { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName }
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'gatewayApiCreate', args: { ...gw, apiId: 'nope' } },
      { op: 'gatewayApiCreate', args: { ...gw, gw: 'gw-nope', apiId: 'echo-api' } },
      { op: 'gatewayApiHead', args: { ...gw, apiId: 'echo-api' } },
      { op: 'apiList', args: { rg: w.resourceGroup, svc: w.serviceName } },
      { op: 'createOrUpdate', args: { ...gw, gw: 'pr-1', parameters: { locationData: { name: 'k8s' } } } }
    ]), w.job)
    expect(results[0].error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound', message: 'Api not found.' })
    expect(results[1].error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound', message: 'Gateway not found.' })
    expect(results[2].error).toMatchObject({ statusCode: 404 })
    expect(results[3].error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' })
    expect(results[3].error!.message).toContain("'Microsoft.ApiManagement/service/apis/read'")
    expect(results[4].error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' })
    expect(results[4].error!.message).toContain("'Microsoft.ApiManagement/service/gateways/write'")
    expect(await emu.client.gatewayApis(w.ref)).toEqual([])
  })
})

describe('injected faults seen by the real SDKs', () => {
  test('429 with Retry-After: the ARM client waits and retries', async () => {
    const w = await world(emu)
    await emu.client.injectFault({ listener: 'arm', pathIncludes: `${w.subscriptionId}/`, method: 'POST', status: 429, headers: { 'Retry-After': '1' }, times: 1 })
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'generateToken', args: { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName, keyType: 'primary', expiry: inDays(1) } }
    ]), w.job)
    expect(results[0].ok).toBe(true)
    expect(results[0].ms).toBeGreaterThanOrEqual(1000)
    expect((await emu.client.calls({ subscriptionId: w.subscriptionId })).map(c => c.status)).toEqual([429, 200])
  })

  test('500s: retried, then reported once retries run out', async () => {
    const w = await world(emu)
    const g = { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName }
    await emu.client.injectFault({ listener: 'arm', pathIncludes: `${w.subscriptionId}/`, status: 500, times: 3 })
    const { results } = await runAzureClient(emu, w.plan([
      { op: 'get', args: g },
      { op: 'get', args: g }
    ], { retryOptions: { maxRetries: 1, retryDelayInMs: 50, maxRetryDelayInMs: 100 } }), w.job)
    expect(results[0].error).toMatchObject({ statusCode: 500, code: 'InternalServerError' })
    expect(results[1].ok).toBe(true)
    expect((await emu.client.calls({ subscriptionId: w.subscriptionId })).map(c => c.status)).toEqual([500, 500, 500, 200])
  })

  test('slow answers and transient faults on Entra and GitHub', async () => {
    const w = await world(emu)
    await emu.client.injectFault({ listener: 'arm', pathIncludes: `${w.subscriptionId}/`, delayMs: 1200 })
    await emu.client.injectFault({ listener: 'entra', pathIncludes: `/${w.tenantId}/oauth2/v2.0/token`, status: 503, headers: { 'Retry-After': '0' } })
    await emu.client.injectFault({ listener: 'github', pathIncludes: w.job.jobId, status: 503 })
    const { results } = await runAzureClient(emu, w.plan([{ op: 'get', args: { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName } }]), w.job)
    expect(results[0].ok).toBe(true)
    expect(results[0].ms).toBeGreaterThanOrEqual(1200)
    expect((await emu.client.calls({ tenantId: w.tenantId, pathIncludes: '/token' })).map(c => c.status)).toEqual([503, 200])
    expect((await emu.client.calls({ listener: 'github', pathIncludes: w.job.jobId })).map(c => c.status)[0]).toBe(503)
  })
})
