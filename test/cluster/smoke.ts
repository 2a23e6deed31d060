/**
 * `npm run cluster:smoke`: end-to-end proof that the harness is a working cluster. Starts a
 * cluster and the fake kubelet, then, as the least-privileged `deployer`, applies a two-replica
 * Deployment, waits for its rollout, reads a pod's logs and is refused outside its namespace.
 * Exits 0 only when every step passed.
 *
 * Uses the `kubectl` on PATH (or $KUBECTL); with none, or KUBECTL=none, the same steps run
 * through @kubernetes/client-node.
 */
import { execFile } from 'node:child_process'
import { accessSync, constants, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { stringify } from 'yaml'
import { ensureBinaries, formatDuration } from './build.js'
import { startCluster, type Cluster } from './cluster.js'
import { startFakeKubelet, type ReadinessDecider } from './kubelet.js'

const NAMESPACE = 'smoke'
const APP = 'smoke'
const GREETING = 'hello from the smoke test'
const ROLLOUT_TIMEOUT_S = 60

/** The four operations the smoke test needs, by kubectl or by client-node. */
interface Kube {
  readonly via: string
  apply(manifest: string): Promise<string>
  rolloutStatus(deployment: string, timeoutS: number): Promise<string>
  firstPod(selector: string): Promise<string>
  logs(pod: string): Promise<string>
  /** Resolves with the refusal when listing pods in `namespace` is forbidden; rejects otherwise. */
  expectForbiddenListingPods(namespace: string): Promise<string>
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: APP, namespace: NAMESPACE },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: APP } },
    template: {
      metadata: { labels: { app: APP } },
      spec: {
        containers: [{
          name: 'app',
          image: 'registry.example/smoke:1',
          env: [{ name: 'GREETING', value: GREETING }],
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 }
        }]
      }
    }
  }
}

/** Ready once the kubelet resolved the container's environment; logs prove it. */
const smokeDecider: ReadinessDecider = async ({ pod, env }) => {
  const greeting = env.GREETING ?? ''
  return { ready: greeting.length > 0, log: [`${pod}: ${greeting || 'GREETING is not set'}`] }
}

// --- kubectl ---

function findKubectl(): string | undefined {
  if (process.env.KUBECTL === 'none') return undefined
  if (process.env.KUBECTL) return process.env.KUBECTL
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

class KubectlFailed extends Error {
  constructor(readonly args: string[], readonly code: number | string | null, readonly stdout: string, readonly stderr: string) {
    super(`kubectl ${args.join(' ')} failed (${code}):\n${stderr || stdout}`)
  }
}

function kubectl(bin: string, kubeconfigPath: string, args: string[], stdin?: string): Promise<string> {
  const fullArgs = ['--kubeconfig', kubeconfigPath, ...args]
  return new Promise((resolve, reject) => {
    const child = execFile(bin, fullArgs, { timeout: (ROLLOUT_TIMEOUT_S + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new KubectlFailed(args, (err as { code?: number | string }).code ?? null, stdout, stderr))
      else resolve(stdout.trim())
    })
    child.stdin?.end(stdin ?? '')
  })
}

function kubectlKube(bin: string, kubeconfigPath: string): Kube {
  const run = (args: string[], stdin?: string) => kubectl(bin, kubeconfigPath, args, stdin)
  return {
    via: `kubectl (${bin})`,
    apply: (manifest) => run(['apply', '-f', '-'], manifest),
    rolloutStatus: (name, timeoutS) => run(['rollout', 'status', `deployment/${name}`, `--timeout=${timeoutS}s`]),
    firstPod: (selector) => run(['get', 'pods', '-l', selector, '-o', 'jsonpath={.items[0].metadata.name}']),
    logs: (pod) => run(['logs', pod]),
    async expectForbiddenListingPods(namespace) {
      try {
        await run(['get', 'pods', '-n', namespace])
      } catch (err) {
        if (err instanceof KubectlFailed && /\(Forbidden\)/.test(err.stderr)) return err.stderr.trim()
        throw err
      }
      throw new Error(`deployer could list pods in ${namespace}`)
    }
  }
}

// --- client-node ---

function clientNodeKube(kc: k8s.KubeConfig, namespace: string): Kube {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
  return {
    via: '@kubernetes/client-node (no kubectl found)',
    async apply(manifest) {
      const obj = JSON.parse(manifest) as k8s.KubernetesObject
      await objects.patch(obj, undefined, undefined, 'smoke', true, k8s.PatchStrategy.ServerSideApply)
      return `${obj.kind}/${obj.metadata?.name} serverside-applied`
    },
    rolloutStatus: (name, timeoutS) => waitForRollout(apps, namespace, name, timeoutS),
    async firstPod(selector) {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: selector })
      return pods.items[0]?.metadata?.name ?? ''
    },
    logs: (pod) => core.readNamespacedPodLog({ name: pod, namespace }),
    async expectForbiddenListingPods(other) {
      try {
        await core.listNamespacedPod({ namespace: other })
      } catch (err) {
        if (err instanceof k8s.ApiException && err.code === 403) return `403 Forbidden: ${String(err.body).trim().slice(0, 300)}`
        throw err
      }
      throw new Error(`deployer could list pods in ${other}`)
    }
  }
}

/** kubectl's rollout-status rules for a Deployment, by polling. */
async function waitForRollout(apps: k8s.AppsV1Api, namespace: string, name: string, timeoutS: number): Promise<string> {
  const deadline = Date.now() + timeoutS * 1000
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name, namespace })
    const s = d.status ?? {}
    const want = d.spec?.replicas ?? 1
    const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')
    if (stalled) throw new Error(`deployment ${name} exceeded its progress deadline`)
    const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
    if (observed && (s.updatedReplicas ?? 0) >= want && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
      (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)) {
      return `deployment "${name}" successfully rolled out`
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutS}s waiting for deployment ${name}: ${JSON.stringify(s)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

// --- steps ---

let stepNo = 0
async function step<T>(title: string, fn: () => Promise<T>, show: (r: T) => string | undefined = () => undefined): Promise<T> {
  stepNo++
  const started = Date.now()
  process.stdout.write(`[${stepNo}] ${title} …\n`)
  try {
    const result = await fn()
    const detail = show(result)
    process.stdout.write(`    ok (${formatDuration(Date.now() - started)})${detail ? `\n${indent(detail)}` : ''}\n`)
    return result
  } catch (err) {
    process.stdout.write(`    FAILED (${formatDuration(Date.now() - started)})\n`)
    throw new Error(`step ${stepNo} "${title}" failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `      ${l}`).join('\n')
}

async function smoke(resources: { cluster?: Cluster; stopKubelet?: () => Promise<void> }): Promise<void> {
  await step('build or find the control-plane binaries', () => ensureBinaries())
  const cluster = await step('start etcd, kube-apiserver and kube-controller-manager', () => startCluster({ log: () => {} }),
    (c) => `${c.server}, ready in ${c.startupMs} ms`)
  resources.cluster = cluster
  const kubelet = await step('start the fake kubelet', () => startFakeKubelet({ kubeconfig: cluster.kubeconfig, decider: smokeDecider, log: () => {} }),
    (k) => `node ${k.nodeName}`)
  resources.stopKubelet = () => kubelet.stop()
  await step(`create namespace ${NAMESPACE} with the deployer Role`, () => cluster.createNamespace(NAMESPACE))

  const kubeconfigPath = join(cluster.dir, 'deployer.kubeconfig')
  writeFileSync(kubeconfigPath, cluster.kubeconfigFor('deployer', NAMESPACE), { mode: 0o600 })
  const bin = findKubectl()
  const kube = bin ? kubectlKube(bin, kubeconfigPath) : clientNodeKube(cluster.kubeConfig('deployer', NAMESPACE), NAMESPACE)
  console.log(`    (as deployer, via ${kube.via})`)

  const manifest = bin ? stringify(deployment) : JSON.stringify(deployment)
  await step('apply a two-replica Deployment', () => kube.apply(manifest), (out) => out)
  await step('wait for the rollout', () => kube.rolloutStatus(APP, ROLLOUT_TIMEOUT_S), (out) => out)
  const pod = await step('find one of its pods', () => kube.firstPod(`app=${APP}`), (p) => p)
  if (!pod) throw new Error('no pod found for the rolled-out Deployment')
  await step(`read the logs of ${pod}`, async () => {
    const logs = await kube.logs(pod)
    if (!logs.includes(GREETING)) throw new Error(`logs lack "${GREETING}":\n${logs}`)
    return logs
  }, (l) => l.trim())
  await step('deployer is refused (403) listing pods in kube-system', () => kube.expectForbiddenListingPods('kube-system'), (m) => m)
}

async function main(): Promise<number> {
  const started = Date.now()
  const resources: { cluster?: Cluster; stopKubelet?: () => Promise<void> } = {}
  let failure: unknown
  try {
    await smoke(resources)
  } catch (err) {
    failure = err
  }
  try {
    if (resources.stopKubelet) await step('stop the fake kubelet', resources.stopKubelet)
    if (resources.cluster) await step('stop the cluster', () => resources.cluster!.stop())
  } catch (err) {
    failure ??= err
  }
  if (failure) {
    console.error(`\nSMOKE TEST FAILED after ${formatDuration(Date.now() - started)}: ${failure instanceof Error ? failure.message : String(failure)}`)
    return 1
  }
  console.log(`\nsmoke test passed in ${formatDuration(Date.now() - started)}`)
  return 0
}

process.exitCode = await main()
