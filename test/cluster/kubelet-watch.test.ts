/**
 * The fake kubelet's list-then-watch loop against a scripted endpoint: the paths a fresh local
 * cluster cannot be made to take on demand (a dropped watch, 410 Gone).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { PodWatcher } from './fake-kubelet/watch.js'

const pod = (name: string, resourceVersion: string): V1Pod => ({ metadata: { name, namespace: 'ns', uid: name, resourceVersion } })

/** Answers lists from `lists` and watches from `watches`, in order, recording what was asked. */
class ScriptedApiserver {
  readonly requests: string[] = []
  private readonly open = new Set<ServerResponse>()
  private server?: Server

  constructor(
    private readonly lists: Array<{ items: V1Pod[]; resourceVersion: string }>,
    private readonly watches: Array<(res: ServerResponse) => void>
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.answer(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.open.forEach((res) => res.destroy())
    await new Promise((resolve) => this.server?.close(resolve))
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const watching = url.searchParams.get('watch') === 'true'
    this.requests.push(watching ? `watch from ${url.searchParams.get('resourceVersion')}` : 'list')
    const next = watching ? this.watches.shift() : this.lists.shift()
    if (!next) return void res.writeHead(500).end()
    res.writeHead(200, { 'Content-Type': 'application/json' })
    if (typeof next === 'function') {
      this.open.add(res)
      next(res)
    } else {
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: next.resourceVersion }, items: next.items }))
    }
  }
}

const event = (res: ServerResponse, type: string, object: object) => res.write(JSON.stringify({ type, object }) + '\n')

it('resumes a dropped watch from the last version seen and relists after 410 Gone', async () => {
  const apiserver = new ScriptedApiserver(
    [{ items: [pod('a', '10')], resourceVersion: '10' }, { items: [pod('c', '20')], resourceVersion: '20' }],
    [
      (res) => { event(res, 'ADDED', pod('b', '11')); res.end() },
      (res) => { event(res, 'ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 11 (15)' }); res.end() },
      (res) => { event(res, 'MODIFIED', pod('c', '21')) }
    ]
  )
  const server = await apiserver.start()
  const calls: string[] = []
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromOptions({
    // client-node refuses plain http unless TLS verification is off.
    clusters: [{ name: 'c', server, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x'
  })
  const watcher = new PodWatcher(kubeConfig, kubeConfig.makeApiClient(CoreV1Api), {
    replaceAll: (pods) => calls.push(`replaceAll ${pods.map((p) => p.metadata?.name).join(',')}`),
    upsert: (p) => calls.push(`upsert ${p.metadata?.name}@${p.metadata?.resourceVersion}`),
    remove: (p) => calls.push(`remove ${p.metadata?.name}`)
  }, () => {})
  try {
    await watcher.start()
    const deadline = Date.now() + 10_000
    while (!calls.includes('upsert c@21') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  } finally {
    await watcher.stop()
    await apiserver.stop()
  }
  expect(apiserver.requests).toEqual(['list', 'watch from 10', 'watch from 11', 'list', 'watch from 20'])
  expect(calls).toEqual(['replaceAll a', 'upsert b@11', 'replaceAll c', 'upsert c@21'])
})
