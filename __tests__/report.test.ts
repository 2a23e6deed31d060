import { afterAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '../__fixtures__/core.js'
import { actionYml, makeToken } from '../__fixtures__/gateway.js'

// The real summary writer (to a temporary GITHUB_STEP_SUMMARY file); every other function mocked.
const real = await import('@actions/core')
jest.unstable_mockModule('@actions/core', () => ({ ...core, summary: real.summary }))
const { writeReport } = await import('../src/report.js')
const { secretForms } = await import('../src/redact.js')
type DeployReport = import('../src/report.js').DeployReport

const dir = mkdtempSync(join(tmpdir(), 'report-test-'))
const summaryFile = join(dir, 'summary.md')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TOKEN = makeToken('gw-eu', new Date(Date.UTC(2031, 0, 31, 23, 59)))
const report: DeployReport = {
  namespace: 'apim-prod',
  deployment: 'edge-gw',
  secretName: 'edge-gw-token',
  tokenExpiresOn: '2031-01-31T23:59:00.000Z',
  keyType: 'secondary',
  configEndpoint: 'https://contoso-apim.configuration.azure-api.net',
  readyReplicas: 2,
  desiredReplicas: 3,
  waited: true
}

beforeEach(() => {
  core.resetCore()
  writeFileSync(summaryFile, '')
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  real.summary.emptyBuffer()
})

const ROTATION_ONLY = ['rotated', 'previous-key-type', 'revoked']
const PREVIEW_ONLY = ['gateway-url', 'skipped', 'pruned']

describe('writeReport', () => {
  it('sets every deploy output action.yml declares, with the facts (rotation outputs only for rotate)', async () => {
    await writeReport(report)
    const outputs = Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, value]))
    const notDeploy = [...ROTATION_ONLY, ...PREVIEW_ONLY]
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(actionYml.outputs).filter(o => !notDeploy.includes(o)).sort())
    expect(outputs).toEqual({
      namespace: 'apim-prod',
      deployment: 'edge-gw',
      'secret-name': 'edge-gw-token',
      'token-expires-on': '2031-01-31T23:59:00.000Z',
      'key-type': 'secondary',
      'config-endpoint': 'https://contoso-apim.configuration.azure-api.net',
      'ready-replicas': '2'
    })
    for (const value of Object.values(outputs)) expect(typeof value).toBe('string')
  })

  it('adds the rotation outputs and summary rows for command: rotate', async () => {
    await writeReport({ ...report, rotation: { rotated: true, previousKeyType: 'primary', revoked: false } })
    const outputs = Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, value]))
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(actionYml.outputs).filter(o => !PREVIEW_ONLY.includes(o)).sort())
    expect(outputs).toMatchObject({ rotated: 'true', 'previous-key-type': 'primary', revoked: 'false' })
    const html = readFileSync(summaryFile, 'utf8')
    expect(html).toMatch(/<h2>API Management gateway token rotated<\/h2>/)
    expect(html).toContain('<td>Previous key regenerated</td><td>false</td>')
  })

  it('adds gateway-url and skipped=false, and the preview rows, for command: preview', async () => {
    await writeReport({ ...report, preview: { pullRequest: 7, gatewayName: 'pr-7', apis: ['echo-api', 'orders-api'], gatewayUrl: 'http://203.0.113.9' } })
    const outputs = Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, value]))
    expect(outputs).toMatchObject({ 'gateway-url': 'http://203.0.113.9', skipped: 'false' })
    expect(outputs.pruned).toBeUndefined()
    const html = readFileSync(summaryFile, 'utf8')
    expect(html).toMatch(/<h2>API Management gateway preview of pull request #7 deployed<\/h2>/)
    expect(html).toContain('<td>APIs</td><td>echo-api, orders-api</td>')
  })

  it('outputs an empty gateway-url when the Service got no address', async () => {
    await writeReport({ ...report, preview: { pullRequest: 7, gatewayName: 'pr-7', apis: [] } })
    const outputs = Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, value]))
    expect(outputs['gateway-url']).toBe('')
    expect(readFileSync(summaryFile, 'utf8')).toContain('<td>Gateway URL</td><td>no load-balancer address yet</td>')
  })

  it('writes a job summary table with the facts', async () => {
    await writeReport(report)
    const html = readFileSync(summaryFile, 'utf8')
    expect(html).toMatch(/<h2>API Management self-hosted gateway deployed<\/h2>/)
    const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map(m => [...m[1].matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map(c => c[1]))
    expect(rows).toEqual([
      ['Fact', 'Value'],
      ['Namespace', 'apim-prod'],
      ['Deployment', 'edge-gw'],
      ['Ready replicas', '2/3'],
      ['Token Secret', 'edge-gw-token'],
      ['Token expires on (UTC)', '2031-01-31T23:59:00.000Z'],
      ['Key the token was minted from', 'secondary'],
      ['Configuration endpoint', 'https://contoso-apim.configuration.azure-api.net']
    ])
  })

  it('says the replicas were not waited for when wait is false', async () => {
    await writeReport({ ...report, waited: false, readyReplicas: 0 })
    const html = readFileSync(summaryFile, 'utf8')
    expect(html).toContain('<td>Ready replicas</td><td>not waited for (3 desired)</td>')
    expect(core.setOutput).toHaveBeenCalledWith('ready-replicas', '0')
  })

  it('contains no form of the token, in the outputs or the summary', async () => {
    await writeReport({ ...report, keyType: 'unknown' })
    const written = readFileSync(summaryFile, 'utf8') + JSON.stringify(core.setOutput.mock.calls)
    for (const form of secretForms(TOKEN)) expect(written).not.toContain(form)
    expect(written).not.toContain('GatewayKey')
  })
})
