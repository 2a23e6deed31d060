/**
 * The fake kubelet against a real control plane of its own (its own cluster, so that its node,
 * decider and timeScale are under this file's control and no other kubelet competes for pods).
 */
import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import * as k8s from '@kubernetes/client-node'
import { startCluster, type Cluster } from './cluster.js'
import { acceptAnyToken, SCENARIO_ANNOTATION, startFakeKubelet, type FakeKubelet, type ReadinessDecider } from './kubelet.js'

/** 5 s probe periods become 100 ms, the first crash-loop back-off 200 ms. */
const TIME_SCALE = 0.02
const NODE = 'kubelet-under-test'
const IMAGE = 'mcr.microsoft.com/azure-api-management/gateway:v2'
const ENDPOINT = 'https://gw-test.configuration.azure-api.net'

let cluster: Cluster | undefined
let kubelet: FakeKubelet | undefined
let kc: k8s.KubeConfig
let core: k8s.CoreV1Api
let apps: k8s.AppsV1Api
const kubeletLog: string[] = []

/** Tests swap the decider per namespace; calls are recorded for assertions. */
const deciders = new Map<string, ReadinessDecider>()
const deciderCalls: Array<Parameters<ReadinessDecider>[0] & { at: number; ready: boolean }> = []
const decider: ReadinessDecider = async (c) => {
  const verdict = await (deciders.get(c.namespace) ?? acceptAnyToken)(c)
  deciderCalls.push({ ...c, at: Date.now(), ready: verdict.ready })
  return verdict
}

beforeAll(async () => {
  cluster = await startCluster({ log: () => {} })
  kubelet = await startFakeKubelet({ kubeconfig: cluster.kubeconfig, nodeName: NODE, timeScale: TIME_SCALE, decider, log: (l) => kubeletLog.push(l) })
  kc = cluster.kubeConfig('admin')
  core = kc.makeApiClient(k8s.CoreV1Api)
  apps = kc.makeApiClient(k8s.AppsV1Api)
}, 600_000)

afterAll(async () => {
  try {
    await kubelet?.stop()
  } finally {
    await cluster?.stop()
  }
})

const histories: PodHistory[] = []
afterEach(() => {
  histories.splice(0).forEach((h) => h.stop())
})

describe('node', () => {
  it('registers a Ready node with its log endpoint, a fresh lease and no not-ready taint', async () => {
    const node = await core.readNode({ name: NODE })
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' })
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' })
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0)
    expect(node.status?.allocatable).toMatchObject({ cpu: '64', memory: '256Gi', pods: '110' })
    expect(node.spec?.taints ?? []).toEqual([])
    const lease = await kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' })
    expect(lease.spec?.holderIdentity).toBe(NODE)
    expect(Date.now() - new Date(lease.spec!.renewTime!).getTime()).toBeLessThan(60_000)
    expect(lease.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: NODE, uid: node.metadata?.uid })
  })
})

describe('Deployments', () => {
  it('makes a two-replica Deployment Available, with the environment resolved as kubelet would', async () => {
    const ns = await namespace('available')
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gw-config' }, data: { 'config.service.endpoint': ENDPOINT } } })
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'gw-token' }, stringData: { value: 'GatewayKey gw&2030&sig' } } })
    await apps.createNamespacedDeployment({ namespace: ns, body: gatewayDeployment('gw', {
      envFrom: [{ configMapRef: { name: 'gw-config' } }],
      env: [
        { name: 'config.service.auth', valueFrom: { secretKeyRef: { name: 'gw-token', key: 'value' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'GREETING', value: 'pod $(POD_NAME) of $(config.service.endpoint)' }
      ]
    }) })

    const deployment = await waitForDeployment(ns, 'gw', (d) => d.status?.availableReplicas === 2)
    expect(deployment.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True')
    const pods = (await core.listNamespacedPod({ namespace: ns })).items
    expect(pods).toHaveLength(2)
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe(NODE)
      expect(pod.status).toMatchObject({ phase: 'Running', hostIP: '127.0.0.1' })
      expect(pod.status?.podIP).toMatch(/^127\.0\.0\.\d+$/)
      expect(conditionOf(pod, 'Ready')).toBe('True')
      expect(conditionOf(pod, 'ContainersReady')).toBe('True')
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'gateway', ready: true, started: true, restartCount: 0 })
      expect(pod.status?.containerStatuses?.[0].state?.running?.startedAt).toBeDefined()
      const call = deciderCalls.find((c) => c.namespace === ns && c.pod === pod.metadata?.name)
      expect(call?.env).toEqual({
        'config.service.endpoint': ENDPOINT,
        'config.service.auth': 'GatewayKey gw&2030&sig',
        POD_NAME: pod.metadata?.name,
        GREETING: `pod ${pod.metadata?.name} of ${ENDPOINT}`
      })
      expect(call).toMatchObject({ container: 'gateway', image: IMAGE })
    }
  })

  it('rolls a Deployment to a new template, finishing the old pods\' termination', async () => {
    const ns = await namespace('rollout')
    await apps.createNamespacedDeployment({ namespace: ns, body: gatewayDeployment('gw', { env: [{ name: 'config.service.auth', value: 'GatewayKey v1' }] }) })
    await waitForDeployment(ns, 'gw', (d) => d.status?.availableReplicas === 2)
    const before = new Set((await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata?.name))

    await apps.patchNamespacedDeployment({ namespace: ns, name: 'gw', body: [
      { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: 'GatewayKey v2' }
    ] })
    await waitForDeployment(ns, 'gw', (d) => d.metadata?.generation === d.status?.observedGeneration &&
      d.status?.updatedReplicas === 2 && d.status?.replicas === 2 && d.status?.availableReplicas === 2)
    const after = await waitFor('old pods gone', async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns })).items
      return pods.length === 2 && pods.every((p) => !before.has(p.metadata?.name)) ? pods : undefined
    })
    expect(after.every((p) => conditionOf(p, 'Ready') === 'True')).toBe(true)
  })
})

describe('CreateContainerConfigError', () => {
  it('shows kubelet\'s message for a missing Secret, then for a missing key, and recovers once the key exists', async () => {
    const ns = await namespace('config-error')
    const history = await PodHistory.start(ns)
    await apps.createNamespacedDeployment({ namespace: ns, body: gatewayDeployment('gw', {
      replicas: 1,
      env: [{ name: 'config.service.auth', valueFrom: { secretKeyRef: { name: 'gw-token', key: 'value' } } }]
    }) })
    const waiting = (reason: string, message: string) => (pod: k8s.V1Pod) => {
      const w = pod.status?.containerStatuses?.[0]?.state?.waiting
      return w?.reason === reason && w.message === message
    }

    const missingSecret = await history.until('secret not found', waiting('CreateContainerConfigError', 'secret "gw-token" not found'))
    expect(missingSecret.status?.phase).toBe('Pending')
    expect(conditionOf(missingSecret, 'Ready')).toBe('False')
    await waitFor('a Failed event', async () => (await eventsOf(ns)).find((e) =>
      e.reason === 'Failed' && e.type === 'Warning' && e.message === 'Error: secret "gw-token" not found' &&
      e.involvedObject.fieldPath === 'spec.containers{gateway}'))

    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'gw-token' }, stringData: { other: 'x' } } })
    await history.until('key not found', waiting('CreateContainerConfigError', `couldn't find key value in Secret ${ns}/gw-token`))

    await core.patchNamespacedSecret({ namespace: ns, name: 'gw-token', body: [{ op: 'add', path: '/data/value', value: b64('GatewayKey fixed') }] })
    await waitForDeployment(ns, 'gw', (d) => d.status?.availableReplicas === 1)
    expect(history.versions.some((p) => conditionOf(p, 'Ready') === 'True' && p.status?.phase === 'Running')).toBe(true)
    expect(deciderCalls.find((c) => c.namespace === ns)?.env['config.service.auth']).toBe('GatewayKey fixed')
  })

  it('shows kubelet\'s message for a missing ConfigMap key', async () => {
    const ns = await namespace('config-error-cm')
    const history = await PodHistory.start(ns)
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gw-config' }, data: {} } })
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', {
      env: [{ name: 'config.service.endpoint', valueFrom: { configMapKeyRef: { name: 'gw-config', key: 'endpoint' } } }]
    }) })
    await history.until('key not found', (p) =>
      p.status?.containerStatuses?.[0]?.state?.waiting?.message === `couldn't find key endpoint in ConfigMap ${ns}/gw-config`)
  })
})

describe('readiness', () => {
  it('keeps a never-ready pod Running but not Ready (scenario on the namespace)', async () => {
    const ns = await namespace('never-ready', { [SCENARIO_ANNOTATION]: 'never-ready' })
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { env: [{ name: 'config.service.auth', value: 'GatewayKey t' }] }) })
    await history.until('running', (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.started === true)
    await sleep(20 * 100)  // twenty probe periods
    expect(history.versions.every((p) => conditionOf(p, 'Ready') !== 'True')).toBe(true)
    const pod = history.latest()!
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true })
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [gateway]'
    })
    expect(await readLog(ns, 'gw')).toContain('never-ready')
  })

  it('turns Ready only after ready-after, the pod\'s annotation winning over the namespace\'s', async () => {
    const ns = await namespace('ready-after', { [SCENARIO_ANNOTATION]: 'never-ready' })
    const history = await PodHistory.start(ns)
    const created = Date.now()
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', {
      annotations: { [SCENARIO_ANNOTATION]: 'ready-after=1500' },
      env: [{ name: 'config.service.auth', value: 'GatewayKey t' }]
    }) })
    const running = await history.until('running', (p) => p.status?.phase === 'Running')
    expect(conditionOf(running, 'Ready')).toBe('False')
    const ready = await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    // The container starts after the pod is created, so this bound holds however slow the machine.
    expect(history.seenAt(ready) - created).toBeGreaterThanOrEqual(1500)
  })

  it('keeps a gateway the decider refuses not Ready, logging why', async () => {
    const ns = await namespace('refused')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { env: [
      { name: 'config.service.endpoint', value: ENDPOINT },
      { name: 'config.service.auth', value: '' }
    ] }) })
    await history.until('running', (p) => p.status?.phase === 'Running')
    await waitFor('refusal logged', async () => ((await readLog(ns, 'gw')).includes('refused the gateway') ? true : undefined))
    await sleep(10 * 100)  // ten more probe periods, each refused
    expect(conditionOf(history.latest()!, 'Ready')).toBe('False')
    const log = await readLog(ns, 'gw')
    expect(log).toContain(`configuration endpoint ${ENDPOINT} refused the gateway`)
    // Logged once per change of the verdict, not once per probe.
    expect(log.split('\n').filter((l) => l.includes('refused the gateway'))).toHaveLength(1)
  })

  it('honours successThreshold and failureThreshold', async () => {
    const ns = await namespace('thresholds')
    let healthy = true
    deciders.set(ns, async () => ({ ready: healthy, log: [healthy ? 'configuration loaded' : 'configuration endpoint refused the token'] }))
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { probe: { periodSeconds: 5, successThreshold: 2, failureThreshold: 4 } }) })

    const ready = await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    const callsBeforeReady = deciderCalls.filter((c) => c.namespace === ns && c.at <= history.seenAt(ready))
    expect(callsBeforeReady.length).toBeGreaterThanOrEqual(2)

    const flippedAt = Date.now()
    healthy = false
    const unready = await history.until('not ready', (p) => conditionOf(p, 'Ready') === 'False' && history.seenAt(p) > flippedAt)
    const failures = deciderCalls.filter((c) => c.namespace === ns && !c.ready && c.at <= history.seenAt(unready))
    expect(failures.length).toBeGreaterThanOrEqual(4)
    expect(unready.status?.phase).toBe('Running')
  })

  it('writes nothing while nothing changes', async () => {
    const ns = await namespace('quiet')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw') })
    await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    await sleep(300)  // lets the write that made it Ready settle
    const settled = history.versions.length
    await sleep(20 * 100)  // twenty probe periods, each probe succeeding
    expect(history.versions.length).toBe(settled)
    expect(deciderCalls.filter((c) => c.namespace === ns).length).toBeGreaterThanOrEqual(15)
  })

  it('makes a container without readiness probe ready once it runs', async () => {
    const ns = await namespace('no-probe')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { probe: null }) })
    await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    expect(deciderCalls.some((c) => c.namespace === ns)).toBe(false)
  })
})

describe('failure scenarios', () => {
  it('crash-loop: exits with code 1, restartCount rises, CrashLoopBackOff grows', async () => {
    const ns = await namespace('crash-loop')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { annotations: { [SCENARIO_ANNOTATION]: 'crash-loop' } }) })
    const restartSeen = async (count: number) => history.seenAt(await history.until(`restartCount ${count}`, (p) => status(p)?.restartCount === count))
    const [one, two, three] = [await restartSeen(1), await restartSeen(2), await restartSeen(3)]
    // The first restart is immediate; then 200 ms, 400 ms, ... of back-off.
    expect(three - two).toBeGreaterThan(two - one)

    const backOff = await history.until('CrashLoopBackOff', (p) => status(p)?.state?.waiting?.reason === 'CrashLoopBackOff')
    const uid = backOff.metadata?.uid
    expect(status(backOff)?.state?.waiting?.message).toMatch(new RegExp(`^back-off \\d+ms restarting failed container=gateway pod=gw_${ns}\\(${uid}\\)$`))
    expect(status(backOff)?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' })
    expect(backOff.status?.phase).toBe('Running')
    expect(history.versions.some((p) => status(p)?.state?.terminated?.exitCode === 1)).toBe(true)
    expect(history.versions.every((p) => conditionOf(p, 'Ready') !== 'True')).toBe(true)

    expect(await readLog(ns, 'gw', { previous: true })).toContain('exiting with code 1')
  })

  it('image-pull-failure: ErrImagePull and ImagePullBackOff alternate, with kubelet\'s messages', async () => {
    const ns = await namespace('image-pull', { [SCENARIO_ANNOTATION]: 'image-pull-failure' })
    const history = await PodHistory.start(ns)
    const image = 'apim-gateway-typo:v0'
    const qualified = `docker.io/library/${image}`
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { image }) })
    const reasonOf = (p: k8s.V1Pod) => status(p)?.state?.waiting?.reason
    const pullError = `rpc error: code = NotFound desc = failed to pull and unpack image "${qualified}": ` +
      `failed to resolve reference "${qualified}": ${qualified}: not found`

    const first = await history.until('ErrImagePull', (p) => reasonOf(p) === 'ErrImagePull')
    expect(status(first)?.state?.waiting?.message).toBe(pullError)
    const backOff = await history.until('ImagePullBackOff', (p) => reasonOf(p) === 'ImagePullBackOff')
    expect(status(backOff)?.state?.waiting?.message).toBe(`Back-off pulling image "${image}": ErrImagePull: ${pullError}`)
    await history.until('ErrImagePull again', (p) => reasonOf(p) === 'ErrImagePull' && history.seenAt(p) > history.seenAt(backOff))
    expect(history.versions.every((p) => p.status?.phase !== 'Running' && conditionOf(p, 'Ready') !== 'True')).toBe(true)

    const refusal = await core.readNamespacedPodLog({ namespace: ns, name: 'gw' }).then(() => undefined, (err: unknown) => err)
    expect(refusal).toBeInstanceOf(k8s.ApiException)
    expect((refusal as k8s.ApiException<string>).code).toBe(400)
    expect(String((refusal as k8s.ApiException<string>).body))
      .toMatch(/container \\?"gateway\\?" in pod \\?"gw\\?" is waiting to start: (image can't be pulled|trying and failing to pull image)/)
  })

  it('rejects an unknown scenario loudly', async () => {
    const ns = await namespace('bad-scenario', { [SCENARIO_ANNOTATION]: 'flaky' })
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw') })
    await history.until('invalid scenario', (p) => status(p)?.state?.waiting?.reason === 'FakeKubeletInvalidScenario')
  })
})

describe('pod deletion', () => {
  it('finishes a graceful deletion at once, as kubelet does once the containers are stopped', async () => {
    const ns = await namespace('delete')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw') })
    await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    const started = Date.now()
    await core.deleteNamespacedPod({ namespace: ns, name: 'gw' })  // default grace period: 30 s
    await waitFor('pod gone', async () => ((await core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined))
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('logs through the apiserver', () => {
  it('serves the startup line, tailLines, timestamps, limitBytes and sinceSeconds', async () => {
    const ns = await namespace('logs')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { env: [
      { name: 'config.service.endpoint', value: ENDPOINT }, { name: 'config.service.auth', value: 'GatewayKey t' }
    ] }) })
    await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    await waitFor('two log lines', async () => ((await readLog(ns, 'gw')).trim().split('\n').length >= 2 ? true : undefined))

    const lines = (await readLog(ns, 'gw')).trim().split('\n')
    expect(lines[0]).toMatch(/^\[Info\] \S+ \[GatewayStarting\], message: Azure API Management self-hosted gateway starting/)
    expect(lines[0]).toContain(ENDPOINT)
    expect(lines[1]).toContain(`configuration loaded from ${ENDPOINT}`)
    expect(await readLog(ns, 'gw', { tailLines: 1 })).toBe(`${lines.at(-1)}\n`)
    const stamped = (await readLog(ns, 'gw', { timestamps: true })).trim().split('\n')
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[Info\]/)
    expect(await readLog(ns, 'gw', { limitBytes: 6 })).toBe('[Info]')
    expect(await readLog(ns, 'gw', { sinceSeconds: 3600 })).toBe(lines.join('\n') + '\n')
  })

  it('follows a container until its instance exits', async () => {
    const ns = await namespace('follow')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw', { annotations: { [SCENARIO_ANNOTATION]: 'crash-loop' } }) })
    await history.until('started', (p) => status(p)?.containerID !== undefined)
    const followed = await readLog(ns, 'gw', { follow: true })
    expect(followed).toContain('GatewayStarting')
    expect(followed).toContain('exiting with code 1')
  })

  it('works with kubectl logs', async () => {
    const ns = await namespace('kubectl')
    const history = await PodHistory.start(ns)
    await core.createNamespacedPod({ namespace: ns, body: gatewayPod('gw') })
    await history.until('ready', (p) => conditionOf(p, 'Ready') === 'True')
    const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', cluster!.kubeconfigPath, '-n', ns, 'logs', 'gw', '-c', 'gateway', '--tail=10'])
    expect(stdout).toContain('[GatewayStarting]')
  })
})

describe('stop()', () => {
  it('closes the log endpoint and resolves, leaving the cluster usable', async () => {
    const second = await startFakeKubelet({ kubeconfig: cluster!.kubeconfig, nodeName: 'short-lived', timeScale: TIME_SCALE })
    let port: number
    try {
      const node = await core.readNode({ name: 'short-lived' })
      port = node.status!.daemonEndpoints!.kubeletEndpoint!.Port
      expect(await canConnect(port)).toBe(true)
    } finally {
      await second.stop()
    }
    expect(await canConnect(port)).toBe(false)
    await second.stop()  // idempotent
  })
})

// ---- helpers ---------------------------------------------------------------------------------

async function namespace(name: string, annotations?: Record<string, string>): Promise<string> {
  const ns = `kt-${name}`
  await cluster!.createNamespace(ns, { annotations })
  return ns
}

interface ContainerOptions {
  image?: string
  env?: k8s.V1EnvVar[]
  envFrom?: k8s.V1EnvFromSource[]
  /** null: no readiness probe. */
  probe?: Partial<k8s.V1Probe> | null
}

function gatewayContainer({ image = IMAGE, env, envFrom, probe = {} }: ContainerOptions): k8s.V1Container {
  const container: k8s.V1Container = { name: 'gateway', image, env, envFrom, ports: [{ containerPort: 8080 }] }
  if (probe) container.readinessProbe = { httpGet: { path: '/status-0123456789abcdef', port: 8081 }, periodSeconds: 5, failureThreshold: 3, ...probe }
  return container
}

function gatewayPod(name: string, options: ContainerOptions & { annotations?: Record<string, string> } = {}): k8s.V1Pod {
  const env = options.env ?? [{ name: 'config.service.auth', value: 'GatewayKey t' }]
  return { metadata: { name, annotations: options.annotations }, spec: { containers: [gatewayContainer({ ...options, env })] } }
}

function gatewayDeployment(name: string, options: ContainerOptions & { replicas?: number }): k8s.V1Deployment {
  const labels = { app: name }
  return {
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [gatewayContainer(options)] } }
    }
  }
}

function status(pod: k8s.V1Pod): k8s.V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.[0]
}

function conditionOf(pod: k8s.V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status
}

async function eventsOf(ns: string): Promise<k8s.CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace: ns })).items
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; kubelet said:\n${kubeletLog.slice(-10).join('\n')}`)
    await sleep(50)
  }
}

async function waitForDeployment(ns: string, name: string, done: (d: k8s.V1Deployment) => boolean): Promise<k8s.V1Deployment> {
  let last: k8s.V1Deployment | undefined
  try {
    return await waitFor(`deployment ${ns}/${name}`, async () => {
      last = await apps.readNamespacedDeployment({ namespace: ns, name })
      return done(last) ? last : undefined
    })
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}`)
  }
}

/** The pod's log through the apiserver's pods/log, read with client-node's Log API. */
async function readLog(ns: string, pod: string, options: k8s.LogOptions = {}): Promise<string> {
  const sink = new PassThrough()
  const chunks: Buffer[] = []
  sink.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = new Promise((resolve) => sink.on('end', resolve))
  await new k8s.Log(kc).log(ns, pod, 'gateway', sink, options)
  await ended
  return Buffer.concat(chunks).toString('utf8')
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** Every version of a namespace's pods, as watched: short-lived states cannot slip between polls. */
class PodHistory {
  readonly versions: k8s.V1Pod[] = []
  private readonly arrival = new Map<k8s.V1Pod, number>()
  private controller?: AbortController
  private stopped = false

  static async start(ns: string): Promise<PodHistory> {
    const history = new PodHistory()
    histories.push(history)
    history.controller = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, {}, (type, pod: k8s.V1Pod) => {
      if (type === 'ADDED' || type === 'MODIFIED') {
        history.versions.push(pod)
        history.arrival.set(pod, Date.now())
      }
    }, () => {})
    if (history.stopped) history.controller.abort()
    return history
  }

  latest(): k8s.V1Pod | undefined {
    return this.versions.at(-1)
  }

  seenAt(pod: k8s.V1Pod): number {
    return this.arrival.get(pod) ?? NaN
  }

  async until(what: string, match: (pod: k8s.V1Pod) => boolean, timeoutMs = 20_000): Promise<k8s.V1Pod> {
    try {
      return await waitFor(what, async () => this.versions.find(match), timeoutMs)
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlatest pod status: ${JSON.stringify(this.latest()?.status)}`)
    }
  }

  stop(): void {
    this.stopped = true
    this.controller?.abort()
  }
}
