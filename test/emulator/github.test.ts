import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { GITHUB_ISSUER, startEmulator, type Emulator } from './index.js'
import { http, nodeBin, runChild } from './test-helpers.js'

let emu: Emulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => { await emu?.stop() })

async function jwks() {
  const r = await http(`${emu.urls.github}/.well-known/jwks`, { ca: emu.caPem })
  return createLocalJWKSet(r.json)
}

describe('GitHub ID-token endpoint', () => {
  test('answers getIDToken as @actions/core calls it: fresh RS256 token with kid and GitHub claims each time', async () => {
    const subject = 'repo:octo-org/octo-repo:environment:prod'
    const job = await emu.client.createJob({ subject })
    // The real @actions/core, in a child process that trusts the CA the way a runner user would.
    const script = `import * as core from '@actions/core'
      const a = await core.getIDToken('api://AzureADTokenExchange')
      const b = await core.getIDToken()
      process.stdout.write('TOKENS ' + JSON.stringify([a, b]) + '\\n')`
    const child = await runChild(nodeBin, ['--input-type=module', '-e', script], {
      NODE_EXTRA_CA_CERTS: emu.caFile, ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken
    })
    expect(child.stderr).toBe('')
    const [a, b] = JSON.parse(child.stdout.split('\n').find(l => l.startsWith('TOKENS '))!.slice(7)) as string[]
    expect(a).not.toBe(b)

    const header = decodeProtectedHeader(a)
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(typeof header.kid).toBe('string')
    const { payload } = await jwtVerify(a, await jwks(), { issuer: GITHUB_ISSUER, audience: 'api://AzureADTokenExchange' })
    expect(payload).toMatchObject({
      sub: subject, repository: 'octo-org/octo-repo', repository_owner: 'octo-org', environment: 'prod',
      runner_environment: 'github-hosted', job_workflow_ref: expect.stringMatching(/^octo-org\/octo-repo\/\.github\/workflows\/.+@refs\//)
    })
    for (const c of ['jti', 'iat', 'nbf', 'exp', 'ref', 'sha', 'workflow', 'actor', 'event_name', 'run_id']) expect(payload[c]).toBeDefined()
    expect(payload.exp! - payload.iat!).toBe(300)
    // Without an audience GitHub uses the owner's URL.
    const { payload: pb } = await jwtVerify(b, await jwks(), { issuer: GITHUB_ISSUER })
    expect(pb.aud).toBe('https://github.com/octo-org')

    const stats = await emu.client.jobStats(job.jobId)
    expect(stats).toMatchObject({ idTokenRequests: 2, unauthorizedRequests: 0, audiences: ['api://AzureADTokenExchange', 'https://github.com/octo-org'] })
  })

  test('the request URL carries api-version 2.0 and the audience parameter is appended with &', async () => {
    const job = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main' })
    expect(job.requestUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/.+\/_apis\/distributedtask\/hubs\/Actions\/plans\/[0-9a-f-]+\/jobs\/[0-9a-f-]+\/idtoken\?api-version=2\.0$/)
    const r = await http(`${job.requestUrl}&audience=${encodeURIComponent('custom://aud')}`, { ca: emu.caPem, headers: { authorization: `Bearer ${job.requestToken}` } })
    expect(r.status).toBe(200)
    expect(Object.keys(r.json)).toEqual(['value'])
    const { payload } = await jwtVerify(r.json.value, await jwks())
    expect(payload.aud).toBe('custom://aud')
  })

  test('a missing or wrong bearer token gets 401 and no ID token', async () => {
    const job = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main' })
    const none = await http(job.requestUrl, { ca: emu.caPem })
    const wrong = await http(job.requestUrl, { ca: emu.caPem, headers: { authorization: 'Bearer not-the-token' } })
    const otherJob = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main' })
    const crossed = await http(job.requestUrl, { ca: emu.caPem, headers: { authorization: `Bearer ${otherJob.requestToken}` } })
    for (const r of [none, wrong, crossed]) {
      expect(r.status).toBe(401)
      expect(r.json.message).toMatch(/^TF400813: /)
      expect(r.text).not.toContain('value')
    }
    expect(await emu.client.jobStats(job.jobId)).toMatchObject({ idTokenRequests: 0, unauthorizedRequests: 3 })
  })

  test('@actions/core reports the 401 as it would on a runner', async () => {
    const job = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main' })
    const script = `import * as core from '@actions/core'
      try { await core.getIDToken('api://AzureADTokenExchange'); process.stdout.write('UNEXPECTED\\n') }
      catch (e) { process.stdout.write('ERR ' + JSON.stringify(e.message) + '\\n') }`
    const child = await runChild(nodeBin, ['--input-type=module', '-e', script], {
      NODE_EXTRA_CA_CERTS: emu.caFile, ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong'
    })
    const line = child.stdout.split('\n').find(l => l.startsWith('ERR '))
    expect(line).toBeDefined()
    expect(JSON.parse(line!.slice(4))).toMatch(/Failed to get ID Token[\s\S]*Error Code : 401[\s\S]*TF400813/)
  })

  test('lifetime and claim overrides: expired and not-yet-valid tokens can be made', async () => {
    const job = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main', lifetimeSeconds: -900, claims: { custom: 'x' } })
    const r = await http(`${job.requestUrl}&audience=a`, { ca: emu.caPem, headers: { authorization: `Bearer ${job.requestToken}` } })
    await expect(jwtVerify(r.json.value, await jwks())).rejects.toThrow(/"exp" claim timestamp check failed/)
    const claims = decodeJwt(r.json.value)
    expect(claims.exp! - claims.iat!).toBe(-900)
    expect(claims.custom).toBe('x')

    const future = Math.floor(Date.now() / 1000) + 3600
    const early = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main', claims: { nbf: future, exp: future + 300 } })
    const e = await http(`${early.requestUrl}&audience=a`, { ca: emu.caPem, headers: { authorization: `Bearer ${early.requestToken}` } })
    await expect(jwtVerify(e.json.value, await jwks())).rejects.toThrow(/"nbf" claim timestamp check failed/)
  })

  test('unknown job paths are 404', async () => {
    const job = await emu.client.createJob({ subject: 'repo:o/r:ref:refs/heads/main' })
    const r = await http(job.requestUrl.replace(/jobs\/[0-9a-f-]+/, 'jobs/00000000-0000-0000-0000-000000000000'), { ca: emu.caPem, headers: { authorization: `Bearer ${job.requestToken}` } })
    expect(r.status).toBe(404)
  })
})
