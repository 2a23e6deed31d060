/**
 * One container of a pod, played as kubelet and a container runtime would: image pull, environment,
 * start, readiness probing, exit and restart back-off. Every state change is reported through
 * `changed()`; the pod worker turns the records into one status write.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { V1Container, V1ContainerState, V1Pod } from '@kubernetes/client-node'
import { errorText } from './api.js'
import type { EnvResult } from './env.js'
import type { PodEvent } from './events.js'
import { ContainerLog, type LogTarget } from './logs.js'
import type { Scenario } from './scenario.js'
import type { ContainerRecord } from './status.js'
import { backOffSeconds, type Clock, goDuration, sleep, unlessAborted } from './timing.js'

export interface ReadinessVerdict { ready: boolean; log: string[] }

export type ReadinessDecider = (c: {
  namespace: string
  pod: string
  container: string
  image: string
  env: Record<string, string>
}) => Promise<ReadinessVerdict>

export interface ContainerContext {
  /** The pod as last seen from the API. */
  pod(): V1Pod
  clock: Clock
  signal: AbortSignal
  decider: ReadinessDecider
  /** Fetches the referenced ConfigMaps and Secrets and resolves the container's environment. */
  resolveEnv(container: V1Container): Promise<EnvResult>
  changed(): void
  record(event: PodEvent): void
  log(line: string): void
}

/** Nominal seconds (scaled by the clock) of the simulated runtime's own pace. */
const PACE = {
  /** kubelet retries a pod whose container config failed on its next sync (pod worker back-off). */
  configRetry: 10,
  /** How long ErrImagePull shows before the image back-off starts. */
  pullAttempt: 2,
  /** How long a crash-looping gateway lives before it exits. */
  crashAfter: 2,
  /** The pause between an exit and the next kubelet sync that restarts or backs off. */
  sync: 1
}

/** Instances kept for `kubectl logs` and `--previous`. */
const KEPT_INSTANCES = 2

export class ContainerRunner {
  readonly record: ContainerRecord
  private readonly logs = new Map<string, ContainerLog>()
  private instance?: { log: ContainerLog; startedAt: Date }

  constructor(private readonly ctx: ContainerContext, private readonly spec: V1Container, initialReason: string) {
    this.record = {
      name: spec.name,
      image: spec.image ?? '',
      imageID: '',
      containerID: '',
      restartCount: 0,
      state: { waiting: { reason: initialReason } },
      lastState: {},
      ready: false,
      started: false
    }
  }

  logTarget(): LogTarget {
    return { status: { ...this.record, containerID: this.record.containerID || undefined }, log: (id) => this.logs.get(id) }
  }

  /** The pod is going away: the running instance is killed, so followers of its log are released. */
  kill(): void {
    this.instance?.log.close()
  }

  /** An init container: runs to successful completion once its environment resolves. */
  async runToCompletion(): Promise<boolean> {
    const env = await this.waitForEnv()
    if (!env) return false
    this.start(env)
    this.exit(0, 'Completed')
    return true
  }

  /** A regular container: plays the scenario until the pod goes away or a non-restarting exit. */
  async run(scenario: Scenario): Promise<void> {
    if (scenario.kind === 'invalid') {
      return this.setWaiting('FakeKubeletInvalidScenario', `unknown fake-kubelet scenario "${scenario.text}"`)
    }
    if (scenario.kind === 'image-pull-failure') return this.failPulling()
    for (let backOffs = 0; ; ) {
      const env = await this.waitForEnv()
      if (!env) return
      this.start(env)
      const exitCode = await this.live(scenario, env)
      if (exitCode === undefined || !this.restarts(exitCode)) return
      if (!(await sleep(this.ctx.clock.scaled(PACE.sync), this.ctx.signal))) return
      // kubelet restarts the first exit at once; after that, each exit that comes within the back-off window waits.
      if (this.record.restartCount > 0 && !(await this.backOff(backOffs++))) return
    }
  }

  private restarts(exitCode: number): boolean {
    const policy = this.ctx.pod().spec?.restartPolicy ?? 'Always'
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)
  }

  /** Resolves the environment, showing CreateContainerConfigError and retrying until it works. */
  private async waitForEnv(): Promise<Record<string, string> | undefined> {
    let shown: string | undefined
    for (;;) {
      const result = await unlessAborted(this.ctx.resolveEnv(this.spec).catch(asEnvFailure), this.ctx.signal)
      if (!result) return undefined
      if (result.ok) return result.env
      if (result.message !== shown) {
        shown = result.message
        this.event('Warning', 'Failed', `Error: ${result.message}`)
      }
      this.setWaiting('CreateContainerConfigError', result.message)
      if (!(await sleep(this.ctx.clock.scaled(PACE.configRetry), this.ctx.signal))) return undefined
    }
  }

  private start(env: Record<string, string>): void {
    const containerID = `containerd://${randomBytes(32).toString('hex')}`
    const log = new ContainerLog(containerID)
    this.keepLog(log)
    const startedAt = new Date()
    this.instance = { log, startedAt }
    if (this.record.containerID) this.record.restartCount++
    if (this.record.state.terminated) this.record.lastState = { terminated: this.record.state.terminated }
    Object.assign(this.record, {
      image: qualifiedImage(this.spec.image ?? ''),
      imageID: imageID(this.spec.image ?? ''),
      containerID,
      state: { running: { startedAt } },
      ready: false,
      started: true
    })
    log.append(gatewayLine('Info', 'GatewayStarting',
      `Azure API Management self-hosted gateway starting; configuration endpoint ${env['config.service.endpoint'] ?? '(none)'} ` +
      `(simulated by fake-kubelet for image ${this.spec.image})`))
    this.event('Normal', 'Started', `Started container ${this.spec.name}`)
    this.ctx.changed()
  }

  private keepLog(log: ContainerLog): void {
    this.logs.set(log.containerID, log)
    for (const id of [...this.logs.keys()].slice(0, -KEPT_INSTANCES)) this.logs.delete(id)
  }

  /** Runs the started instance: undefined when the pod goes away, the exit code when it exits. */
  private async live(scenario: Scenario, env: Record<string, string>): Promise<number | undefined> {
    if (scenario.kind === 'crash-loop') {
      if (!(await sleep(this.ctx.clock.scaled(PACE.crashAfter), this.ctx.signal))) return undefined
      this.instance!.log.append(gatewayLine('Error', 'GatewayFailed',
        'unhandled exception, exiting with code 1 (fake-kubelet scenario crash-loop)'), 'stderr')
      this.exit(1, 'Error')
      return 1
    }
    await this.probeReadiness(scenario, env)
    return undefined
  }

  private exit(exitCode: number, reason: string): void {
    const instance = this.instance!
    instance.log.close()
    this.record.state = {
      terminated: { exitCode, reason, startedAt: instance.startedAt, finishedAt: new Date(), containerID: this.record.containerID }
    }
    Object.assign(this.record, { ready: false, started: false })
    this.ctx.changed()
  }

  private async backOff(previousBackOffs: number): Promise<boolean> {
    const ms = this.ctx.clock.scaled(backOffSeconds(previousBackOffs))
    const pod = this.ctx.pod().metadata!
    const message = `back-off ${goDuration(ms)} restarting failed container=${this.spec.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`
    this.event('Warning', 'BackOff', 'Back-off restarting failed container ' + `${this.spec.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`)
    this.setWaiting('CrashLoopBackOff', message)
    return sleep(ms, this.ctx.signal)
  }

  /** ErrImagePull and ImagePullBackOff alternate forever, the back-off growing as kubelet's does. */
  private async failPulling(): Promise<void> {
    const image = this.spec.image ?? ''
    const qualified = qualifiedImage(image)
    const error = `rpc error: code = NotFound desc = failed to pull and unpack image "${qualified}": ` +
      `failed to resolve reference "${qualified}": ${qualified}: not found`
    for (let backOffs = 0; ; backOffs++) {
      this.event('Warning', 'Failed', `Failed to pull image "${image}": ${error}`)
      this.setWaiting('ErrImagePull', error)
      if (!(await sleep(this.ctx.clock.scaled(PACE.pullAttempt), this.ctx.signal))) return
      this.event('Normal', 'BackOff', `Back-off pulling image "${image}"`)
      this.setWaiting('ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: ${error}`)
      if (!(await sleep(this.ctx.clock.scaled(backOffSeconds(backOffs)), this.ctx.signal))) return
    }
  }

  /** A waiting container keeps its last termination, as kubelet shows it. */
  private setWaiting(reason: string, message: string): void {
    const { state } = this.record
    if (state.terminated) this.record.lastState = { terminated: state.terminated }
    const waiting: V1ContainerState = { waiting: { reason, message } }
    Object.assign(this.record, { state: waiting, ready: false, started: false })
    this.ctx.changed()
  }

  /**
   * kubelet's prober worker: a result flips readiness only after `successThreshold` (or
   * `failureThreshold`) identical results in a row; readiness starts false.
   */
  private async probeReadiness(scenario: Scenario, env: Record<string, string>): Promise<void> {
    const probe = this.spec.readinessProbe
    const { clock, signal } = this.ctx
    if (!probe) return this.setReady(true)
    if (!(await sleep(clock.scaled(probe.initialDelaySeconds ?? 0), signal))) return
    let last: boolean | undefined
    let run = 0
    let logged = ''
    for (;;) {
      const verdict = await unlessAborted(this.probeOnce(scenario, env), signal)
      if (!verdict) return
      run = verdict.ready === last ? run + 1 : 1
      if (!verdict.ready && last !== false) this.event('Warning', 'Unhealthy', `Readiness probe failed: ${verdict.log.join('; ')}`)
      last = verdict.ready
      const threshold = verdict.ready ? probe.successThreshold ?? 1 : probe.failureThreshold ?? 3
      if (run >= threshold) this.setReady(verdict.ready)
      // The gateway logs why it is (not) serving when that changes, not on every probe.
      const text = verdict.log.join('\n')
      if (text && withoutTimes(text) !== logged) this.instance!.log.append(text, verdict.ready ? 'stdout' : 'stderr')
      logged = withoutTimes(text)
      if (!(await sleep(clock.scaled(probe.periodSeconds ?? 10), signal))) return
    }
  }

  private async probeOnce(scenario: Scenario, env: Record<string, string>): Promise<ReadinessVerdict> {
    if (scenario.kind === 'never-ready') {
      return { ready: false, log: [gatewayLine('Warn', 'ConfigurationUnavailable', 'configuration not loaded yet (fake-kubelet scenario never-ready)')] }
    }
    const age = Date.now() - this.instance!.startedAt.getTime()
    if (scenario.kind === 'ready-after' && age < scenario.ms) {
      return { ready: false, log: [gatewayLine('Info', 'ConfigurationLoading', `loading configuration (fake-kubelet scenario ready-after=${scenario.ms})`)] }
    }
    const pod = this.ctx.pod().metadata!
    try {
      return await this.ctx.decider({ namespace: pod.namespace!, pod: pod.name!, container: this.spec.name, image: this.spec.image ?? '', env })
    } catch (err) {
      this.ctx.log(`readiness decider failed for ${pod.namespace}/${pod.name}/${this.spec.name}: ${String(err)}`)
      return { ready: false, log: [gatewayLine('Error', 'ConfigurationUnavailable', `readiness check failed: ${String(err)}`)] }
    }
  }

  private setReady(ready: boolean): void {
    if (this.record.ready === ready) return
    this.record.ready = ready
    this.ctx.changed()
  }

  private event(type: PodEvent['type'], reason: string, message: string): void {
    this.ctx.record({ type, reason, message, fieldPath: `spec.containers{${this.spec.name}}` })
  }
}

function withoutTimes(text: string): string {
  return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?/g, '<time>')
}

function asEnvFailure(err: unknown): EnvResult {
  return { ok: false, message: errorText(err) }
}

/** A log line in the shape of the gateway's own. */
export function gatewayLine(level: 'Info' | 'Warn' | 'Error', eventName: string, message: string): string {
  return `[${level}] ${new Date().toISOString()} [${eventName}], message: ${message}`
}

/** The fully qualified reference containerd reports: docker.io/library/name:latest for `name`. */
export function qualifiedImage(image: string): string {
  const slash = image.indexOf('/')
  const first = slash < 0 ? '' : image.slice(0, slash)
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost'
  let name = hasRegistry ? image : `docker.io/${slash < 0 ? 'library/' : ''}${image}`
  const lastPart = name.slice(name.lastIndexOf('/') + 1)
  if (!lastPart.includes(':') && !name.includes('@')) name += ':latest'
  return name
}

function imageID(image: string): string {
  const qualified = qualifiedImage(image)
  const repository = qualified.replace(/[:@][^/]*$/, '')
  return `${repository}@sha256:${createHash('sha256').update(qualified).digest('hex')}`
}
