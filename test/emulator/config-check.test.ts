import { emulatorDecider, startEmulator, type Emulator } from './index.js'
import { http, inDays, world } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

type World = Awaited<ReturnType<typeof world>>

async function armToken(w: World, keyType = 'primary', days = 7): Promise<string> {
  const access = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })
  const r = await http(`${w.base}/gateways/${w.gatewayName}/generateToken?api-version=2024-05-01`, {
    method: 'POST', ca: emu.caPem, headers: { authorization: `Bearer ${access}` }, body: { keyType, expiry: inDays(days) }
  })
  expect(r.status).toBe(200)
  return r.json.value
}

/** The three layouts of domain-facts.md. */
const specLayout = (w: World, token: string, prefix = '') => ({
  'gateway.name': w.gatewayName, 'config.service.auth': 'key', 'config.service.endpoint': `https://${w.configurationHost}`,
  'config.service.auth.key': `${prefix}${token}`, 'telemetry.logs.std.level': 'info'
})
const portalLayout = (w: World, token: string) => ({ 'config.service.endpoint': w.configurationHost, 'config.service.auth': `GatewayKey ${token}` })

function expectNoSecret(texts: string[], secrets: string[]) {
  for (const t of texts) for (const s of secrets) expect(t).not.toContain(s)
}

describe('checkGatewayConfig', () => {
  test('accepts a fresh token in the spec layout (with or without prefix) and the portal/Helm layout', async () => {
    const w = await world(emu)
    const token = await armToken(w)
    for (const env of [specLayout(w, token), specLayout(w, token, 'GatewayKey '), portalLayout(w, token)]) {
      const r = await emu.client.checkGatewayConfig(env)
      expect(r).toMatchObject({ ok: true })
      expect(r.reason).toContain(`connected to configuration endpoint https://${w.configurationHost} as gateway '${w.gatewayName}'`)
      expectNoSecret([r.reason, ...r.log], [token])
    }
  })

  test('refuses with a gateway-style reason: wrong host, layout, expiry, revoked key, wrong or deleted gateway', async () => {
    const w = await world(emu)
    const other = await world(emu)
    const token = await armToken(w, 'primary')
    const secondary = await armToken(w, 'secondary')
    const keys = (await http(`${w.base}/gateways/${w.gatewayName}/listKeys?api-version=2024-05-01`, {
      method: 'POST', ca: emu.caPem, headers: { authorization: `Bearer ${await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })}` }
    })).json
    const expired = await emu.client.mintGatewayToken({ ...w.ref, keyType: 'primary', expiry: inDays(-1) })
    const otherToken = await armToken(other)
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...specLayout(w, token), 'config.service.endpoint': 'https://nowhere.configuration.azure-api.net' }, /cannot reach configuration endpoint https:\/\/nowhere\.configuration\.azure-api\.net: unknown host/],
      [{ ...specLayout(w, token), 'config.service.endpoint': `http://${w.configurationHost}` }, /not HTTPS/],
      [{ 'config.service.auth': 'key' }, /config\.service\.endpoint is missing/],
      [{ ...specLayout(w, token), 'config.service.auth.key': '' }, /^no token configured: config\.service\.auth is 'key' but config\.service\.auth\.key is missing$/],
      [{ 'config.service.endpoint': w.configurationHost, 'config.service.auth.key': token }, /^no token configured: config\.service\.auth is not set$/],
      [{ ...specLayout(w, token), 'config.service.auth': 'workloadIdentity' }, /'workloadIdentity'/],
      [{ 'config.service.endpoint': w.configurationHost, 'config.service.auth': token }, /neither 'key'.* nor a value starting with 'GatewayKey '/],
      [{ 'config.service.endpoint': w.configurationHost, 'config.service.auth': keys.primary }, /neither 'key'/],
      [specLayout(w, 'not-a-token'), /responded 401 Unauthorized: malformed token/],
      [specLayout(w, expired), /configuration endpoint https:\/\/.+ responded 401 Unauthorized: token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/],
      [{ ...specLayout(w, otherToken) }, new RegExp(`responded 401 Unauthorized: gateway '${other.gatewayName}' not found in service '${w.serviceName}'`)]
    ]
    for (const [env, reason] of cases) {
      const r = await emu.client.checkGatewayConfig(env)
      expect({ env: Object.keys(env), ok: r.ok }).toEqual({ env: Object.keys(env), ok: false })
      expect(r.reason).toMatch(reason)
      expectNoSecret([r.reason, ...r.log], [token, secondary, expired, otherToken, keys.primary, keys.secondary])
    }

    // Regenerating the primary key revokes the primary token only.
    const access = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })
    const regen = await http(`${w.base}/gateways/${w.gatewayName}/regenerateKey?api-version=2024-05-01`, { method: 'POST', ca: emu.caPem, headers: { authorization: `Bearer ${access}` }, body: { keyType: 'primary' } })
    expect(regen.status).toBe(204)
    expect((await emu.client.checkGatewayConfig(specLayout(w, token))).reason).toMatch(/responded 401 Unauthorized: token signature is not valid/)
    expect((await emu.client.checkGatewayConfig(specLayout(w, secondary))).ok).toBe(true)

    // Deleting the gateway resource makes every token of it useless.
    const del = await http(`${w.base}/gateways/${w.gatewayName}?api-version=2024-05-01`, { method: 'DELETE', ca: emu.caPem, headers: { authorization: `Bearer ${access}`, 'if-match': '*' } })
    expect(del.status).toBe(200)
    expect((await emu.client.checkGatewayConfig(specLayout(w, secondary))).reason).toMatch(/gateway '.+' not found in service/)
  })

  test('a custom configuration host (addService configurationHost) is the one that works', async () => {
    const w = await world(emu)
    const host = `${w.serviceName}.example.internal`
    await emu.client.addService({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, configurationHost: host })
    const token = await armToken(w)
    expect((await emu.client.checkGatewayConfig({ ...specLayout(w, token), 'config.service.endpoint': `https://${host}/` })).ok).toBe(true)
    expect((await emu.client.checkGatewayConfig(specLayout(w, token))).ok).toBe(false)
  })
})

describe('emulatorDecider', () => {
  test('Ready exactly when the check passes, with gateway-like log lines and no secrets', async () => {
    const w = await world(emu)
    const token = await armToken(w)
    const decide = emulatorDecider(emu.client)
    const pod = { namespace: 'ns', pod: 'apim-gateway-abc', container: 'apim-gateway', image: 'mcr.microsoft.com/azure-api-management/gateway:v2' }
    const good = await decide({ ...pod, env: specLayout(w, token) })
    expect(good.ready).toBe(true)
    expect(good.log).toContainEqual(expect.stringMatching(/^\[Info\] \S+Z \[ConfigurationLoaded\], message: connected to configuration endpoint https:\/\//))
    const bad = await decide({ ...pod, env: { ...specLayout(w, token), 'config.service.auth.key': '' } })
    expect(bad.ready).toBe(false)
    expect(bad.log).toContainEqual(expect.stringMatching(/^\[Error\] \S+Z \[ConfigurationLoadFailed\], message: Failed to load configuration: no token configured/))
    expectNoSecret([...good.log, ...bad.log], [token])
  })
})
