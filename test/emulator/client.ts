/**
 * Typed client of the emulator's admin API. Holds no state, so any process (a jest worker, the
 * fake kubelet, the demo) can build one from the admin URL and CA published by whoever started
 * the emulator.
 */
import { request } from 'node:https'
import type { CreateJobOptions, JobInfo, JobStats } from './github.js'
import type { AddAppOptions, IssueAccessTokenOptions } from './entra.js'
import type { AddServiceOptions, GatewayRef, GatewayStateView, TokenCheck } from './apim.js'
import type { GrantOptions } from './rbac.js'
import type { CallFilter, CallRecord } from './http.js'
import type { FaultSpec } from './faults.js'
import type { KeyType } from './gateway-token.js'

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

  info(): Promise<{ github: string; entra: string; arm: string }> { return this.call('info') }

  /** A workflow job: put requestUrl/requestToken in ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN. */
  createJob(o: CreateJobOptions): Promise<JobInfo> { return this.call('createJob', o) }
  jobStats(jobId: string): Promise<JobStats> { return this.call('jobStats', { jobId }) }

  addApp(o: AddAppOptions): Promise<{ tenantId: string; clientId: string; objectId: string }> { return this.call('addApp', o) }
  /** Signs an access token directly (for ARM error tests: expired, wrong audience…). */
  async issueAccessToken(o: IssueAccessTokenOptions): Promise<string> {
    return (await this.call<{ accessToken: string }>('issueAccessToken', o)).accessToken
  }

  addService(o: AddServiceOptions): Promise<{ configurationHost: string; resourceId: string }> { return this.call('addService', o) }
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
