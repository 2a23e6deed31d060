import * as core from '@actions/core'
import * as k8s from '@kubernetes/client-node'
import { ActionError } from '../errors.js'
import type { Kube } from './client.js'
import { kubeError, kubeStatus } from './errors.js'

/** One deploy or rotation of a gateway at a time. Short, and renewed while held: a cancelled run's lock frees itself soon. */
export const LEASE_SECONDS = 20

export interface Lock {
  release(): Promise<void>
}

/** Who holds the lock, in words a person can trace back to a workflow run. */
export function holderIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.GITHUB_RUN_ID ? `${env.GITHUB_REPOSITORY ?? ''} run ${env.GITHUB_RUN_ID} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}` : 'a run'
  return `${run} (pid ${process.pid}, ${new Date().toISOString()})`
}

/**
 * Takes a coordination.k8s.io Lease, or fails at once when another run holds one that has not
 * expired. Taking over an expired Lease is a replace with its resourceVersion, so of two runs
 * racing for it only one wins.
 */
export async function acquireLock(kube: Kube, namespace: string, name: string, holder: string): Promise<Lock> {
  const api = kube.config.makeApiClient(k8s.CoordinationV1Api)
  // MicroTime wants six fractional digits; the client passes strings through as they are.
  const now = (): k8s.V1MicroTime => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as k8s.V1MicroTime
  const spec = (): k8s.V1LeaseSpec => ({ holderIdentity: holder, leaseDurationSeconds: LEASE_SECONDS, acquireTime: now(), renewTime: now() })
  let lease: k8s.V1Lease
  try {
    lease = await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: spec() } })
  } catch (error) {
    if (kubeStatus(error).code !== 409) throw kubeError(`Taking the lock (Lease '${name}')`, error, kube.server)
    const existing = await api.readNamespacedLease({ name, namespace })
    const renewed = new Date(String(existing.spec?.renewTime ?? existing.spec?.acquireTime ?? 0)).getTime()
    const expires = renewed + (existing.spec?.leaseDurationSeconds ?? LEASE_SECONDS) * 1000
    if (existing.spec?.holderIdentity && expires > Date.now()) {
      throw new ActionError(
        `Another run of the action is deploying or rotating this gateway: the lock (Lease '${name}' in namespace '${namespace}') is held by ${existing.spec.holderIdentity}. Nothing was changed in the cluster.\n` +
          `Fix: let that run finish (one workflow \`concurrency:\` group for the deploy and rotation workflows avoids this). If it was cancelled, its lock expires at ${new Date(expires).toISOString()}; re-run after that.`
      )
    }
    try {
      lease = await api.replaceNamespacedLease({ name, namespace, body: { metadata: { name, namespace, resourceVersion: existing.metadata?.resourceVersion }, spec: spec() } })
    } catch (raceError) {
      if (kubeStatus(raceError).code === 409) throw new ActionError(`Another run of the action took the lock (Lease '${name}') at the same moment. Nothing was changed in the cluster; re-run later.`)
      throw kubeError(`Taking the lock (Lease '${name}')`, raceError, kube.server)
    }
  }
  core.info(`Lock taken (Lease ${namespace}/${name}).`)

  let current = lease
  const renew = setInterval(() => {
    current = { ...current, spec: { ...current.spec, renewTime: now() } }
    api.replaceNamespacedLease({ name, namespace, body: current }).then(
      updated => void (current = updated),
      error => core.warning(`Could not renew the lock: ${kubeStatus(error).message}`)
    )
  }, (LEASE_SECONDS * 1000) / 4)
  renew.unref()
  return {
    release: async () => {
      clearInterval(renew)
      try {
        await api.deleteNamespacedLease({ name, namespace })
      } catch (error) {
        core.warning(`Could not release the lock (it expires by itself within ${LEASE_SECONDS}s): ${kubeStatus(error).message}`)
      }
    }
  }
}

export function lockName(gatewayObjectsName: string): string {
  return `${gatewayObjectsName}-lock`
}
