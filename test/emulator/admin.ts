/**
 * The admin API tests use to set up and inspect emulator state from any process:
 * `POST /_emulator/<operation>` with a JSON argument, answering `{"result": …}` or a 400
 * `{"error": "<message>"}`. It is served on the github listener and kept out of the call log.
 */
import type { EmuRequest, EmuResponse } from './http.js'
import type { CallFilter, CallLog } from './http.js'
import type { Faults, FaultSpec } from './faults.js'
import type { GitHubOidc } from './github.js'
import type { GitHubRest, PullSpec } from './github-rest.js'
import type { Entra } from './entra.js'
import type { Rbac } from './rbac.js'
import type { Apim, GatewayRef } from './apim.js'
import { checkGatewayConfig, gatewayLog } from './config-check.js'
import type { KeyType } from './gateway-token.js'
import type { EmulatorUrls } from './client.js'

export interface AdminDeps {
  github: GitHubOidc
  githubRest: GitHubRest
  entra: Entra
  apim: Apim
  rbac: Rbac
  faults: Faults
  calls: CallLog
  urls: () => EmulatorUrls
}

// Arguments are parsed JSON from another process; each operation validates what it uses.
type Op = (arg: any) => unknown | Promise<unknown>

export function createAdminHandler(d: AdminDeps): (req: EmuRequest) => Promise<EmuResponse> {
  const ops: Record<string, Op> = {
    info: () => d.urls(),
    createJob: a => d.github.createJob(a),
    jobStats: (a: { jobId: string }) => {
      const s = d.github.jobStats(a?.jobId)
      if (!s) throw new Error(`jobStats: unknown job '${a?.jobId}'`)
      return s
    },
    addRepo: a => d.githubRest.addRepo(a),
    setPull: (a: { owner: string; repo: string; pull: PullSpec }) => d.githubRest.setPull(a?.owner, a?.repo, a?.pull),
    issueComments: (a: { owner: string; repo: string; issue: number }) => d.githubRest.issueComments(a?.owner, a?.repo, a?.issue),
    deployments: (a: { owner: string; repo: string }) => d.githubRest.deployments(a?.owner, a?.repo),
    addApp: a => d.entra.addApp(a),
    issueAccessToken: async a => ({ accessToken: await d.entra.issueAccessToken(a) }),
    addService: a => d.apim.addService(a),
    addApi: a => d.apim.addApi(a),
    gatewayApis: (a: GatewayRef) => d.apim.gatewayApis(a),
    grant: a => {
      d.rbac.grant(a)
      return {}
    },
    revoke: (a: { objectId: string; scope?: string }) => ({ removed: d.rbac.revoke(a.objectId, a.scope) }),
    gatewayState: (a: GatewayRef) => d.apim.gatewayState(a),
    mintGatewayToken: (a: GatewayRef & { keyType: KeyType; expiry: string }) => ({ token: d.apim.mintToken(a) }),
    checkToken: (a: { subscriptionId: string; resourceGroup: string; serviceName: string; token: string }) => {
      const svc = d.apim.service(a.subscriptionId, a.resourceGroup, a.serviceName)
      if (!svc) throw new Error(`checkToken: service '${a.serviceName}' not found`)
      return d.apim.checkToken(svc, a.token)
    },
    checkGatewayConfig: (a: { env: Record<string, string> }) => {
      const env = a?.env ?? {}
      const r = checkGatewayConfig(d.apim, env)
      return { ...r, log: gatewayLog(env, r) }
    },
    calls: (a: CallFilter) => d.calls.list(a ?? {}),
    lastCallSeq: () => ({ seq: d.calls.lastSeq() }),
    injectFault: (a: FaultSpec) => ({ id: d.faults.add(a).id }),
    fault: (a: { id: string }) => {
      const f = d.faults.get(a?.id)
      if (!f) throw new Error(`fault: unknown fault '${a?.id}'`)
      return { id: f.id, remaining: f.remaining, hits: f.hits }
    },
    clearFaults: (a: { pathIncludes?: string } | undefined) => ({ removed: d.faults.clear(a?.pathIncludes) })
  }
  return async req => {
    const name = req.path.slice('/_emulator/'.length)
    const op = Object.hasOwn(ops, name) ? ops[name] : undefined
    if (!op) return { status: 404, body: { error: `unknown admin operation '${name}'` } }
    if (req.method !== 'POST') return { status: 405, body: { error: 'admin operations are POST' } }
    let arg: unknown
    try {
      arg = req.body.length ? JSON.parse(req.body.toString('utf8')) : undefined
    } catch {
      return { status: 400, body: { error: 'admin request body is not JSON' } }
    }
    try {
      return { status: 200, body: { result: (await op(arg)) ?? null } }
    } catch (err) {
      return { status: 400, body: { error: (err as Error).message } }
    }
  }
}
