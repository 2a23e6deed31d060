import * as k8s from '@kubernetes/client-node'
import { ActionError } from '../errors.js'
import type { Settings } from '../settings.js'

export interface Kube {
  config: k8s.KubeConfig
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  authz: k8s.AuthorizationV1Api
  objects: k8s.KubernetesObjectApi
  /** The API server URL, for messages. */
  server: string
}

/**
 * Loads the cluster connection the way kubectl users expect: the `kubeconfig` input, else
 * KUBECONFIG (set by azure/aks-set-context and azure/k8s-set-context), else ~/.kube/config.
 */
export function connect(settings: Settings['kube']): Kube {
  const config = new k8s.KubeConfig()
  try {
    if (settings.kubeconfig) config.loadFromString(settings.kubeconfig)
    else config.loadFromDefault()
  } catch (error) {
    const source = settings.kubeconfig ? "the 'kubeconfig' input" : process.env.KUBECONFIG ? `KUBECONFIG (${process.env.KUBECONFIG})` : '~/.kube/config'
    throw new ActionError(`Could not read the kubeconfig from ${source}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}. Pass a valid kubeconfig in 'kubeconfig', or run azure/aks-set-context before this step.`)
  }
  if (settings.context) {
    const names = config.getContexts().map(c => c.name)
    if (!names.includes(settings.context)) {
      throw new ActionError(`input 'context': the kubeconfig has no context '${settings.context}'. It has: ${names.join(', ') || 'none'}.`)
    }
    config.setCurrentContext(settings.context)
  }
  const cluster = config.getCurrentCluster()
  if (!cluster) {
    throw new ActionError("No Kubernetes cluster is configured: the kubeconfig has no current context. Pass one in 'kubeconfig' (and 'context'), or run azure/aks-set-context before this step.")
  }
  return {
    config,
    core: config.makeApiClient(k8s.CoreV1Api),
    apps: config.makeApiClient(k8s.AppsV1Api),
    authz: config.makeApiClient(k8s.AuthorizationV1Api),
    objects: strictObjectApi(config, cluster.server),
    server: cluster.server
  }
}

/**
 * The client for server-side apply. Its requests carry `fieldValidation=Strict`, so an unknown or
 * misspelt field fails the apply instead of being dropped silently.
 */
function strictObjectApi(config: k8s.KubeConfig, server: string): k8s.KubernetesObjectApi {
  const strict = {
    pre: (context: k8s.RequestContext) => {
      if (context.getHttpMethod() === k8s.HttpMethod.PATCH) context.setQueryParam('fieldValidation', 'Strict')
      return new k8s.Observable(Promise.resolve(context))
    },
    post: (response: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(response))
  }
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: config },
    middleware: [strict]
  })
  const api = new k8s.KubernetesObjectApi(configuration)
  return api
}
