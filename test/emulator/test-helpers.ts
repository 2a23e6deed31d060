/** Helpers for the emulator's own tests (not a test file). */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { request } from 'node:https'
import { fileURLToPath } from 'node:url'
import { dirname, join, resolve } from 'node:path'
import type { Emulator } from './index.js'
import { GITHUB_ISSUER } from './index.js'

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = resolve(here, '..', '..')
export const nodeBin = join(repoRoot, 'node_modules', '.bin', 'node')
export const tsxBin = join(repoRoot, 'node_modules', '.bin', 'tsx')
export const azureClientScript = join(here, 'fixtures', 'azure-client.mjs')
export const githubClientScript = join(here, 'fixtures', 'github-client.mjs')

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** One HTTPS call trusting the emulator CA; never retries (unlike the SDKs). */
export function http(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | object; ca: string }): Promise<HttpResult> {
  const payload = o.body === undefined ? undefined : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body))
  const headers: Record<string, string> = { ...o.headers }
  if (payload) {
    headers['content-length'] = String(payload.length)
    if (typeof o.body === 'object') headers['content-type'] ??= 'application/json'
  }
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers, ca: o.ca, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = text ? JSON.parse(text) : undefined
        } catch {
          json = undefined
        }
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

export function form(fields: Record<string, string | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) p.set(k, v)
  return p.toString()
}

export interface ChildResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a process asynchronously: the emulator lives in this process and must keep answering. */
export function runChild(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(cmd, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    p.stdout.on('data', d => { stdout += d })
    p.stderr.on('data', d => { stderr += d })
    p.on('error', err => { clearTimeout(timer); reject(err) })
    p.on('close', code => { clearTimeout(timer); resolvePromise({ code, stdout, stderr }) })
  })
}

export interface StepResult {
  op: string
  ok: boolean
  value?: any
  error?: { name?: string; statusCode?: number; code?: string; message: string; body?: string; retryAfter?: string }
  /** The HTTP status of the operation's last response, where the fixture records it. */
  status?: number
  ms: number
}

export interface Plan {
  tenantId: string
  clientId: string
  authorityHost: string
  disableInstanceDiscovery?: boolean
  audience?: string
  armEndpoint?: string
  subscriptionId?: string
  credentialScopes?: string
  retryOptions?: Record<string, number>
  steps: { op: string; args?: Record<string, unknown> }[]
}

/** The real @azure/identity + @azure/arm-apimanagement + @actions/core, in a child process. */
export async function runAzureClient(emu: Emulator, plan: Plan, job: { requestUrl: string; requestToken: string }, extraEnv: Record<string, string> = {}): Promise<{ results: StepResult[]; child: ChildResult }> {
  const child = await runChild(nodeBin, [azureClientScript], {
    NODE_EXTRA_CA_CERTS: emu.caFile,
    EMU_PLAN: JSON.stringify(plan),
    ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
    ...extraEnv
  })
  const line = child.stdout.split('\n').find(l => l.startsWith('RESULT '))
  if (!line) throw new Error(`azure-client produced no result (exit ${child.code}):\n${child.stderr}`)
  return { results: JSON.parse(line.slice('RESULT '.length)) as StepResult[], child }
}

export interface GitHubStep {
  op: 'rest' | 'paginate' | 'request' | 'context'
  method?: string
  route?: string
  params?: Record<string, unknown>
}

export interface GitHubStepResult {
  op: string
  ok: boolean
  value?: any
  error?: { name?: string; status?: number; message: string; data?: any; headers?: Record<string, string> }
}

/** The real @actions/github (getOctokit + GITHUB_API_URL), in a child process trusting the emulator CA. */
export async function runGitHubClient(emu: Emulator, token: string, steps: GitHubStep[], extraEnv: Record<string, string> = {}): Promise<{ results: GitHubStepResult[]; child: ChildResult }> {
  const child = await runChild(nodeBin, [githubClientScript], {
    NODE_EXTRA_CA_CERTS: emu.caFile,
    GITHUB_API_URL: emu.urls.githubApi,
    EMU_PLAN: JSON.stringify({ token, steps }),
    ...extraEnv
  })
  const line = child.stdout.split('\n').find(l => l.startsWith('RESULT '))
  if (!line) throw new Error(`github-client produced no result (exit ${child.code}):\n${child.stderr}`)
  return { results: JSON.parse(line.slice('RESULT '.length)) as GitHubStepResult[], child }
}

/** A fresh repository of the GitHub REST emulator with its own token (and pull requests). */
export async function ghRepo(emu: Emulator, o: Partial<import('./index.js').AddRepoOptions> = {}) {
  const short = randomUUID().slice(0, 8)
  const added = await emu.client.addRepo({ owner: `org-${short}`, repo: `app-${short}`, ...o })
  return { ...added, full: `${added.owner}/${added.repo}`, api: `${emu.urls.githubApi}/repos/${added.owner}/${added.repo}` }
}

/** A fresh, isolated world: its own tenant, app, subscription, service, gateway and job. */
export async function world(emu: Emulator, o: { subject?: string; ficSubject?: string; grant?: string[] | false; gateways?: string[] } = {}) {
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const subscriptionId = randomUUID()
  const short = randomUUID().slice(0, 8)
  const resourceGroup = `rg-${short}`
  const serviceName = `apim-${short}`
  const gatewayName = `gw-${short}`
  const subject = o.subject ?? `repo:octo-org/app-${short}:ref:refs/heads/main`
  const app = await emu.client.addApp({
    tenantId, clientId,
    federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: o.ficSubject ?? subject, audiences: ['api://AzureADTokenExchange'] }]
  })
  const svc = await emu.client.addService({ subscriptionId, resourceGroup, serviceName, gateways: o.gateways ?? [gatewayName], tenantId })
  if (o.grant !== false) {
    await emu.client.grant({ objectId: app.objectId, scope: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`, actions: o.grant ?? ['Microsoft.ApiManagement/service/gateways/*'] })
  }
  const job = await emu.client.createJob({ subject })
  const ref = { subscriptionId, resourceGroup, serviceName, gatewayName }
  const base = `${emu.urls.arm}/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ApiManagement/service/${serviceName}`
  const plan = (steps: Plan['steps'], extra: Partial<Plan> = {}): Plan => ({
    tenantId, clientId, authorityHost: emu.urls.entra, disableInstanceDiscovery: true, armEndpoint: emu.urls.arm, subscriptionId, steps, ...extra
  })
  return { tenantId, clientId, objectId: app.objectId, subscriptionId, resourceGroup, serviceName, gatewayName, subject, job, ref, base, configurationHost: svc.configurationHost, plan }
}

export function inDays(days: number): string {
  return new Date(Date.now() + days * 86400_000).toISOString()
}
