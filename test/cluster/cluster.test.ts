/**
 * The launcher itself: the shared cluster (started by globalSetup) behaves like a real one for
 * both users, and clusters started here run side by side and leave nothing behind.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { ensureBinaries } from './build.js'
import { connectCluster, startCluster, type Cluster, type ClusterAccess } from './cluster.js'

const REPO = join(import.meta.dirname, '..', '..')

let shared: ClusterAccess
beforeAll(() => {
  shared = connectCluster()
})

function uniqueNamespace(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`
}

/** HTTP status of a failed client-node call, or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call
    return 'ok'
  } catch (err) {
    if (err instanceof k8s.ApiException) return err.code
    throw err
  }
}

/** Processes whose command line mentions `dir`: cluster processes and the watchdog all do. */
function processesMentioning(dir: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ').slice(0, 120)}`)
    } catch {
      // exited while we looked
    }
  }
  return found
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return true
}

describe('the shared cluster', () => {
  test('answers the admin user with the pinned Kubernetes version', async () => {
    const admin = shared.kubeConfig('admin')
    const version = await admin.makeApiClient(k8s.VersionApi).getCode()
    expect(version.gitVersion).toBe('v1.37.2')
    const namespaces = await admin.makeApiClient(k8s.CoreV1Api).listNamespace()
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system']))
  })

  test('kubeconfig has admin as current context and deployer as the other', () => {
    const kc = new k8s.KubeConfig()
    kc.loadFromString(shared.kubeconfig)
    expect(kc.getCurrentContext()).toBe('admin')
    expect(kc.getContexts().map((c) => c.name).sort()).toEqual(['admin', 'deployer'])
    expect(readFileSync(shared.kubeconfigPath, 'utf8')).toBe(shared.kubeconfig)
  })

  test('deployer may server-side apply in its namespace and is refused (403) outside it', async () => {
    const ns = uniqueNamespace('deployer')
    const elsewhere = uniqueNamespace('elsewhere')
    await shared.createNamespace(ns, { labels: { purpose: 'launcher-test' } })
    await shared.createNamespace(elsewhere, { deployer: false })
    const objects = k8s.KubernetesObjectApi.makeApiClient(shared.kubeConfig('deployer', ns))
    const core = shared.kubeConfig('deployer', ns).makeApiClient(k8s.CoreV1Api)
    const configMap = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace }, data: { a: '1' } })
    const apply = (namespace: string) => objects.patch(configMap(namespace), undefined, undefined, 'launcher-test', true, k8s.PatchStrategy.ServerSideApply)

    expect(await outcome(apply(ns))).toBe('ok')
    expect(await outcome(core.listNamespacedPod({ namespace: ns }))).toBe('ok')
    expect(await outcome(apply(elsewhere))).toBe(403)
    expect(await outcome(core.listNamespacedPod({ namespace: 'kube-system' }))).toBe(403)
    expect(await outcome(core.listNamespace())).toBe(403)
    expect(await outcome(core.deleteNamespacedConfigMap({ name: 'probe', namespace: ns }))).toBe(403)
  })

  test('createNamespace sets labels and annotations and waits for the default ServiceAccount', async () => {
    const ns = uniqueNamespace('labelled')
    await shared.createNamespace(ns, { labels: { a: 'b' }, annotations: { 'fake-kubelet.test/scenario': 'never-ready' } })
    const core = shared.kubeConfig('admin').makeApiClient(k8s.CoreV1Api)
    const created = await core.readNamespace({ name: ns })
    expect(created.metadata?.labels).toMatchObject({ a: 'b' })
    expect(created.metadata?.annotations).toMatchObject({ 'fake-kubelet.test/scenario': 'never-ready' })
    expect(await outcome(core.readNamespacedServiceAccount({ name: 'default', namespace: ns }))).toBe('ok')
  })
})

describe('the Role of examples/kubernetes-role.yaml', () => {
  type Check = { verb: string; resource: string; group?: string; subresource?: string }
  const allowed: Check[] = [
    ...['secrets', 'configmaps', 'services'].flatMap((resource) => ['get', 'create', 'patch'].map((verb) => ({ verb, resource }))),
    ...['get', 'list', 'watch', 'create', 'patch'].map((verb) => ({ verb, resource: 'deployments', group: 'apps' })),
    ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'replicasets', group: 'apps' })),
    ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'pods' })),
    { verb: 'get', resource: 'pods', subresource: 'log' },
    ...['list', 'watch'].flatMap((verb) => [{ verb, resource: 'events' }, { verb, resource: 'events', group: 'events.k8s.io' }]),
    ...['get', 'create', 'update', 'delete'].map((verb) => ({ verb, resource: 'leases', group: 'coordination.k8s.io' }))
  ]
  const refused: Check[] = [
    ...['secrets', 'configmaps', 'services'].flatMap((resource) => ['delete', 'update', 'list'].map((verb) => ({ verb, resource }))),
    { verb: 'delete', resource: 'deployments', group: 'apps' },
    { verb: 'update', resource: 'deployments', group: 'apps' },
    { verb: 'create', resource: 'pods' },
    { verb: 'create', resource: 'pods', subresource: 'exec' },
    { verb: 'create', resource: 'roles', group: 'rbac.authorization.k8s.io' },
    { verb: 'list', resource: 'leases', group: 'coordination.k8s.io' }
  ]

  let ns: string
  let authz: k8s.AuthorizationV1Api
  beforeAll(async () => {
    ns = uniqueNamespace('role')
    await shared.createNamespace(ns)
    authz = shared.kubeConfig('deployer', ns).makeApiClient(k8s.AuthorizationV1Api)
  })

  async function deployerMay(c: Check, namespace: string): Promise<boolean> {
    const review = await authz.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace, verb: c.verb, group: c.group ?? '', resource: c.resource, subresource: c.subresource } } }
    })
    return review.status?.allowed === true
  }

  const label = (c: Check) => `${c.verb} ${c.group ? `${c.group}/` : ''}${c.resource}${c.subresource ? `/${c.subresource}` : ''}`

  test.each(allowed.map((c) => [label(c), c] as const))('grants %s in its namespace', async (_, c) => {
    expect(await deployerMay(c, ns)).toBe(true)
    expect(await deployerMay(c, 'kube-system')).toBe(false)
  })

  test.each(refused.map((c) => [label(c), c] as const))('withholds %s', async (_, c) => {
    expect(await deployerMay(c, ns)).toBe(false)
  })
})

describe('startCluster', () => {
  test('runs a second cluster beside the shared one, and stop() leaves no process or directory', async () => {
    const cluster: Cluster = await startCluster({ log: () => {} })
    let stopped = false
    try {
      expect(cluster.server).not.toBe(shared.server)
      expect(cluster.startupMs).toBeLessThan(30_000)
      const versions = await Promise.all([cluster, shared].map((c) => c.kubeConfig().makeApiClient(k8s.VersionApi).getCode()))
      expect(versions.map((v) => v.gitVersion)).toEqual(['v1.37.2', 'v1.37.2'])
      expect(cluster.processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager'])
      expect(processesMentioning(cluster.dir).length).toBeGreaterThanOrEqual(4) // 3 processes + watchdog
      await cluster.stop()
      stopped = true
      expect(cluster.processes.filter((p) => isAlive(p.pid))).toEqual([])
      expect(processesMentioning(cluster.dir)).toEqual([])
      expect(existsSync(cluster.dir)).toBe(false)
    } finally {
      if (!stopped) await cluster.stop()
    }
  })

  test('a failing process makes startCluster reject with its log, and leaves nothing behind', async () => {
    const binaries = await ensureBinaries()
    // etcd rejects the apiserver's flags: a real, fast startup failure.
    const message = await startCluster({ log: () => {}, binaries: { ...binaries, kubeApiserver: binaries.etcd } }).then(
      async (unexpected) => { await unexpected.stop(); return 'started' },
      (err: Error) => err.message)
    expect(message).toMatch(/kube-apiserver exited while waiting for kube-apiserver \/readyz[\s\S]*flag provided but not defined/)
    const dir = /Last lines of (\/\S+)\/kube-apiserver\.log/.exec(message)?.[1]
    expect(dir).toBeDefined()
    expect(existsSync(dir!)).toBe(false)
    expect(processesMentioning(dir!)).toEqual([])
  })

  test('the watchdog kills the cluster and removes its directory when the parent is SIGKILLed', async () => {
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx')
    const parent = spawn(tsx, [join(import.meta.dirname, 'fixtures', 'hold-cluster.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        parent.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes('\n')) resolve(out.split('\n')[0]!)
        })
        parent.once('exit', (code) => reject(new Error(`hold-cluster exited early (${code}): ${out}`)))
      })
      const held = JSON.parse(line) as { pid: number; dir: string; pids: number[] }
      expect(held.pids.every(isAlive)).toBe(true)
      process.kill(held.pid, 'SIGKILL')
      // Killed children whose parent is gone are zombies until init reaps them; none may still run.
      // A dying process can briefly be neither running nor a zombie, hence `eventually`.
      const running = () => held.pids.filter((pid) => isAlive(pid) && !isZombie(pid))
      await eventually(() => !existsSync(held.dir) && processesMentioning(held.dir).length === 0 && running().length === 0, 15_000)
      expect(existsSync(held.dir)).toBe(false)
      expect(processesMentioning(held.dir)).toEqual([])
      expect(running()).toEqual([])
    } finally {
      parent.kill('SIGKILL')
    }
  })
})

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
