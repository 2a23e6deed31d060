/**
 * A load-balancer controller for the test cluster, as MetalLB or a cloud controller would be: it
 * gives each Service of type LoadBalancer a loopback address in status.loadBalancer.ingress, after
 * a delay (the namespace annotation `fake-lb.test/delay-ms`, else `defaultDelayMs`; `never` leaves
 * it pending).
 */
import * as k8s from '@kubernetes/client-node'

export const DELAY_ANNOTATION = 'fake-lb.test/delay-ms'

export interface LoadBalancerController {
  stop(): Promise<void>
}

export async function startLoadBalancerController(opts: { kubeconfig: string; defaultDelayMs?: number; log?: (line: string) => void }): Promise<LoadBalancerController> {
  const config = new k8s.KubeConfig()
  config.loadFromString(opts.kubeconfig)
  const core = config.makeApiClient(k8s.CoreV1Api)
  const log = opts.log ?? (() => {})
  const timers = new Map<string, NodeJS.Timeout>()
  let next = 1

  const assign = async (service: k8s.V1Service): Promise<void> => {
    const { name, namespace } = service.metadata as { name: string; namespace: string }
    const ip = `127.0.${Math.floor(next / 250) + 10}.${(next++ % 250) + 1}`
    await core.patchNamespacedServiceStatus(
      { name, namespace, body: { status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
    )
    log(`service ${namespace}/${name}: load balancer ${ip}`)
  }

  const consider = async (service: k8s.V1Service): Promise<void> => {
    const key = `${service.metadata?.namespace}/${service.metadata?.name}`
    if (service.spec?.type !== 'LoadBalancer' || (service.status?.loadBalancer?.ingress?.length ?? 0) > 0 || timers.has(key)) return
    const ns = await core.readNamespace({ name: service.metadata!.namespace! }).catch(() => undefined)
    const setting = ns?.metadata?.annotations?.[DELAY_ANNOTATION]
    if (setting === 'never') return
    const delay = setting === undefined ? opts.defaultDelayMs ?? 100 : Number(setting)
    timers.set(key, setTimeout(() => {
      timers.delete(key)
      core.readNamespacedService({ name: service.metadata!.name!, namespace: service.metadata!.namespace! })
        .then(current => (current.status?.loadBalancer?.ingress?.length ? undefined : assign(current)))
        .catch(error => log(`service ${key}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`))
    }, delay))
  }

  const informer = k8s.makeInformer(config, '/api/v1/services', () => core.listServiceForAllNamespaces())
  const onService = (service: k8s.V1Service): void => void consider(service).catch(() => {})
  informer.on('add', onService)
  informer.on('update', onService)
  let stopped = false
  let restart: NodeJS.Timeout | undefined
  // A dropped watch is restarted — but not once stopped, or the retry loop would keep jest alive.
  informer.on('error', () => {
    if (!stopped) restart = setTimeout(() => void informer.start().catch(() => {}), 500)
  })
  await informer.start()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(restart)
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      await informer.stop()
    }
  }
}
