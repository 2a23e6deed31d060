/**
 * What kubelet and the (absent) scheduler do with the pods the watch reports: bind pending pods to
 * this node, run a worker per pod bound here, and finish the termination of pods being deleted.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node'
import { errorText, httpStatus } from './api.js'
import type { LogTarget, LogTargetLookup } from './logs.js'
import { type Clock, sleep } from './timing.js'
import type { PodHandlers } from './watch.js'
import { PodWorker, type WorkerContext } from './worker.js'

/** Nominal seconds between retries of failed bindings and deletions. */
const RETRY_SECONDS = 5

export class PodManager implements PodHandlers {
  private readonly workers = new Map<string, PodWorker>()
  /** Pods that need an API call from us (binding or final deletion) that has not succeeded yet. */
  private readonly todo = new Map<string, V1Pod>()
  private readonly inFlight = new Map<string, Promise<void>>()
  /** Workers being stopped; a pod is deleted only once its containers are down. */
  private readonly retiring = new Map<string, Promise<void>>()
  private readonly stopping = new AbortController()
  private readonly retries: Promise<void>

  constructor(private readonly core: CoreV1Api, private readonly nodeName: string, private readonly clock: Clock,
    private readonly workerContext: WorkerContext, private readonly log: (line: string) => void) {
    this.retries = this.retryLoop()
  }

  replaceAll(pods: V1Pod[]): void {
    const present = new Set(pods.map(uidOf))
    for (const [uid, worker] of this.workers) {
      if (!present.has(uid)) this.retire(uid, worker)
    }
    for (const uid of this.todo.keys()) {
      if (!present.has(uid)) this.todo.delete(uid)
    }
    pods.forEach((pod) => this.upsert(pod))
  }

  upsert(pod: V1Pod): void {
    const uid = uidOf(pod)
    const nodeName = pod.spec?.nodeName
    if (!nodeName) {
      if (!pod.metadata?.deletionTimestamp && !isTerminal(pod)) this.act(uid, pod)
      return
    }
    this.todo.delete(uid)
    if (nodeName !== this.nodeName) return
    if (pod.metadata?.deletionTimestamp) {
      this.retire(uid, this.workers.get(uid))
      this.act(uid, pod)
      return
    }
    const worker = this.workers.get(uid)
    if (worker) return worker.update(pod)
    if (isTerminal(pod)) return
    const started = new PodWorker(this.workerContext, pod)
    this.workers.set(uid, started)
    started.start()
  }

  remove(pod: V1Pod): void {
    const uid = uidOf(pod)
    this.todo.delete(uid)
    this.retire(uid, this.workers.get(uid))
  }

  readonly logTargets: LogTargetLookup = (namespace, name, container) => {
    const worker = [...this.workers.values()].find((w) => w.name === `${namespace}/${name}`)
    if (!worker) return { found: false, reason: 'pod' }
    const target: LogTarget | undefined = worker.logTarget(container)
    return target ? { found: true, target } : { found: false, reason: 'container' }
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    await this.retries
    for (const [uid, worker] of this.workers) this.retire(uid, worker)
    await Promise.all([...this.inFlight.values(), ...this.retiring.values()])
  }

  private retire(uid: string, worker: PodWorker | undefined): void {
    if (!worker) return
    this.workers.delete(uid)
    const stopped = worker.stop().finally(() => this.retiring.delete(uid))
    this.retiring.set(uid, stopped)
  }

  /** Records the pod as needing a binding or a final deletion and tries at once. */
  private act(uid: string, pod: V1Pod): void {
    this.todo.set(uid, pod)
    this.attempt(uid, pod)
  }

  private attempt(uid: string, pod: V1Pod): void {
    if (this.inFlight.has(uid) || this.stopping.signal.aborted) return
    const call = pod.spec?.nodeName ? this.finishTermination(uid, pod) : this.bind(pod)
    const done = call.then(
      () => { if (this.todo.get(uid) === pod) this.todo.delete(uid) },
      (err: unknown) => this.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${errorText(err)} (will retry)`)
    ).finally(() => this.inFlight.delete(uid))
    this.inFlight.set(uid, done)
  }

  /** The scheduler's job: with none running, every pending pod lands here. */
  private async bind(pod: V1Pod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string }
    try {
      await this.core.createNamespacedPodBinding({
        name, namespace,
        body: { metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } }
      })
    } catch (err) {
      // 409: already bound (another kubelet won); 404: deleted meanwhile.
      if (httpStatus(err) !== 409 && httpStatus(err) !== 404) throw err
    }
  }

  /**
   * kubelet's last step of graceful deletion: once the containers are stopped it deletes the pod with
   * grace period 0. The uid precondition protects a new pod that reuses the name.
   */
  private async finishTermination(uid: string, pod: V1Pod): Promise<void> {
    const { name, namespace } = pod.metadata as { name: string; namespace: string }
    await this.retiring.get(uid)
    try {
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } })
    } catch (err) {
      if (httpStatus(err) !== 404 && httpStatus(err) !== 409) throw err
    }
  }

  private async retryLoop(): Promise<void> {
    while (await sleep(this.clock.scaled(RETRY_SECONDS), this.stopping.signal)) {
      for (const [uid, pod] of this.todo) this.attempt(uid, pod)
    }
  }
}

function uidOf(pod: V1Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
}
