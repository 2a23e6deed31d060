import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { connect } from 'node:tls'
import { clientFor, describeEmulator, EmulatorClient, startEmulator } from './index.js'
import { http, runChild, tsxBin } from './test-helpers.js'

describe('emulator lifecycle and admin API', () => {
  test('four HTTPS listeners on 127.0.0.1 behind one CA; stop() closes them and removes the temp dir', async () => {
    const lines: string[] = []
    const emu = await startEmulator({ log: l => lines.push(l) })
    try {
      const { githubApi, ...roots } = emu.urls
      for (const u of Object.values(roots)) expect(u).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      // GITHUB_API_URL on GitHub Enterprise Server is https://<host>/api/v3.
      expect(githubApi).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
      expect(new Set(Object.values(emu.urls).map(u => new URL(u).origin)).size).toBe(4)
      expect(emu.adminUrl).toBe(`${emu.urls.github}/_emulator`)
      expect(emu.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/)
      expect(existsSync(emu.caFile)).toBe(true)
      expect(await emu.client.info()).toEqual(emu.urls)
      const described = JSON.parse(JSON.stringify(describeEmulator(emu)))
      expect(await clientFor(described).info()).toEqual(emu.urls)
      // Untrusted without the CA: the action can only reach it through NODE_EXTRA_CA_CERTS.
      await expect(http(`${emu.urls.entra}/common/discovery/instance`, { ca: '' as string })).rejects.toThrow(/certificate/)
      // The certificate is valid for `localhost` as well as 127.0.0.1.
      const port = Number(new URL(emu.urls.entra).port)
      for (const servername of ['localhost', '127.0.0.1']) {
        const verified = await new Promise<boolean>((resolve, reject) => {
          const sock = connect({ host: '127.0.0.1', port, ca: emu.caPem, servername: servername === '127.0.0.1' ? undefined : servername }, () => {
            resolve(sock.authorized)
            sock.end()
          })
          sock.on('error', reject)
        })
        expect(verified).toBe(true)
      }
    } finally {
      await emu.stop()
      await emu.stop()
    }
    expect(existsSync(dirname(emu.caFile))).toBe(false)
    await expect(http(`${emu.urls.arm}/`, { ca: emu.caPem })).rejects.toThrow(/ECONNREFUSED/)
    await expect(http(`${emu.urls.githubApi}/`, { ca: emu.caPem })).rejects.toThrow(/ECONNREFUSED/)
    expect(lines[0]).toMatch(/^emulator up: github https:\/\/127\.0\.0\.1:\d+, entra .*, arm .*, githubApi https:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
  })

  test('EmulatorClient works from another process given only the admin URL and CA', async () => {
    const emu = await startEmulator()
    try {
      const short = randomUUID().slice(0, 8)
      const ref = { subscriptionId: randomUUID(), resourceGroup: `rg-${short}`, serviceName: `apim-${short}`, gatewayName: 'gw' }
      const child = await runChild(tsxBin, [join('test', 'emulator', 'fixtures', 'client-from-child.ts')], {
        EMU_ADMIN_URL: emu.adminUrl, EMU_CA_PEM: emu.caPem, EMU_REF: JSON.stringify(ref)
      })
      const line = child.stdout.split('\n').find(l => l.startsWith('STATE '))
      expect(child.stderr).toBe('')
      expect(JSON.parse(line!.slice(6))).toMatchObject({ exists: true, keyVersions: { primary: 1, secondary: 1 } })
      expect((await emu.client.gatewayState(ref)).exists).toBe(true)
    } finally {
      await emu.stop()
    }
  })

  test('admin errors are reported, not swallowed; global service names are protected', async () => {
    const emu = await startEmulator()
    try {
      await expect(emu.client.jobStats('nope')).rejects.toThrow(/unknown job/)
      await expect(new EmulatorClient(emu.adminUrl.replace('_emulator', '_emulator/x'), emu.caPem).info()).rejects.toThrow(/unknown admin operation/)
      await expect(emu.client.grant({ objectId: 'o', scope: 'subscriptions/x', actions: '*' })).rejects.toThrow(/scope must start with/)
      await expect(emu.client.addApp({ tenantId: 't', clientId: 'c', federatedCredentials: [{ issuer: 'i', subject: 's', audiences: [] }] })).rejects.toThrow(/exactly one audience/)
      const name = `apim-${randomUUID().slice(0, 8)}`
      await emu.client.addService({ subscriptionId: randomUUID(), resourceGroup: 'rg', serviceName: name })
      await expect(emu.client.addService({ subscriptionId: randomUUID(), resourceGroup: 'rg', serviceName: name })).rejects.toThrow(/already used/)
      const lost = await http(`${emu.adminUrl}/info`, { ca: emu.caPem })
      expect(lost.status).toBe(405)
    } finally {
      await emu.stop()
    }
  })
})
