import type { Kube } from './client.js'
import { kubeError } from './errors.js'

const POLL_MS = 250

/**
 * Waits for the Service's load-balancer address (a cloud controller or MetalLB sets it) and
 * returns it as a URL, or undefined once `timeoutMs` has passed without one.
 */
export async function waitForAddress(kube: Kube, namespace: string, name: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let service
    try {
      service = await kube.core.readNamespacedService({ name, namespace })
    } catch (error) {
      throw kubeError(`Reading Service '${name}' in namespace '${namespace}'`, error, kube.server)
    }
    const ingress = service.status?.loadBalancer?.ingress?.find(i => i.ip || i.hostname)
    const host = ingress?.ip ?? ingress?.hostname
    if (host) return `http://${host.includes(':') ? `[${host}]` : host}`
    if (Date.now() >= deadline) return undefined
    await new Promise(resolve => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))))
  }
}
