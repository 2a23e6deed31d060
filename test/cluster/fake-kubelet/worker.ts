/**
 * One pod bound to this node: runs its init containers, then its containers, and writes the pod's
 * status through pods/status whenever a container's record changes (never on a timer).
 */
import type { CoreV1Api, V1Container, V1Pod, V1PodCondition } from '@kubernetes/client-node'
import { errorText, httpStatus, mergePatch, unlessNotFound } from './api.js'
import { ContainerRunner, type ReadinessDecider } from './container.js'
import { type EnvResult, referencedObjects, resolveEnv } from './env.js'
import type { EventRecorder } from './events.js'
import type { LogTarget } from './logs.js'
import { scenarioFor } from './scenario.js'
import { buildPodStatus } from './status.js'
import { type Clock, sleep } from './timing.js'

export interface WorkerContext {
  core: CoreV1Api
  hostIP: string
  clock: Clock
  decider: ReadinessDecider
  record: EventRecorder
  log(line: string): void
  allocatePodIP(): string
}

export class PodWorker {
  private pod: V1Pod
  private readonly stopping = new AbortController()
  private readonly podIP: string
  private readonly startTime = new Date()
  private readonly init: ContainerRunner[]
  private readonly containers: ContainerRunner[]
  private running?: Promise<void>
  private written?: { json: string; conditions: V1PodCondition[] }
  private dirty = false
  private flushing?: Promise<void>

  constructor(private readonly ctx: WorkerContext, pod: V1Pod) {
    this.pod = pod
    this.podIP = ctx.allocatePodIP()
    const runner = (spec: V1Container, reason: string) => new ContainerRunner({
      pod: () => this.pod,
      clock: ctx.clock,
      signal: this.stopping.signal,
      decider: ctx.decider,
      resolveEnv: (container) => this.resolveEnv(container),
      changed: () => this.changed(),
      record: (event) => ctx.record(this.pod, event),
      log: ctx.log
    }, spec, reason)
    const initSpecs = pod.spec?.initContainers ?? []
    this.init = initSpecs.map((spec) => runner(spec, 'PodInitializing'))
    this.containers = (pod.spec?.containers ?? []).map((spec) => runner(spec, initSpecs.length > 0 ? 'PodInitializing' : 'ContainerCreating'))
  }

  get name(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`
  }

  start(): void {
    this.running = this.run().catch((err: unknown) => this.ctx.log(`pod ${this.name} failed: ${errorText(err)}`))
  }

  /** The latest object from the watch: containers read labels, annotations and restartPolicy from it. */
  update(pod: V1Pod): void {
    this.pod = pod
  }

  logTarget(container: string): LogTarget | undefined {
    return [...this.containers, ...this.init].find((c) => c.record.name === container)?.logTarget()
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    await this.running
    await this.flushing
    for (const runner of [...this.init, ...this.containers]) runner.kill()
  }

  private async run(): Promise<void> {
    const namespace = await unlessNotFound(this.ctx.core.readNamespace({ name: this.pod.metadata!.namespace! }))
    const scenario = scenarioFor(this.pod, namespace?.metadata?.annotations)
    this.changed()
    for (const init of this.init) {
      if (!(await init.runToCompletion())) return
    }
    await Promise.all(this.containers.map((c) => c.run(scenario)))
  }

  private async resolveEnv(container: V1Container): Promise<EnvResult> {
    const namespace = this.pod.metadata!.namespace!
    const { configMaps, secrets } = referencedObjects(container)
    const fetched = {
      configMaps: new Map(await Promise.all([...configMaps].map(async (name) =>
        [name, await unlessNotFound(this.ctx.core.readNamespacedConfigMap({ name, namespace }))] as const))),
      secrets: new Map(await Promise.all([...secrets].map(async (name) =>
        [name, await unlessNotFound(this.ctx.core.readNamespacedSecret({ name, namespace }))] as const)))
    }
    return resolveEnv(this.pod, container, {
      configMap: (name) => fetched.configMaps.get(name),
      secret: (name) => fetched.secrets.get(name),
      podIP: this.podIP,
      hostIP: this.ctx.hostIP
    })
  }

  /** Coalesces bursts of changes into one write; a write in flight is followed by one more if needed. */
  private changed(): void {
    this.dirty = true
    this.flushing ??= this.flush()
  }

  private async flush(): Promise<void> {
    try {
      // Lets the synchronous burst that called changed() finish (and `flushing` be assigned) first.
      await null
      while (this.dirty && !this.stopping.signal.aborted) {
        this.dirty = false
        const status = this.currentStatus()
        const json = JSON.stringify(status)
        if (json === this.written?.json) continue
        if (await this.write(status)) this.written = { json, conditions: status.conditions ?? [] }
      }
    } catch (err) {
      this.ctx.log(`status of pod ${this.name} not computed: ${errorText(err)}`)
    } finally {
      // Runs in the same tick as the last `dirty` check, so no change can slip between them.
      this.flushing = undefined
    }
  }

  private currentStatus() {
    return buildPodStatus({
      pod: this.pod,
      podIP: this.podIP,
      hostIP: this.ctx.hostIP,
      startTime: this.startTime,
      init: this.init.map((c) => c.record),
      containers: this.containers.map((c) => c.record),
      previousConditions: this.written?.conditions ?? this.pod.status?.conditions ?? [],
      now: new Date()
    })
  }

  private async write(status: object): Promise<boolean> {
    const { name, namespace } = this.pod.metadata!
    try {
      await this.ctx.core.patchNamespacedPodStatus({ name: name!, namespace: namespace!, body: { status } }, mergePatch)
      return true
    } catch (err) {
      if (httpStatus(err) === 404) {
        // The pod is gone; the watch's DELETED event will retire this worker.
        this.stopping.abort()
        return false
      }
      this.ctx.log(`status of pod ${this.name} not written, retrying: ${errorText(err)}`)
      this.dirty = true
      await sleep(this.ctx.clock.scaled(1), this.stopping.signal)
      return false
    }
  }
}
