/**
 * `npm run bench`: the action's speed on the local cluster and emulator.
 *  - bundle size of dist/index.js;
 *  - cold start: spawning dist/index.js to its first request to the API server (a TCP relay in
 *    front of the API server sees the connection);
 *  - notice latency: from the last pod turning Ready (and from the Deployment reporting the rollout
 *    complete), as seen by an independent watch, to the action's "rollout complete" line;
 *  - total time beside `kubectl apply -f` + `kubectl rollout status` on the same objects, plus the
 *    token call (sign-in + generateToken, timed from the emulator's call log).
 * Targets: notice within 100 ms; total no slower than the kubectl pair plus the token call.
 */
import * as k8s from '@kubernetes/client-node'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { renderManifests } from '../src/kube/manifests.js'
import { parseGatewayToken } from '../src/token.js'
import { createWorld, type World } from './e2e/world.js'
import globalSetup from './global-setup.js'
import globalTeardown from './global-teardown.js'
import { ROOT } from './runner.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const say = (line = ''): void => void process.stdout.write(`${line}\n`)
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const fmt = (values: number[]): string => `median ${median(values).toFixed(0)} ms (runs: ${values.map(v => v.toFixed(0)).join(', ')})`

/** Relays TCP to the API server and remembers when the first connection arrived. */
async function relay(server: string): Promise<{ url: string; firstConnection: () => number | undefined; close: () => void }> {
  const target = new URL(server)
  let first: number | undefined
  const sockets = new Set<Socket>()
  const listener = createServer(client => {
    first ??= Date.now()
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) })
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()) }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>(resolve => listener.listen(0, '127.0.0.1', resolve))
  const port = (listener.address() as { port: number }).port
  return {
    url: `https://127.0.0.1:${port}`,
    firstConnection: () => first,
    close: () => { for (const s of sockets) s.destroy(); listener.close() }
  }
}

/** Watches the world's pods and Deployment; records when the last pod turned Ready and when the rollout completed. */
async function observe(world: World, replicas: number): Promise<{ lastReady: () => number | undefined; complete: () => number | undefined; stop: () => void }> {
  const config = world.cluster.kubeConfig('admin')
  const watch = new k8s.Watch(config)
  const ready = new Set<string>()
  let lastReady: number | undefined
  let complete: number | undefined
  const pods = await watch.watch(`/api/v1/namespaces/${world.namespace}/pods`, {}, (type, pod: k8s.V1Pod) => {
    const isReady = pod.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True')
    if (type !== 'DELETED' && isReady && !ready.has(pod.metadata!.name!)) {
      ready.add(pod.metadata!.name!)
      if (ready.size === replicas) lastReady = Date.now()
    }
  }, () => {})
  const deployments = await watch.watch(`/apis/apps/v1/namespaces/${world.namespace}/deployments`, {}, (_type, d: k8s.V1Deployment) => {
    const s = d.status
    if (complete === undefined && (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && s?.updatedReplicas === replicas && s?.availableReplicas === replicas && s?.replicas === replicas) complete = Date.now()
  }, () => {})
  return { lastReady: () => lastReady, complete: () => complete, stop: () => { pods.abort(); deployments.abort() } }
}

async function tokenCallMs(world: World, sinceSeq: number): Promise<number> {
  const calls = (await world.emulator.calls({ sinceSeq })).filter(c => c.listener !== 'arm' || c.path.includes(world.subscriptionId))
  const mint = calls.filter(c => c.path.endsWith('/generateToken')).at(-1)
  if (!mint || calls.length === 0) throw new Error('no generateToken call recorded')
  return Date.parse(mint.time) + mint.durationMs - Date.parse(calls[0].time)
}

async function kubectlPair(world: World, dir: string): Promise<number> {
  const token = await world.emulator.mintGatewayToken({ subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName, keyType: 'primary', expiry: new Date(Date.now() + 86_400_000) })
  const objects = renderManifests({
    apim: { resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName },
    kube: { namespace: world.namespace, createNamespace: false },
    gateway: { name: 'apim-gateway', authLayout: 'spec', configEndpoint: `https://${world.serviceName}.configuration.azure-api.net`, image: 'mcr.microsoft.com/azure-api-management/gateway:v2', replicas: 2, cpu: '2', memory: '2Gi', serviceType: 'LoadBalancer', logLevel: 'info' }
  }, parseGatewayToken(token)!, 'primary')
  const file = join(dir, `${world.namespace}.yaml`)
  writeFileSync(file, [objects.secret, objects.configMap, objects.service, objects.deployment].map(o => stringify(o)).join('---\n'), { mode: 0o600 })
  const kubeconfig = join(dir, `${world.namespace}.kubeconfig`)
  writeFileSync(kubeconfig, world.cluster.kubeconfigFor('deployer', world.namespace), { mode: 0o600 })
  // Asynchronously: the fake kubelet runs in this process and must keep working meanwhile.
  const kubectl = (args: string[]) => promisify(execFile)(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, '-n', world.namespace, ...args])
  const started = Date.now()
  await kubectl(['apply', '-f', file])
  await kubectl(['rollout', 'status', 'deployment/apim-gateway', '--timeout=60s'])
  return Date.now() - started
}

async function bench(): Promise<number> {
  say(`dist/index.js: ${(statSync(join(ROOT, 'dist', 'index.js')).size / 1024 / 1024).toFixed(2)} MiB`)
  await globalSetup()
  const dir = mkdtempSync(join(tmpdir(), 'apim-bench-'))
  const results = { coldStart: [] as number[], noticePod: [] as number[], noticeDeployment: [] as number[], action: [] as number[], kubectl: [] as number[], token: [] as number[] }
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const world = await createWorld(`bench${round}`)
      const proxy = await relay(world.cluster.server)
      const watcher = await observe(world, 2)
      const sinceSeq = await world.emulator.lastCallSeq()
      let noticed: number | undefined
      const spawned = Date.now()
      const run = await world.run({
        inputs: { kubeconfig: world.cluster.kubeconfigFor('deployer', world.namespace).replace(world.cluster.server, proxy.url) },
        onLine: line => { if (line.includes('rollout complete')) noticed = Date.now() }
      })
      watcher.stop()
      proxy.close()
      if (run.code !== 0) throw new Error(`the action failed in round ${round}:\n${run.log}`)
      const first = proxy.firstConnection()
      if (first === undefined || noticed === undefined || watcher.lastReady() === undefined || watcher.complete() === undefined) throw new Error(`round ${round}: a timestamp is missing`)
      results.coldStart.push(first - spawned)
      results.noticePod.push(noticed - watcher.lastReady()!)
      results.noticeDeployment.push(noticed - watcher.complete()!)
      results.action.push(run.durationMs)
      results.token.push(await tokenCallMs(world, sinceSeq))
      results.kubectl.push(await kubectlPair(await createWorld(`benchk${round}`), dir))
      say(`round ${round}/${ROUNDS} done`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await globalTeardown()
  }
  const target = median(results.kubectl) + median(results.token)
  say()
  say(`cold start, spawn to first API request:        ${fmt(results.coldStart)}`)
  say(`last pod Ready -> action noticed:              ${fmt(results.noticePod)}   (target < 100 ms: ${median(results.noticePod) < 100 ? 'met' : 'MISSED'})`)
  say(`Deployment complete -> action noticed:         ${fmt(results.noticeDeployment)}`)
  say(`action, total (dist/index.js):                 ${fmt(results.action)}`)
  say(`kubectl apply -f + kubectl rollout status:     ${fmt(results.kubectl)}`)
  say(`token call (ID token, Entra, generateToken):   ${fmt(results.token)}`)
  say(`action vs kubectl pair + token call:           ${median(results.action).toFixed(0)} ms vs ${target.toFixed(0)} ms (${median(results.action) <= target ? 'met' : 'MISSED'})`)
  return 0
}

process.exitCode = await bench().catch(error => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  return 1
})
