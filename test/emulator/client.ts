/**
 * Typed client of the emulator's admin API. Holds no state, so any process (a jest worker, the
 * fake kubelet, the demo) can build one from the admin URL and CA published by whoever started
 * the emulator.
 */
import { request } from 'node:https'
import type { CreateJobOptions, JobInfo, JobStats } from './github.js'
import type { AddAppOptions, IssueAccessTokenOptions } from './entra.js'
import type { AddApiOptions, AddServiceOptions, GatewayRef, GatewayStateView, TokenCheck } from './apim.js'
import type { GrantOptions } from './rbac.js'
import type { CallFilter, CallRecord } from './http.js'
import type { FaultSpec } from './faults.js'
import type { KeyType } from './gateway-token.js'
import type { AddRepoOptions, PullSpec } from './github-rest.js'

/** Base URLs of the listeners; githubApi is what GITHUB_API_URL gets (`…/api/v3`, as on GHES). */
export interface EmulatorUrls {
  github: string
  entra: string
  arm: string
  githubApi: string
}

/** An issue comment in the REST API's shape (the fields tests read most are typed). */
export interface IssueCommentView {
  id: number
  body: string
  user: { login: string; type: string }
  html_url: string
  created_at: string
  updated_at: string
  [field: string]: unknown
}

export interface DeploymentStatusView {
  id: number
  state: string
  description: string
  environment: string
  environment_url: string
  log_url: string
  target_url: string
  created_at: string
  [field: string]: unknown
}

/** A deployment in the REST API's shape, plus its statuses (newest first, as the API lists them). */
export interface DeploymentView {
  id: number
  ref: string
  sha: string
  task: string
  environment: string
  description: string | null
  payload: unknown
  transient_environment: boolean
  production_environment: boolean
  created_at: string
  statuses: DeploymentStatusView[]
  [field: string]: unknown
}

export interface PullView {
  number: number
  state: 'open' | 'closed'
  created_at: string
  closed_at: string | null
  merged_at: string | null
  head: { ref: string; sha: string; repo: { full_name: string; fork: boolean } | null }
  base: { ref: string; repo: { full_name: string } }
  [field: string]: unknown
}

export interface GatewayConfigResult {
  ok: boolean
  reason: string
  /** The same outcome as gateway-style console lines. */
  log: string[]
}

export class EmulatorClient {
  constructor(readonly adminUrl: string, private readonly caPem: string) {}

  private call<T>(op: string, arg?: unknown): Promise<T> {
    const url = new URL(`${this.adminUrl.replace(/\/+$/, '')}/${op}`)
    const payload = Buffer.from(JSON.stringify(arg ?? null))
    return new Promise<T>((resolve, reject) => {
      const req = request(url, {
        method: 'POST', ca: this.caPem, agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length) }
      }, res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          let parsed: { result?: T; error?: string }
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          } catch {
            reject(new Error(`emulator admin ${op}: HTTP ${res.statusCode} with a non-JSON body`))
            return
          }
          if (res.statusCode === 200) resolve(parsed.result as T)
          else reject(new Error(`emulator admin ${op}: ${parsed.error ?? `HTTP ${res.statusCode}`}`))
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(payload)
    })
  }

  info(): Promise<EmulatorUrls> { return this.call('info') }

  /** A workflow job: put requestUrl/requestToken in ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN. */
  createJob(o: CreateJobOptions): Promise<JobInfo> { return this.call('createJob', o) }
  jobStats(jobId: string): Promise<JobStats> { return this.call('jobStats', { jobId }) }

  /**
   * A repository of the GitHub REST emulator and a token that may use it (generated when not
   * given; adding the repository again adds another token). Pull requests are its issues.
   */
  addRepo(o: AddRepoOptions): Promise<{ owner: string; repo: string; token: string }> { return this.call('addRepo', o) }
  /** Creates or changes a pull request (close it, merge it, push a new head sha…); unspecified fields keep their value. */
  setPull(owner: string, repo: string, pull: PullSpec): Promise<PullView> { return this.call('setPull', { owner, repo, pull }) }
  /** The comments on issue / pull request `issue`, oldest first. */
  issueComments(owner: string, repo: string, issue: number): Promise<IssueCommentView[]> { return this.call('issueComments', { owner, repo, issue }) }
  /** The repository's deployments, newest first, each with its statuses. */
  deployments(owner: string, repo: string): Promise<DeploymentView[]> { return this.call('deployments', { owner, repo }) }

  addApp(o: AddAppOptions): Promise<{ tenantId: string; clientId: string; objectId: string }> { return this.call('addApp', o) }
  /** Signs an access token directly (for ARM error tests: expired, wrong audience…). */
  async issueAccessToken(o: IssueAccessTokenOptions): Promise<string> {
    return (await this.call<{ accessToken: string }>('issueAccessToken', o)).accessToken
  }

  addService(o: AddServiceOptions): Promise<{ configurationHost: string; resourceId: string }> { return this.call('addService', o) }
  /** An API of an existing service (adding it again updates it); gateways can then be associated with it. */
  addApi(o: AddApiOptions): Promise<{ resourceId: string }> { return this.call('addApi', o) }
  /** Ids of the APIs associated with the gateway, sorted; [] once the gateway is gone. */
  gatewayApis(r: GatewayRef): Promise<string[]> { return this.call('gatewayApis', r) }
  grant(o: GrantOptions): Promise<void> { return this.call('grant', o) }
  async revoke(objectId: string, scope?: string): Promise<number> {
    return (await this.call<{ removed: number }>('revoke', { objectId, scope })).removed
  }

  gatewayState(r: GatewayRef): Promise<GatewayStateView> { return this.call('gatewayState', r) }
  /** A correctly signed token with any expiry (past ones too), bypassing ARM's 30-day rule. */
  async mintGatewayToken(r: GatewayRef & { keyType: KeyType; expiry: string | Date }): Promise<string> {
    const expiry = r.expiry instanceof Date ? r.expiry.toISOString() : r.expiry
    return (await this.call<{ token: string }>('mintGatewayToken', { ...r, expiry })).token
  }
  checkToken(o: { subscriptionId: string; resourceGroup: string; serviceName: string; token: string }): Promise<TokenCheck> {
    return this.call('checkToken', o)
  }
  /** Would a gateway container with this environment authenticate right now? */
  checkGatewayConfig(env: Record<string, string>): Promise<GatewayConfigResult> { return this.call('checkGatewayConfig', { env }) }

  calls(filter: CallFilter = {}): Promise<CallRecord[]> { return this.call('calls', filter) }
  async lastCallSeq(): Promise<number> { return (await this.call<{ seq: number }>('lastCallSeq')).seq }

  async injectFault(spec: FaultSpec): Promise<string> { return (await this.call<{ id: string }>('injectFault', spec)).id }
  fault(id: string): Promise<{ id: string; remaining: number; hits: number }> { return this.call('fault', { id }) }
  async clearFaults(pathIncludes?: string): Promise<number> {
    return (await this.call<{ removed: number }>('clearFaults', { pathIncludes })).removed
  }
}
