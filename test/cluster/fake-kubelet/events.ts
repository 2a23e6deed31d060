/** Pod events as kubelet records them (source component `kubelet`), best effort like kubelet's recorder. */
import { randomBytes } from 'node:crypto'
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node'
import { errorText } from './api.js'

export interface PodEvent {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
  /** e.g. `spec.containers{gateway}` */
  fieldPath?: string
}

export type EventRecorder = (pod: V1Pod, event: PodEvent) => void

export function eventRecorder(core: CoreV1Api, nodeName: string, log: (line: string) => void): EventRecorder {
  return (pod, event) => {
    const namespace = pod.metadata?.namespace ?? 'default'
    const now = new Date()
    core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: `${pod.metadata?.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: 'v1', kind: 'Pod', namespace, name: pod.metadata?.name, uid: pod.metadata?.uid,
          resourceVersion: pod.metadata?.resourceVersion, fieldPath: event.fieldPath
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: 'kubelet', host: nodeName },
        reportingComponent: 'kubelet',
        reportingInstance: nodeName,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1
      }
    }).catch((err: unknown) => log(`event ${event.reason} for ${namespace}/${pod.metadata?.name} not recorded: ${errorText(err)}`))
  }
}
