/**
 * The HTTPS plumbing shared by the listeners: body reading, JSON answers, the call log and
 * fault injection. Handlers are pure `(request) => response` functions so each service module
 * stays about its own contract.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Faults, ListenerName } from './faults.js'
import type { TlsMaterial } from './tls.js'

export interface EmuRequest {
  method: string
  url: URL
  /** Decoded path, no query string. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface EmuResponse {
  status: number
  headers?: Record<string, string>
  /** An object is sent as JSON, a string as text; undefined sends no body. */
  body?: unknown
}

export type Handler = (req: EmuRequest) => Promise<EmuResponse>

export interface CallRecord {
  seq: number
  time: string
  listener: ListenerName
  method: string
  /** Path only: query strings, headers and bodies can carry secrets and are never recorded. */
  path: string
  status: number
  durationMs: number
  faultId?: string
}

export interface CallFilter {
  listener?: ListenerName
  subscriptionId?: string
  tenantId?: string
  /** `owner/repo`: calls of the GitHub REST listener for that repository. */
  repo?: string
  pathIncludes?: string
  sinceSeq?: number
}

export class CallLog {
  private readonly records: CallRecord[] = []
  private seq = 0
  // Bounded so a long-lived emulator (the demo, a watch-mode run) cannot grow without limit.
  private static readonly MAX = 100_000

  record(r: Omit<CallRecord, 'seq' | 'time'>): CallRecord {
    const rec: CallRecord = { seq: ++this.seq, time: new Date().toISOString(), ...r }
    this.records.push(rec)
    if (this.records.length > CallLog.MAX) this.records.splice(0, this.records.length - CallLog.MAX)
    return rec
  }

  list(f: CallFilter = {}): CallRecord[] {
    return this.records.filter(r => {
      const p = r.path.toLowerCase()
      if (f.listener && r.listener !== f.listener) return false
      if (f.sinceSeq !== undefined && r.seq <= f.sinceSeq) return false
      if (f.subscriptionId && !(r.listener === 'arm' && p.startsWith(`/subscriptions/${f.subscriptionId.toLowerCase()}/`))) return false
      if (f.tenantId && !(r.listener === 'entra' && p.startsWith(`/${f.tenantId.toLowerCase()}/`))) return false
      if (f.repo && !(r.listener === 'githubApi' && p.startsWith(`/api/v3/repos/${f.repo.toLowerCase()}/`))) return false
      if (f.pathIncludes && !p.includes(f.pathIncludes.toLowerCase())) return false
      return true
    })
  }

  lastSeq(): number {
    return this.seq
  }
}

export interface ListenerContext {
  faults: Faults
  calls: CallLog
  log: (line: string) => void
  /** Routes under /_emulator/ go here, untouched by faults and absent from the call log. */
  admin?: Handler
}

export interface Listener {
  name: ListenerName
  url: string
  server: Server
  close(): Promise<void>
}

function readBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function serialize(res: EmuResponse): { headers: Record<string, string>; payload?: Buffer } {
  const headers: Record<string, string> = { 'cache-control': 'no-cache, no-store', ...res.headers }
  if (res.body === undefined || res.status === 204) return { headers }
  if (Buffer.isBuffer(res.body)) return { headers, payload: res.body }
  if (typeof res.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8'
    return { headers, payload: Buffer.from(res.body) }
  }
  headers['content-type'] ??= 'application/json; charset=utf-8'
  return { headers, payload: Buffer.from(JSON.stringify(res.body)) }
}

/** The body a fault answers with when the test gives none: each service's usual shape. */
function defaultFaultBody(listener: ListenerName, status: number): unknown {
  if (status < 400) return undefined
  if (listener === 'arm') {
    if (status === 429) {
      return { error: { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits' } }
    }
    return { error: { code: status >= 500 ? 'InternalServerError' : 'BadRequest', message: `Encountered internal server error. Diagnostic information: timestamp '${new Date().toISOString()}', tracking id '${randomUUID()}'.` } }
  }
  if (listener === 'entra') {
    const now = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
    const trace = randomUUID()
    const correlation = randomUUID()
    return {
      error: 'temporarily_unavailable',
      error_description: `AADSTS90033: A transient error has occurred. Please try again. Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${now}`,
      error_codes: [90033], timestamp: now, trace_id: trace, correlation_id: correlation,
      error_uri: 'https://login.microsoftonline.com/error?code=90033'
    }
  }
  if (listener === 'githubApi') {
    if (status === 403 || status === 429) {
      return { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: String(status) }
    }
    return { message: status >= 500 ? 'Server Error' : 'Bad Request', status: String(status) }
  }
  return undefined
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export async function startListener(name: ListenerName, tls: TlsMaterial, handler: Handler, ctx: ListenerContext): Promise<Listener> {
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const started = Date.now()
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', `https://127.0.0.1`)
      let path: string
      try {
        path = decodeURIComponent(url.pathname)
      } catch {
        path = url.pathname
      }
      const request: EmuRequest = { method: (req.method ?? 'GET').toUpperCase(), url, path, query: url.searchParams, headers: req.headers, body }
      const isAdmin = ctx.admin !== undefined && path.startsWith('/_emulator/')
      let response: EmuResponse
      let faultId: string | undefined
      if (isAdmin) {
        response = await ctx.admin!(request)
      } else {
        const fault = ctx.faults.take(name, request.method, url.pathname + url.search)
        if (fault?.delayMs) await sleep(fault.delayMs)
        if (fault?.status !== undefined) {
          faultId = fault.id
          response = { status: fault.status, headers: fault.headers, body: fault.body ?? defaultFaultBody(name, fault.status) }
        } else {
          response = await handler(request)
          if (fault) {
            faultId = fault.id
            response = { ...response, headers: { ...response.headers, ...fault.headers } }
          }
        }
      }
      const { headers, payload } = serialize(response)
      if (payload) headers['content-length'] = String(payload.length)
      res.writeHead(response.status, headers)
      res.end(request.method === 'HEAD' ? undefined : payload)
      if (!isAdmin) {
        const rec = ctx.calls.record({ listener: name, method: request.method, path: url.pathname, status: response.status, durationMs: Date.now() - started, faultId })
        ctx.log(`${name} ${rec.method} ${rec.path} -> ${rec.status}${faultId ? ' (injected)' : ''} ${rec.durationMs}ms`)
      }
    })().catch(err => {
      ctx.log(`${name} internal error: ${(err as Error).message}`)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('emulator internal error')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    name, server, url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

export function json(status: number, body: unknown, headers?: Record<string, string>): EmuResponse {
  return { status, body, headers }
}

export function bearer(req: EmuRequest): string | undefined {
  const h = req.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
  return m ? m[1] : ''
}
