/**
 * The cluster side of previews: whose a namespace and objects are, removing a preview (its own
 * namespace, or only its labelled objects), and finding previews for prune.
 */
import * as k8s from '@kubernetes/client-node'
import { ActionError } from '../errors.js'
import { PREVIEW_ANNOTATION, PREVIEW_LABEL, previewSelector, repositoryLabel, type PreviewIdentity } from '../preview/naming.js'
import type { Kube } from './client.js'
import type { ObjectNames } from './manifests.js'
import { kubeError, kubeStatus } from './errors.js'

/**
 * `owned`: the namespace carries this pull request's labels (preview created it) and holds nothing
 * else of the kinds previews create, so it goes whole. `shared`: someone else's, or it holds other
 * objects too (another pull request's preview, a team's ConfigMap); only the preview's labelled
 * objects go.
 */
export type NamespaceState = 'missing' | 'owned' | 'shared'

function isPreviewOf(labels: Record<string, string> | undefined, preview: PreviewIdentity): boolean {
  return labels?.[PREVIEW_LABEL.repository] === repositoryLabel(preview.repository) && labels?.[PREVIEW_LABEL.pullRequest] === String(preview.pullRequest)
}

export interface NamespaceFacts {
  state: NamespaceState
  /** Preview created the namespace: it carries this pull request's labels. */
  created: boolean
  /** The gateway resource the namespace records (preview created it). */
  gatewayResource?: string
  /** Objects that keep a namespace the preview created from being deleted whole. */
  others: string[]
  /** Some of them are not this pull request's (its other gateways do not count). */
  foreign: boolean
}

/** `instance`: the preview's object base name (`name`); another gateway of the same pull request counts as other. */
export async function inspectNamespace(kube: Kube, name: string, preview: PreviewIdentity, instance: string): Promise<NamespaceFacts> {
  let namespace: k8s.V1Namespace
  try {
    namespace = await kube.core.readNamespace({ name })
  } catch (error) {
    const code = kubeStatus(error).code
    if (code === 404) return { state: 'missing', created: false, others: [], foreign: false }
    // An identity that may not read namespaces did not create this one: previews in a shared
    // namespace need only a Role there.
    if (code === 403) return { state: 'shared', created: false, others: [], foreign: false }
    throw kubeError(`Reading namespace '${name}'`, error, kube.server)
  }
  if (!isPreviewOf(namespace.metadata?.labels, preview)) return { state: 'shared', created: false, others: [], foreign: false }
  const gatewayResource = namespace.metadata?.annotations?.[PREVIEW_ANNOTATION.gatewayResource]
  const others = await otherObjects(kube, name, preview, instance)
  return { state: others.length > 0 ? 'shared' : 'owned', created: true, gatewayResource, others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) }
}

type Meta = { metadata?: { name?: string; labels?: Record<string, string> }; type?: string }

interface KindApi {
  kind: 'Deployment' | 'Service' | 'ConfigMap' | 'Secret'
  read(name: string): Promise<Meta>
  list(labelSelector?: string): Promise<{ items: Meta[] }>
  remove(name: string): Promise<unknown>
}

/**
 * The four kinds a preview creates, in one namespace. The Deployment first, so that deleting them
 * in this order never restarts a pod on a Secret or ConfigMap that is going away.
 */
function previewKinds(kube: Kube, namespace: string): KindApi[] {
  const apps = kube.config.makeApiClient(k8s.AppsV1Api)
  const core = kube.core
  return [
    {
      kind: 'Deployment',
      read: name => apps.readNamespacedDeployment({ name, namespace }),
      list: labelSelector => apps.listNamespacedDeployment({ namespace, labelSelector }),
      remove: name => apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' })
    },
    {
      kind: 'Service',
      read: name => core.readNamespacedService({ name, namespace }),
      list: labelSelector => core.listNamespacedService({ namespace, labelSelector }),
      remove: name => core.deleteNamespacedService({ name, namespace })
    },
    {
      kind: 'ConfigMap',
      read: name => core.readNamespacedConfigMap({ name, namespace }),
      list: labelSelector => core.listNamespacedConfigMap({ namespace, labelSelector }),
      remove: name => core.deleteNamespacedConfigMap({ name, namespace })
    },
    {
      kind: 'Secret',
      read: name => core.readNamespacedSecret({ name, namespace }),
      list: labelSelector => core.listNamespacedSecret({ namespace, labelSelector }),
      remove: name => core.deleteNamespacedSecret({ name, namespace })
    }
  ]
}

/**
 * ConfigMaps the cluster itself puts in every namespace: Kubernetes' root CA, Istio's (also the AKS
 * add-on's) and OpenShift's service CA. They never keep a preview's namespace alive.
 */
const INJECTED_CONFIGMAPS = new Set(['kube-root-ca.crt', 'istio-ca-root-cert', 'openshift-service-ca.crt'])

/**
 * `Kind/name` of the Deployments, Services, ConfigMaps and Secrets in the namespace that are not
 * this preview's (this pull request's, with this instance name) — what deleting the namespace would
 * take with it. What the cluster puts in every namespace does not count.
 */
export async function otherObjects(kube: Kube, namespace: string, preview: PreviewIdentity, instance: string): Promise<{ name: string; samePullRequest: boolean }[]> {
  const found = await Promise.all(
    previewKinds(kube, namespace).map(async ({ kind, list }) => {
      try {
        return (await list()).items
          .filter(i => !isPreviewOf(i.metadata?.labels, preview) || i.metadata?.labels?.['app.kubernetes.io/instance'] !== instance)
          .filter(i => !(kind === 'ConfigMap' && INJECTED_CONFIGMAPS.has(i.metadata?.name ?? '')) && i.type !== 'kubernetes.io/service-account-token')
          .map(i => ({ name: `${kind}/${i.metadata?.name}`, samePullRequest: isPreviewOf(i.metadata?.labels, preview) }))
      } catch (error) {
        throw kubeError(`Listing the ${kind}s in namespace '${namespace}'`, error, kube.server)
      }
    })
  )
  return found.flat()
}

/** True while the namespace is being deleted (a teardown that has not finished). */
export async function namespaceTerminating(kube: Kube, name: string): Promise<boolean> {
  try {
    return Boolean((await kube.core.readNamespace({ name })).metadata?.deletionTimestamp)
  } catch {
    // Missing or not readable: the checks that follow explain either.
    return false
  }
}

/**
 * Objects with the preview's names that exist without this pull request's labels: a production
 * gateway or another preview in a shared namespace. Applying over them would take them over, and
 * teardown would then delete them.
 */
export async function foreignObjects(kube: Kube, namespace: string, names: ObjectNames, preview: PreviewIdentity): Promise<string[]> {
  const nameOf: Record<KindApi['kind'], string> = { Deployment: names.deployment, Service: names.service, ConfigMap: names.configMap, Secret: names.secret }
  const found = await Promise.all(
    previewKinds(kube, namespace).map(async ({ kind, read }) => {
      const name = nameOf[kind]
      try {
        return isPreviewOf((await read(name)).metadata?.labels, preview) ? undefined : `${kind} '${name}'`
      } catch (error) {
        const code = kubeStatus(error).code
        // Missing is what a first preview expects; refused is explained by the permission check.
        if (code === 404 || code === 403) return undefined
        throw kubeError(`Reading ${kind} '${name}' in namespace '${namespace}'`, error, kube.server)
      }
    })
  )
  return found.filter((f): f is string => f !== undefined)
}

/** The gateway resource a preview's Deployment records, or undefined. */
export async function recordedGateway(kube: Kube, namespace: string, name: string): Promise<string | undefined> {
  try {
    const deployment = await kube.config.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name, namespace })
    return deployment.metadata?.annotations?.[PREVIEW_ANNOTATION.gatewayResource]
  } catch {
    return undefined
  }
}

/**
 * Takes the preview's labels off a namespace it created but that now holds other objects too: it
 * stays, and is no longer taken for this preview (by prune, or by a later teardown).
 */
export async function releaseNamespace(kube: Kube, name: string): Promise<void> {
  const body = {
    metadata: {
      labels: { [PREVIEW_LABEL.repository]: null, [PREVIEW_LABEL.pullRequest]: null },
      annotations: { [PREVIEW_ANNOTATION.previewOf]: null, [PREVIEW_ANNOTATION.gatewayResource]: null }
    }
  }
  try {
    await kube.core.patchNamespace({ name, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))
  } catch (error) {
    throw kubeError(`Removing the preview's labels from namespace '${name}'`, error, kube.server)
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
  for (const { kind, list, remove } of previewKinds(kube, namespace)) {
    const found = await attempt(`Listing ${kind}s labelled ${labelSelector} in namespace '${namespace}'`, () => list(labelSelector))
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
 * Every preview of the repository (for prune), found through the labels: its Deployments — in
 * `namespace` when one is given (previews sharing a namespace), else in every namespace — and, in
 * the latter case, also the namespaces previews created, so that a preview that failed before its
 * Deployment existed is found too (its objects are then named `defaultName`).
 */
export async function listPreviews(kube: Kube, repository: string, namespace: string | undefined, defaultName: string): Promise<FoundPreview[]> {
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
  const found = list.items.map(d => toFound(d.metadata!, d.metadata!.labels?.['app.kubernetes.io/instance'] ?? d.metadata!.name!))
  if (!namespace) {
    let namespaces: k8s.V1NamespaceList | undefined
    try {
      namespaces = await kube.core.listNamespace({ labelSelector })
    } catch (error) {
      // Without 'list namespaces' only Deployments are found; say so, do not fail.
      if (kubeStatus(error).code !== 403) throw kubeError('Listing preview namespaces', error, kube.server)
    }
    for (const ns of namespaces?.items ?? []) {
      const pr = ns.metadata?.labels?.[PREVIEW_LABEL.pullRequest]
      if (!found.some(f => f.namespace === ns.metadata!.name && String(f.pullRequest) === pr)) found.push({ ...toFound(ns.metadata!, defaultName), namespace: ns.metadata!.name! })
    }
  }
  return found.filter(p => Number.isInteger(p.pullRequest) && p.pullRequest > 0).sort((a, b) => a.pullRequest - b.pullRequest || a.namespace.localeCompare(b.namespace))
}

function toFound(metadata: k8s.V1ObjectMeta, name: string): FoundPreview {
  return {
    namespace: metadata.namespace ?? '',
    name,
    pullRequest: Number(metadata.labels?.[PREVIEW_LABEL.pullRequest]),
    createdAt: new Date(metadata.creationTimestamp ?? 0),
    gatewayResource: metadata.annotations?.[PREVIEW_ANNOTATION.gatewayResource]
  }
}
