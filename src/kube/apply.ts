import * as k8s from '@kubernetes/client-node'
import { ActionError } from '../errors.js'
import type { Kube } from './client.js'
import { kubeError, kubeStatus } from './errors.js'
import { FIELD_MANAGER, type GatewayObjects, type KubeObject } from './manifests.js'

/**
 * Applies in the order pods need them: the Secret and ConfigMap exist before a Deployment that
 * references them rolls. Server-side apply with `force` takes back fields this action owns when
 * someone edited them by hand; it never deletes and recreates the Secret.
 */
export function applyOrder(objects: GatewayObjects): KubeObject[] {
  return [objects.secret, objects.configMap, objects.service, objects.deployment]
}

/**
 * Applies everything but the Deployment at once, then the Deployment, so that its pods never start
 * before the Secret and ConfigMap they read exist. A dry run has no such order.
 */
export async function applyObjects(kube: Kube, objects: KubeObject[], dryRun: boolean): Promise<KubeObject[]> {
  const apply = async (object: KubeObject): Promise<KubeObject> => {
    try {
      return (await kube.objects.patch(object as k8s.KubernetesObject, undefined, dryRun ? 'All' : undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)) as KubeObject
    } catch (error) {
      throw explainApplyError(object, error, kube.server, dryRun)
    }
  }
  const last = dryRun ? [] : objects.filter(o => o.kind === 'Deployment')
  const first = await Promise.all(objects.filter(o => !last.includes(o)).map(apply))
  return [...first, ...(await Promise.all(last.map(apply)))]
}

function explainApplyError(object: KubeObject, error: unknown, server: string, dryRun: boolean): ActionError {
  const status = kubeStatus(error)
  const what = `${object.kind} '${object.metadata.name}' in namespace '${object.metadata.namespace}'`
  if (status.code === 404 && /namespaces? .* not found/i.test(status.message)) {
    return new ActionError(`Namespace '${object.metadata.namespace}' does not exist. Create it, or set 'create-namespace: true' (the identity then needs permission to create namespaces). Nothing was changed.`)
  }
  return kubeError(`${dryRun ? 'Checking (server-side dry run) ' : 'Applying '}${what}`, error, server)
}

/** Creates the namespace (an existing one is left as it is). */
export async function createNamespace(kube: Kube, name: string, labels: Record<string, string>, annotations?: Record<string, string>): Promise<void> {
  try {
    await kube.core.createNamespace({ body: { metadata: { name, labels, annotations } } })
  } catch (error) {
    if (kubeStatus(error).code === 409) return
    throw kubeError(`Creating namespace '${name}'`, error, kube.server)
  }
}

/**
 * Whether the namespace exists, learnt from a dry run of one object (no cluster-wide read needed).
 * `unknown` when the identity may not act there: a namespace it has no Role in looks the same
 * whether or not it exists.
 */
export async function namespaceExists(kube: Kube, probe: KubeObject): Promise<'yes' | 'no' | 'unknown'> {
  try {
    await kube.objects.patch(probe as k8s.KubernetesObject, undefined, 'All', FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)
    return 'yes'
  } catch (error) {
    const status = kubeStatus(error)
    if (status.code === 404 && /namespaces? .* not found/i.test(status.message)) return 'no'
    // Refused or invalid: the full checks that follow explain it.
    return status.code === 403 ? 'unknown' : 'yes'
  }
}
