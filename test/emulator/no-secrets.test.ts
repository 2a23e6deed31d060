/**
 * Nothing the emulator says — responses on error paths, its log, its call log, configuration
 * check reasons — may contain an ID token, a runner request token, an access token, a client
 * assertion, a gateway key or a gateway token.
 */
import { startEmulator, type Emulator } from './index.js'
import { form, http, inDays, runAzureClient, world, type HttpResult } from './test-helpers.js'

let emu: Emulator
const logLines: string[] = []
beforeAll(async () => { emu = await startEmulator({ log: l => logLines.push(l) }) })
afterAll(async () => { await emu?.stop() })

function scan(texts: string[], secrets: string[]) {
  const found: string[] = []
  for (const s of secrets) {
    expect(s.length).toBeGreaterThan(20)
    // The secret itself and its base64, as a log could carry either.
    for (const form of [s, Buffer.from(s).toString('base64')]) {
      for (const t of texts) if (t.includes(form)) found.push(`${form.slice(0, 12)}… in ${t.slice(0, 120)}`)
    }
  }
  expect(found).toEqual([])
}

const dump = (r: HttpResult) => `${r.status} ${JSON.stringify(r.headers)} ${r.text}`

test('no response, log line, call record or check reason contains a token or key', async () => {
  const w = await world(emu)
  const g = { rg: w.resourceGroup, svc: w.serviceName, gw: w.gatewayName }
  const { results, child } = await runAzureClient(emu, w.plan([
    { op: 'getToken', args: { scope: `${emu.urls.arm}/.default`, includeToken: true } },
    { op: 'generateToken', args: { ...g, keyType: 'primary', expiry: inDays(29) } },
    { op: 'generateToken', args: { ...g, keyType: 'secondary', expiry: inDays(29) } },
    { op: 'listKeys', args: g },
    { op: 'regenerateKey', args: { ...g, keyType: 'primary' } },
    { op: 'generateToken', args: { ...g, keyType: 'primary', expiry: inDays(40) } },
    { op: 'get', args: { ...g, gw: 'missing' } }
  ]), w.job)
  expect(results.map(r => r.ok)).toEqual([true, true, true, true, true, false, false])
  const idTokens = [...child.stdout.matchAll(/^::add-mask::(.+)$/gm)].map(m => m[1])
  expect(idTokens.length).toBeGreaterThan(0)
  const accessToken: string = results[0].value.token
  const gatewayTokens: string[] = [results[1].value.value, results[2].value.value]
  const keys: string[] = [results[3].value.primary, results[3].value.secondary]

  // Error paths driven directly, each presenting a secret the answer must not echo.
  const responses: HttpResult[] = []
  const mismatched = await emu.client.createJob({ subject: `${w.subject}-other` })
  const idt = (await http(`${mismatched.requestUrl}&audience=api%3A%2F%2FAzureADTokenExchange`, { ca: emu.caPem, headers: { authorization: `Bearer ${mismatched.requestToken}` } })).json.value as string
  idTokens.push(idt)
  for (const assertion of [idt, `${idt.slice(0, -10)}AAAAAAAAAA`, 'x.y.z']) {
    responses.push(await http(`${emu.urls.entra}/${w.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', ca: emu.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: w.clientId, scope: `${emu.urls.arm}/.default`, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion })
    }))
  }
  responses.push(await http(w.job.requestUrl, { ca: emu.caPem, headers: { authorization: `Bearer ${w.job.requestToken}x` } }))
  const expired = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm, expiresInSeconds: -3600 })
  const wrongAud = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: 'https://management.azure.com' })
  for (const t of [expired, wrongAud, accessToken.slice(0, -5) + 'AAAAA', idt]) {
    responses.push(await http(`${w.base}/gateways/${w.gatewayName}?api-version=2024-05-01`, { ca: emu.caPem, headers: { authorization: `Bearer ${t}` } }))
  }
  responses.push(await http(`${w.base}/gateways/${w.gatewayName}/generateToken?api-version=2024-05-01`, {
    method: 'POST', ca: emu.caPem, headers: { authorization: `Bearer ${await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })}` },
    body: { keyType: 'primary', expiry: gatewayTokens[0] }
  }))
  responses.push(await http(`${w.base}/gateways/${w.gatewayName}/generateToken?api-version=2024-05-01`, {
    method: 'POST', ca: emu.caPem, headers: { 'content-type': 'application/json', authorization: `Bearer ${await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })}` },
    body: gatewayTokens[1]
  }))
  expect(responses.map(r => r.status)).toEqual([401, 401, 400, 401, 401, 401, 401, 401, 400, 400])
  expect(responses.at(-1)!.json.error.code).toBe('InvalidRequestContent')

  const checks = []
  const auths: Record<string, string>[] = [{ 'config.service.auth': 'key', 'config.service.auth.key': gatewayTokens[0] }, { 'config.service.auth': `GatewayKey ${gatewayTokens[1]}` },
    { 'config.service.auth': gatewayTokens[1] }, { 'config.service.auth': keys[1] }, { 'config.service.auth': `GatewayKey ${gatewayTokens[1]}x` }]
  for (const auth of auths) {
    checks.push(await emu.client.checkGatewayConfig({ 'config.service.endpoint': w.configurationHost, ...auth }))
  }
  expect(checks.map(c => c.ok)).toEqual([false, true, false, false, false])

  const calls = await emu.client.calls({})
  scan(
    [...logLines, ...responses.map(dump), ...calls.map(c => JSON.stringify(c)), ...checks.flatMap(c => [c.reason, ...c.log]),
      ...results.filter(r => !r.ok).map(r => JSON.stringify(r.error))],
    [...idTokens, w.job.requestToken, mismatched.requestToken, accessToken, expired, wrongAud, ...gatewayTokens, ...keys]
  )
})
