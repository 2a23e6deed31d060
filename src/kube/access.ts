import type { Kube } from './client.js'
import { kubeError } from './errors.js'

export interface Permission {
  group: string
  resource: string
  verb: string
  subresource?: string
  /** Needed for the job to succeed, or only for diagnostics (warned about, not fatal). */
  required: boolean
}

/** What a deploy does in the namespace: lock, apply (patch, or create the first time), then watch. */
export function deployPermissions(wait: boolean): Permission[] {
  const verbs = (group: string, resource: string, list: string[]): Permission[] => list.map(verb => ({ group, resource, verb, required: true }))
  const apply = (group: string, resource: string): Permission[] => verbs(group, resource, ['get', 'patch', 'create'])
  return [
    ...verbs('coordination.k8s.io', 'leases', ['get', 'create', 'update', 'delete']),
    ...apply('', 'secrets'),
    ...apply('', 'configmaps'),
    ...apply('', 'services'),
    ...apply('apps', 'deployments'),
    ...(wait
      ? [
          { group: 'apps', resource: 'deployments', verb: 'watch', required: true },
          { group: 'apps', resource: 'deployments', verb: 'list', required: true },
          { group: '', resource: 'pods', verb: 'list', required: false },
          { group: '', resource: 'pods', verb: 'watch', required: false },
          { group: '', resource: 'pods', subresource: 'log', verb: 'get', required: false },
          { group: '', resource: 'events', verb: 'list', required: false }
        ]
      : [])
  ]
}

/** What a teardown does: delete its own namespace, or only its labelled objects in a shared one. */
export function teardownPermissions(namespace: 'owned' | 'shared' | 'created-shared'): Permission[] {
  if (namespace === 'owned') return [{ group: '', resource: 'namespaces', verb: 'delete', required: true }]
  const kinds: [string, string][] = [['apps', 'deployments'], ['', 'services'], ['', 'configmaps'], ['', 'secrets']]
  return [
    ...kinds.flatMap(([group, resource]) => ['list', 'delete'].map(verb => ({ group, resource, verb, required: true }))),
    ...(namespace === 'created-shared' ? [{ group: '', resource: 'namespaces', verb: 'patch', required: true }] : [])
  ]
}

export function describePermission(p: Permission): string {
  const resource = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`
  return `${p.verb} ${resource}`
}

/**
 * Asks the API server (SelfSubjectAccessReview, allowed to every signed-in user) whether each
 * permission is granted, so a missing verb is reported before anything is changed.
 */
export async function missingPermissions(kube: Kube, namespace: string, permissions: Permission[]): Promise<Permission[]> {
  const answers = await Promise.all(
    permissions.map(async p => {
      try {
        const review = await kube.authz.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { namespace, group: p.group, resource: p.resource, subresource: p.subresource, verb: p.verb } }
          }
        })
        return review.status?.allowed === true
      } catch (error) {
        throw kubeError('Checking Kubernetes permissions (SelfSubjectAccessReview)', error, kube.server)
      }
    })
  )
  return permissions.filter((_, i) => !answers[i])
}
