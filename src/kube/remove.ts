/** Removing a preview from the cluster: its own namespace, or only its labelled objects. */
import * as k8s from '@kubernetes/client-node'
import { ActionError } from '../errors.js'
import { PREVIEW_ANNOTATION, PREVIEW_LABEL, previewSelector, repositoryLabel, type PreviewIdentity } from '../preview/naming.js'
import type { Kube } from './client.js'
import { kubeError, kubeStatus } from './errors.js'

/**
 * `owned`: the namespace carries this pull request's labels (preview created it), so it goes
 * whole. `shared`: it exists but is someone else's; only the preview's labelled objects go.
 */
export type NamespaceState = 'missing' | 'owned' | 'shared'

export async function inspectNamespace(kube: Kube, name: string, preview: PreviewIdentity): Promise<NamespaceState> {
  try {
    const namespace = await kube.core.readNamespace({ name })
    const labels = namespace.metadata?.labels ?? {}
    return labels[PREVIEW_LABEL.repository] === repositoryLabel(preview.repository) && labels[PREVIEW_LABEL.pullRequest] === String(preview.pullRequest) ? 'owned' : 'shared'
  } catch (error) {
    const code = kubeStatus(error).code
    if (code === 404) return 'missing'
    // An identity that may not read namespaces did not create this one: previews in a shared
    // namespace need only a Role there.
    if (code === 403) return 'shared'
    throw kubeError(`Reading namespace '${name}'`, error, kube.server)
  }
}

/** Deletes the namespace and waits (up to `timeoutMs`) until it is gone; false when it is still terminating. */
export async function deleteNamespace(kube: Kube, name: string, timeoutMs: number): Promise<boolean> {
  try {
    await kube.core.deleteNamespace({ name })
  } catch (error) {
    if (kubeStatus(error).code !== 404) throw kubeError(`Deleting namespace '${name}'`, error, kube.server)
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      await kube.core.readNamespace({ name })
    } catch (error) {
      if (kubeStatus(error).code === 404) return true
      throw kubeError(`Reading namespace '${name}'`, error, kube.server)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return false
}

/**
 * Deletes the Deployments, Services, ConfigMaps and Secrets that carry this pull request's labels
 * and the instance name — nothing without them. Returns `Kind/name` of each deleted object.
 */
export async function deleteLabelled(kube: Kube, namespace: string, name: string, preview: PreviewIdentity): Promise<string[]> {
  const labelSelector = `${previewSelector(preview.repository, preview.pullRequest)},app.kubernetes.io/instance=${name}`
  const apps = kube.config.makeApiClient(k8s.AppsV1Api)
  type Named = { items: { metadata?: { name?: string } }[] }
  const kinds: { kind: string; list: () => Promise<Named>; remove: (name: string) => Promise<unknown> }[] = [
    // The Deployment first, so that no pod restarts on a Secret or ConfigMap that is going away.
    { kind: 'Deployment', list: () => apps.listNamespacedDeployment({ namespace, labelSelector }), remove: n => apps.deleteNamespacedDeployment({ name: n, namespace, propagationPolicy: 'Background' }) },
    { kind: 'Service', list: () => kube.core.listNamespacedService({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedService({ name: n, namespace }) },
    { kind: 'ConfigMap', list: () => kube.core.listNamespacedConfigMap({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedConfigMap({ name: n, namespace }) },
    { kind: 'Secret', list: () => kube.core.listNamespacedSecret({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedSecret({ name: n, namespace }) }
  ]
  /** The call's result; undefined when what it acts on is already gone. */
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn()
    } catch (error) {
      if (kubeStatus(error).code === 404) return undefined
      throw kubeError(what, error, kube.server)
    }
  }
  const deleted: string[] = []
  for (const { kind, list, remove } of kinds) {
    const found = await attempt(`Listing ${kind}s labelled ${labelSelector} in namespace '${namespace}'`, list)
    for (const item of found?.items ?? []) {
      const objectName = item.metadata?.name ?? ''
      const done = await attempt(`Deleting ${kind} '${objectName}' in namespace '${namespace}'`, () => remove(objectName))
      if (done !== undefined) deleted.push(`${kind}/${objectName}`)
    }
  }
  return deleted
}

export interface FoundPreview {
  namespace: string
  name: string
  pullRequest: number
  createdAt: Date
  gatewayResource?: string
}

/**
 * Every preview Deployment of the repository (for prune): in `namespace` when one is given (previews
 * sharing a namespace), else in every namespace.
 */
export async function listPreviews(kube: Kube, repository: string, namespace?: string): Promise<FoundPreview[]> {
  const apps = kube.config.makeApiClient(k8s.AppsV1Api)
  const labelSelector = previewSelector(repository)
  const where = namespace ? `namespace '${namespace}'` : 'all namespaces'
  let list: k8s.V1DeploymentList
  try {
    list = namespace ? await apps.listNamespacedDeployment({ namespace, labelSelector }) : await apps.listDeploymentForAllNamespaces({ labelSelector })
  } catch (error) {
    const status = kubeStatus(error)
    if (status.code === 403) {
      throw new ActionError(
        `Listing preview Deployments in ${where} was refused: ${status.message}\nFix: grant the identity the ClusterRole in examples/kubernetes-preview-clusterrole.yaml${namespace ? ", or 'list' on deployments in that namespace" : ", or set 'namespace' when every preview shares one namespace"}.`
      )
    }
    throw kubeError(`Listing preview Deployments in ${where}`, error, kube.server)
  }
  return list.items
    .map(d => ({
      namespace: d.metadata!.namespace!,
      name: d.metadata!.labels?.['app.kubernetes.io/instance'] ?? d.metadata!.name!,
      pullRequest: Number(d.metadata!.labels?.[PREVIEW_LABEL.pullRequest]),
      createdAt: new Date(d.metadata!.creationTimestamp ?? 0),
      gatewayResource: d.metadata!.annotations?.[PREVIEW_ANNOTATION.gatewayResource]
    }))
    .filter(p => Number.isInteger(p.pullRequest) && p.pullRequest > 0)
    .sort((a, b) => a.pullRequest - b.pullRequest)
}
