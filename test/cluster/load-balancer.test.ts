import { describe, expect, test } from '@jest/globals'
import * as k8s from '@kubernetes/client-node'
import { randomBytes } from 'node:crypto'
import { connectCluster } from './cluster.js'
import { DELAY_ANNOTATION } from './load-balancer.js'

// Exercises the controller globalSetup runs for the whole suite (its stop() runs in globalTeardown).
const cluster = connectCluster()
const core = cluster.kubeConfig('admin').makeApiClient(k8s.CoreV1Api)

async function serviceIn(namespace: string, type: string): Promise<void> {
  await core.createNamespacedService({ namespace, body: { metadata: { name: 'svc' }, spec: { type, selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] } } })
}
async function ingressOf(namespace: string, waitMs: number): Promise<string | undefined> {
  const until = Date.now() + waitMs
  for (;;) {
    const ip = (await core.readNamespacedService({ name: 'svc', namespace })).status?.loadBalancer?.ingress?.[0]?.ip
    if (ip || Date.now() > until) return ip
    await new Promise(r => setTimeout(r, 50))
  }
}

describe('load-balancer controller', () => {
  test('the shared controller assigns a loopback address to a LoadBalancer Service, not to ClusterIP', async () => {
    const ns = `lb-${randomBytes(3).toString('hex')}`
    await cluster.createNamespace(ns, { deployer: false })
    await serviceIn(ns, 'LoadBalancer')
    expect(await ingressOf(ns, 10_000)).toMatch(/^127\.0\.\d+\.\d+$/)
    const other = `lb-${randomBytes(3).toString('hex')}`
    await cluster.createNamespace(other, { deployer: false })
    await serviceIn(other, 'ClusterIP')
    expect(await ingressOf(other, 1000)).toBeUndefined()
  })

  test('the namespace annotation delays or withholds the address', async () => {
    const never = `lb-${randomBytes(3).toString('hex')}`
    await cluster.createNamespace(never, { deployer: false, annotations: { [DELAY_ANNOTATION]: 'never' } })
    await serviceIn(never, 'LoadBalancer')
    expect(await ingressOf(never, 1500)).toBeUndefined()
    const slow = `lb-${randomBytes(3).toString('hex')}`
    await cluster.createNamespace(slow, { deployer: false, annotations: { [DELAY_ANNOTATION]: '1500' } })
    const created = Date.now()
    await serviceIn(slow, 'LoadBalancer')
    expect(await ingressOf(slow, 600)).toBeUndefined()
    expect(await ingressOf(slow, 10_000)).toBeDefined()
    expect(Date.now() - created).toBeGreaterThanOrEqual(1400)
  })

})
