import { startEmulator, type Emulator } from './index.js'
import { http, world } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

type World = Awaited<ReturnType<typeof world>>

async function get(w: World, method = 'GET') {
  const token = await emu.client.issueAccessToken({ tenantId: w.tenantId, clientId: w.clientId, resource: emu.urls.arm })
  const started = Date.now()
  const r = await http(`${w.base}/gateways/${w.gatewayName}?api-version=2024-05-01`, { method, ca: emu.caPem, headers: { authorization: `Bearer ${token}` } })
  return { ...r, ms: Date.now() - started }
}

describe('fault injection', () => {
  test('scoped by path: only the matching subscription is hit, only `times` times', async () => {
    const a = await world(emu)
    const b = await world(emu)
    const id = await emu.client.injectFault({ listener: 'arm', pathIncludes: `/subscriptions/${a.subscriptionId}/`, status: 429, headers: { 'Retry-After': '7' }, times: 2 })
    expect((await get(b)).status).toBe(200)
    const first = await get(a)
    expect(first.status).toBe(429)
    expect(first.headers['retry-after']).toBe('7')
    expect(first.json.error.code).toBe('TooManyRequests')
    expect((await get(a)).status).toBe(429)
    expect((await get(a)).status).toBe(200)
    expect(await emu.client.fault(id)).toEqual({ id, remaining: 0, hits: 2 })
    const calls = await emu.client.calls({ subscriptionId: a.subscriptionId })
    expect(calls.map(c => [c.status, c.faultId])).toEqual([[429, id], [429, id], [200, undefined]])
  })

  test('custom body, method filter, delay-only faults and clearing', async () => {
    const w = await world(emu)
    await emu.client.injectFault({ listener: 'arm', pathIncludes: w.gatewayName, method: 'HEAD', status: 503 })
    await emu.client.injectFault({ listener: 'arm', pathIncludes: w.gatewayName, method: 'GET', status: 500, body: { error: { code: 'Custom', message: 'boom' } } })
    const r = await get(w)
    expect(r.status).toBe(500)
    expect(r.json).toEqual({ error: { code: 'Custom', message: 'boom' } })
    expect((await get(w, 'HEAD')).status).toBe(503)

    await emu.client.injectFault({ listener: 'arm', pathIncludes: w.gatewayName, delayMs: 400, headers: { 'x-test': 'slow' } })
    const slow = await get(w)
    expect(slow.status).toBe(200)
    expect(slow.ms).toBeGreaterThanOrEqual(400)
    expect(slow.headers['x-test']).toBe('slow')

    await emu.client.injectFault({ listener: 'arm', pathIncludes: w.gatewayName, status: 500, times: 5 })
    expect(await emu.client.clearFaults(w.gatewayName)).toBe(1)
    expect((await get(w)).status).toBe(200)
  })

  test('refuses unscoped or empty faults', async () => {
    await expect(emu.client.injectFault({ listener: 'arm', pathIncludes: '', status: 500 })).rejects.toThrow(/pathIncludes is required/)
    await expect(emu.client.injectFault({ listener: 'arm', pathIncludes: 'x' })).rejects.toThrow(/status, a delayMs/)
  })
})
