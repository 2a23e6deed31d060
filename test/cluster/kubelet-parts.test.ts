/** The fake kubelet's other pure rules: pod phase and conditions, log selection, scenarios, names. */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node'
import { qualifiedImage } from './fake-kubelet/container.js'
import { formatLine, type LogLine, parseLogOptions, selectLines } from './fake-kubelet/logs.js'
import { parseScenario, scenarioFor, SCENARIO_ANNOTATION } from './fake-kubelet/scenario.js'
import { buildPodStatus, type ContainerRecord, podPhase } from './fake-kubelet/status.js'
import { backOffSeconds, Clock, goDuration, rfc3339Micro } from './fake-kubelet/timing.js'

const pod = (restartPolicy = 'Always'): V1Pod => ({
  metadata: { name: 'p', namespace: 'n', uid: 'u', generation: 3 },
  spec: { restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] },
  status: { conditions: [{ type: 'PodScheduled', status: 'True' }] }
})

const running: V1ContainerStatus = { name: 'a', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }
const waiting: V1ContainerStatus = { name: 'b', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }
const exited = (exitCode: number): V1ContainerStatus => ({ ...running, ready: false, state: { terminated: { exitCode } } })
const backingOff: V1ContainerStatus = { ...waiting, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }

describe('podPhase (kubelet getPhase)', () => {
  it.each([
    ['a waiting container keeps the pod Pending even if another runs', 'Always', [running, waiting], 'Pending'],
    ['running containers make it Running', 'Always', [running, { ...running, name: 'b' }], 'Running'],
    ['a container in back-off after an exit counts as stopped, not waiting', 'Always', [running, backingOff], 'Running'],
    ['stopped containers with restartPolicy Always stay Running', 'Always', [exited(1), exited(0)], 'Running'],
    ['all succeeded with Never: Succeeded', 'Never', [exited(0), exited(0)], 'Succeeded'],
    ['a failure with Never: Failed', 'Never', [exited(0), exited(1)], 'Failed'],
    ['a failure with OnFailure restarts: Running', 'OnFailure', [exited(1), exited(1)], 'Running']
  ])('%s', (_, policy, containers, phase) => {
    expect(podPhase(pod(policy as string), [], containers as V1ContainerStatus[])).toBe(phase)
  })

  it('keeps the pod Pending while an init container has not completed', () => {
    const init = { ...waiting, name: 'init', state: { waiting: { reason: 'CreateContainerConfigError' } } }
    expect(podPhase(pod(), [init], [waiting])).toBe('Pending')
  })
})

describe('buildPodStatus', () => {
  const record = (name: string, ready: boolean): ContainerRecord => ({
    name, image: 'i', imageID: 'id', containerID: 'containerd://x', restartCount: 0,
    state: { running: { startedAt: new Date(0) } }, lastState: {}, ready, started: true
  })
  const build = (ready: boolean, previousConditions = pod().status!.conditions!) => buildPodStatus({
    pod: pod(), podIP: '127.0.0.2', hostIP: '127.0.0.1', startTime: new Date(0),
    init: [], containers: [record('b', ready), record('a', true)], previousConditions, now: new Date(1000)
  })

  it('reports unready containers the way kubelet words it, and keeps conditions it does not own', () => {
    const status = build(false)
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]', observedGeneration: 3
    })
    expect(status.conditions?.find((c) => c.type === 'PodScheduled')).toEqual({ type: 'PodScheduled', status: 'True' })
    expect(status.containerStatuses?.map((c) => c.name)).toEqual(['a', 'b'])
    expect(status).toMatchObject({ phase: 'Running', podIP: '127.0.0.2', podIPs: [{ ip: '127.0.0.2' }], hostIP: '127.0.0.1', observedGeneration: 3 })
  })

  it('moves lastTransitionTime only when a condition changes', () => {
    const earlier = build(false).conditions!.map((c) => ({ ...c, lastTransitionTime: new Date(0) }))
    const later = buildPodStatus({
      pod: pod(), podIP: '127.0.0.2', hostIP: '127.0.0.1', startTime: new Date(0), init: [],
      containers: [record('a', true), record('b', true)], previousConditions: earlier, now: new Date(5000)
    })
    expect(later.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toEqual(new Date(5000))
    expect(later.conditions?.find((c) => c.type === 'Initialized')?.lastTransitionTime).toEqual(new Date(0))
  })
})

describe('log options and selection', () => {
  const line = (text: string, secondsAgo: number, stream: LogLine['stream'] = 'stdout'): LogLine =>
    ({ text, stream, time: new Date(Date.UTC(2030, 0, 1, 0, 0, 60 - secondsAgo)) })
  const lines = [line('one', 50), line('two', 30, 'stderr'), line('three', 10)]
  const now = Date.UTC(2030, 0, 1, 0, 1, 0)
  const select = (query: string) => {
    const options = parseLogOptions(new URLSearchParams(query), now)
    if (typeof options === 'string') throw new Error(options)
    return selectLines(lines, options).map((l) => l.text)
  }

  it('applies tailLines, sinceSeconds and stream', () => {
    expect(select('')).toEqual(['one', 'two', 'three'])
    expect(select('tailLines=2')).toEqual(['two', 'three'])
    expect(select('tailLines=0')).toEqual([])
    expect(select('sinceSeconds=40')).toEqual(['two', 'three'])
    expect(select('tailLines=2&sinceSeconds=20')).toEqual(['three'])
    expect(select('stream=Stderr')).toEqual(['two'])
    expect(select('sinceTime=2030-01-01T00:00:25Z')).toEqual(['two', 'three'])
  })

  it('rejects invalid values as kubelet does', () => {
    expect(parseLogOptions(new URLSearchParams('tailLines=-1'))).toBe('tailLines must be a non-negative integer')
    expect(parseLogOptions(new URLSearchParams('limitBytes=0'))).toBe('limitBytes must be a positive integer')
  })

  it('prefixes RFC3339Nano timestamps with nine fractional digits', () => {
    expect(formatLine({ text: 'x', stream: 'stdout', time: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 123)) }, true))
      .toBe('2030-01-01T00:00:00.123000000Z x\n')
    expect(formatLine(lines[0], false)).toBe('one\n')
  })
})

describe('scenarios', () => {
  it.each([
    [undefined, { kind: 'ready' }],
    ['ready', { kind: 'ready' }],
    ['ready-after=2500', { kind: 'ready-after', ms: 2500 }],
    ['never-ready', { kind: 'never-ready' }],
    ['crash-loop', { kind: 'crash-loop' }],
    ['image-pull-failure', { kind: 'image-pull-failure' }],
    ['ready-after=soon', { kind: 'invalid', text: 'ready-after=soon' }]
  ])('parses %j', (text, scenario) => {
    expect(parseScenario(text)).toEqual(scenario)
  })

  it('prefers the pod\'s annotation over the namespace\'s', () => {
    const annotated = { metadata: { annotations: { [SCENARIO_ANNOTATION]: 'crash-loop' } } }
    expect(scenarioFor(annotated, { [SCENARIO_ANNOTATION]: 'never-ready' })).toEqual({ kind: 'crash-loop' })
    expect(scenarioFor({ metadata: {} }, { [SCENARIO_ANNOTATION]: 'never-ready' })).toEqual({ kind: 'never-ready' })
  })
})

describe('names and times', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['team/app:1', 'docker.io/team/app:1'],
    ['mcr.microsoft.com/azure-api-management/gateway:v2', 'mcr.microsoft.com/azure-api-management/gateway:v2'],
    ['localhost:5000/gw', 'localhost:5000/gw:latest'],
    ['gw@sha256:abc', 'docker.io/library/gw@sha256:abc']
  ])('qualifies image %s as containerd reports it', (image, qualified) => {
    expect(qualifiedImage(image)).toBe(qualified)
  })

  it('backs off 10 s doubling to 300 s, printed like Go durations', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(backOffSeconds)).toEqual([10, 20, 40, 80, 160, 300, 300])
    expect([200, 1000, 1500, 80_000, 300_000].map(goDuration)).toEqual(['200ms', '1s', '1.5s', '1m20s', '5m0s'])
  })

  it('scales kubelet seconds to real milliseconds with a floor', () => {
    expect(new Clock(0.03).scaled(5)).toBe(150)
    expect(new Clock(0.001).scaled(1)).toBe(10)
    expect(() => new Clock(0)).toThrow('timeScale must be positive')
  })

  it('formats MicroTime with the six digits the apiserver insists on', () => {
    expect(rfc3339Micro(new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 5)))).toBe('2030-01-01T00:00:00.005000Z')
  })
})
