/**
 * Container logs and the kubelet endpoint that serves them. The apiserver proxies
 * `GET /api/v1/namespaces/{ns}/pods/{pod}/log` to `https://{InternalIP}:{kubeletEndpoint.Port}/containerLogs/...`
 * without verifying the kubelet's certificate when it has no --kubelet-certificate-authority.
 */
import { EventEmitter } from 'node:events'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { V1ContainerStatus } from '@kubernetes/client-node'

export type LogStream = 'stdout' | 'stderr'
export interface LogLine { time: Date; stream: LogStream; text: string }

/** The output of one container instance; a restart starts a new one. */
export class ContainerLog {
  readonly lines: LogLine[] = []
  private readonly events = new EventEmitter()
  private closed = false

  constructor(readonly containerID: string) {
    this.events.setMaxListeners(0)
  }

  append(text: string, stream: LogStream = 'stdout'): void {
    if (this.closed) return
    for (const part of text.split('\n')) {
      const line = { time: new Date(), stream, text: part }
      this.lines.push(line)
      this.events.emit('line', line)
    }
  }

  /** The instance has exited: followers are released. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.events.emit('close')
  }

  get isClosed(): boolean {
    return this.closed
  }

  follow(onLine: (line: LogLine) => void, onClose: () => void): () => void {
    this.events.on('line', onLine)
    this.events.once('close', onClose)
    return () => {
      this.events.off('line', onLine)
      this.events.off('close', onClose)
    }
  }
}

/** What the log endpoint needs to know about one container of a pod this kubelet runs. */
export interface LogTarget {
  status: V1ContainerStatus
  /** The output of the container instance with this ID, if it still exists. */
  log(containerID: string): ContainerLog | undefined
}

export type LogTargetLookup = (namespace: string, pod: string, container: string) =>
  { found: true; target: LogTarget } | { found: false; reason: 'pod' | 'container' }

export interface LogServer {
  port: number
  close(): Promise<void>
}

export async function startLogServer(lookup: LogTargetLookup): Promise<LogServer> {
  const { key, cert } = await selfSignedLoopbackCert()
  const server = createServer({ key, cert }, (req, res) => handle(lookup, req, res))
  await listen(server)
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server)
  }
}

function handle(lookup: LogTargetLookup, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1')
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname)
  if (req.method !== 'GET' || !match) return reply(res, 404, `404 page not found`)
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent)
  const found = lookup(namespace, pod, container)
  if (!found.found) {
    return found.reason === 'pod'
      ? reply(res, 404, `pod "${namespace}/${pod}" not found`)
      : reply(res, 400, `container "${container}" in pod "${pod}" is not available`)
  }
  const options = parseLogOptions(url.searchParams)
  if (typeof options === 'string') return reply(res, 400, options)
  const chosen = chooseLog(found.target, container, pod, options.previous)
  if (typeof chosen === 'string') return reply(res, 400, chosen)
  streamLog(chosen, options, req, res)
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
  res.end(message)
}

export interface LogOptions {
  follow: boolean
  previous: boolean
  timestamps: boolean
  tailLines?: number
  limitBytes?: number
  sinceMs?: number
  stream: 'All' | 'Stdout' | 'Stderr'
}

/** Query parameters of PodLogOptions, checked the way kubelet's log handler checks them. */
export function parseLogOptions(query: URLSearchParams, now = Date.now()): LogOptions | string {
  const flag = (name: string) => query.get(name) === 'true'
  const integer = (name: string) => (query.has(name) ? Number(query.get(name)) : undefined)
  const tailLines = integer('tailLines')
  const limitBytes = integer('limitBytes')
  const sinceSeconds = integer('sinceSeconds')
  if (tailLines !== undefined && !(tailLines >= 0)) return `tailLines must be a non-negative integer`
  if (limitBytes !== undefined && !(limitBytes >= 1)) return `limitBytes must be a positive integer`
  if (sinceSeconds !== undefined && !(sinceSeconds >= 1)) return `sinceSeconds must be a positive integer`
  const sinceTime = query.get('sinceTime')
  const sinceMs = sinceSeconds !== undefined ? now - sinceSeconds * 1000 : sinceTime ? Date.parse(sinceTime) : undefined
  const stream = query.get('stream') ?? 'All'
  if (stream !== 'All' && stream !== 'Stdout' && stream !== 'Stderr') return `invalid stream ${stream}`
  return { follow: flag('follow'), previous: flag('previous'), timestamps: flag('timestamps'), tailLines, limitBytes, sinceMs, stream }
}

/** kubelet's validateContainerLogStatus: which instance to read, or why there is none. */
function chooseLog(target: LogTarget, container: string, pod: string, previous: boolean): ContainerLog | string {
  const { state = {}, lastState = {}, containerID = '' } = target.status
  const instance = (id: string | undefined) => (id ? target.log(id) : undefined)
  const gone = `container "${container}" in pod "${pod}" is terminated`
  if (previous) {
    return instance(lastState.terminated?.containerID) ?? `previous terminated container "${container}" in pod "${pod}" not found`
  }
  if (state.running) return instance(containerID) ?? gone
  if (state.terminated) return instance(state.terminated.containerID) ?? instance(lastState.terminated?.containerID) ?? gone
  if (lastState.terminated) return instance(lastState.terminated.containerID) ?? gone
  const reason = state.waiting?.reason ?? 'ContainerCreating'
  if (reason === 'ErrImagePull') return `container "${container}" in pod "${pod}" is waiting to start: image can't be pulled`
  if (reason === 'ImagePullBackOff') return `container "${container}" in pod "${pod}" is waiting to start: trying and failing to pull image`
  return `container "${container}" in pod "${pod}" is waiting to start: ${reason}`
}

function streamLog(log: ContainerLog, options: LogOptions, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
  let budget = options.limitBytes ?? Infinity
  const write = (line: LogLine): boolean => {
    if (!wanted(line, options)) return true
    const text = Buffer.from(formatLine(line, options.timestamps))
    const chunk = text.length > budget ? text.subarray(0, budget) : text
    budget -= chunk.length
    res.write(chunk)
    return budget > 0
  }
  const within = selectLines(log.lines, options)
  const more = within.every(write)
  if (!options.follow || !more || log.isClosed) return void res.end()
  const stop = log.follow(
    (line) => { if (!write(line)) finish() },
    () => finish()
  )
  const finish = () => { stop(); res.end() }
  req.on('close', stop)
}

/** kubelet applies the tail first, then the since filter (kuberuntime ReadLogs). */
export function selectLines(lines: LogLine[], options: LogOptions): LogLine[] {
  const streamLines = lines.filter((line) => wanted(line, options))
  const tail = options.tailLines === undefined ? streamLines : streamLines.slice(Math.max(0, streamLines.length - options.tailLines))
  return options.sinceMs === undefined ? tail : tail.filter((line) => line.time.getTime() >= options.sinceMs!)
}

function wanted(line: LogLine, options: LogOptions): boolean {
  return options.stream === 'All' || options.stream.toLowerCase() === line.stream
}

/** kubelet prefixes RFC3339Nano with a fixed nine-digit fraction. */
export function formatLine(line: LogLine, timestamps: boolean): string {
  if (!timestamps) return line.text + '\n'
  const stamp = line.time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
  return `${stamp} ${line.text}\n`
}

async function selfSignedLoopbackCert(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-kubelet-'))
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
      '-subj', '/CN=fake-kubelet', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')
    ])
    return { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    // Followed logs keep connections open; the apiserver also keeps idle keep-alive connections.
    server.closeAllConnections()
  })
}
