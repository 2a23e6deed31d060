import { describe, expect, it } from '@jest/globals'
import type * as k8s from '@kubernetes/client-node'
import { rolloutState, stuckReason } from '../src/kube/rollout.js'

interface Shape {
  generation?: number
  replicas?: number
  observedGeneration?: number
  statusReplicas?: number
  updated?: number
  ready?: number
  available?: number
  progressing?: { reason: string; message?: string }
}

function deployment(s: Shape): k8s.V1Deployment {
  return {
    metadata: { name: 'apim-gateway', generation: s.generation ?? 2 },
    spec: { replicas: s.replicas ?? 3, selector: { matchLabels: { app: 'apim-gateway' } }, template: {} },
    status: {
      observedGeneration: s.observedGeneration ?? 2,
      replicas: s.statusReplicas,
      updatedReplicas: s.updated,
      readyReplicas: s.ready,
      availableReplicas: s.available,
      conditions: s.progressing ? [{ type: 'Progressing', status: s.progressing.reason === 'ProgressDeadlineExceeded' ? 'False' : 'True', reason: s.progressing.reason, message: s.progressing.message }] : []
    }
  }
}

const done: Shape = { replicas: 3, statusReplicas: 3, updated: 3, ready: 3, available: 3, progressing: { reason: 'NewReplicaSetAvailable' } }

describe('rolloutState (kubectl rollout status rules)', () => {
  it('is complete when every replica is updated and available and no old one is left', () => {
    expect(rolloutState(deployment(done), 2)).toEqual({ phase: 'complete', ready: 3, desired: 3 })
  })

  it('waits while the controller has not observed the applied generation', () => {
    const state = rolloutState(deployment({ ...done, observedGeneration: 1 }), 2)
    expect(state.phase).toBe('progressing')
    expect(state).toMatchObject({ message: expect.stringMatching(/spec update to be observed/) })
  })

  it('uses the higher of the applied generation and the object generation', () => {
    // the object says 2 is observed, but the apply produced generation 3
    expect(rolloutState(deployment({ ...done, generation: 2, observedGeneration: 2 }), 3).phase).toBe('progressing')
    // the apply result was older than the object now watched
    expect(rolloutState(deployment({ ...done, generation: 4, observedGeneration: 3 }), 3).phase).toBe('progressing')
    expect(rolloutState(deployment({ ...done, generation: 4, observedGeneration: 4 }), 3).phase).toBe('complete')
  })

  it('waits while fewer replicas than desired are updated', () => {
    const state = rolloutState(deployment({ ...done, updated: 2, statusReplicas: 3 }), 2)
    expect(state).toMatchObject({ phase: 'progressing', message: expect.stringMatching(/2 of 3 new replicas updated/) })
  })

  it('waits while old replicas are pending termination', () => {
    const state = rolloutState(deployment({ ...done, statusReplicas: 4 }), 2)
    expect(state).toMatchObject({ phase: 'progressing', message: expect.stringMatching(/1 old replica\(s\) pending termination/) })
  })

  it('waits while not every updated replica is available', () => {
    const state = rolloutState(deployment({ ...done, available: 2, ready: 2 }), 2)
    expect(state).toMatchObject({ phase: 'progressing', ready: 2, desired: 3, message: expect.stringMatching(/2 of 3 updated replicas available/) })
  })

  it('treats a missing status as nothing done yet', () => {
    const d: k8s.V1Deployment = { metadata: { name: 'apim-gateway', generation: 1 }, spec: { replicas: 2, selector: {}, template: {} } }
    expect(rolloutState(d, 1)).toMatchObject({ phase: 'progressing', ready: 0, desired: 2 })
  })

  it('fails when the progress deadline was exceeded, with the condition message', () => {
    const state = rolloutState(deployment({ ...done, updated: 1, available: 0, ready: 0, progressing: { reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "apim-gateway-5d9" has timed out progressing.' } }), 2)
    expect(state.phase).toBe('failed')
    expect(state).toMatchObject({ message: expect.stringContaining('ReplicaSet "apim-gateway-5d9" has timed out progressing.') })
    expect(state).toMatchObject({ message: expect.stringContaining("'apim-gateway'") })
  })

  it('does not fail on a deadline condition of a generation not yet observed (kubectl checks generation first)', () => {
    expect(rolloutState(deployment({ ...done, observedGeneration: 1, progressing: { reason: 'ProgressDeadlineExceeded' } }), 2).phase).toBe('progressing')
  })

  it('reports ready and desired from the Deployment', () => {
    expect(rolloutState(deployment({ ...done, replicas: 5, statusReplicas: 6, updated: 5, ready: 4, available: 4 }), 2)).toMatchObject({ ready: 4, desired: 5 })
  })
})

describe('stuckReason', () => {
  function pod(states: Array<k8s.V1ContainerState>, name = 'apim-gateway-abc'): k8s.V1Pod {
    return {
      metadata: { name },
      status: { containerStatuses: states.map((state, i) => ({ name: i === 0 ? 'apim-gateway' : `sidecar-${i}`, state, ready: false, restartCount: 0, image: 'x', imageID: '' })) }
    }
  }
  const waiting = (reason: string, message?: string): k8s.V1ContainerState => ({ waiting: { reason, message } })

  it.each([
    ['CreateContainerConfigError', 'secret "apim-gateway-token" not found'],
    ['ImagePullBackOff', 'Back-off pulling image "mcr.microsoft.com/azure-api-management/gateway:v9"'],
    ['CrashLoopBackOff', 'back-off 40s restarting failed container']
  ])('reports %s with pod, container and message', (reason, message) => {
    const text = stuckReason(pod([waiting(reason, message)]))
    expect(text).toBeDefined()
    expect(text).toContain("'apim-gateway-abc'")
    expect(text).toContain("'apim-gateway'")
    expect(text).toContain(reason)
    expect(text).toContain(message)
  })

  it.each(['ErrImagePull', 'ContainerCreating', 'PodInitializing'])('does not report %s, which can still heal', reason => {
    expect(stuckReason(pod([waiting(reason, 'in progress')]))).toBeUndefined()
  })

  it('does not report running or terminated containers, or a pod without status', () => {
    expect(stuckReason(pod([{ running: { startedAt: new Date() } }]))).toBeUndefined()
    expect(stuckReason(pod([{ terminated: { exitCode: 1, reason: 'Error' } }]))).toBeUndefined()
    expect(stuckReason({ metadata: { name: 'p' } })).toBeUndefined()
  })

  it('finds a stuck container that is not the first one', () => {
    expect(stuckReason(pod([{ running: {} }, waiting('CrashLoopBackOff')]))).toContain("'sidecar-1'")
  })
})
