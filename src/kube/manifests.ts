import { createHash } from 'node:crypto'
import type { KeyType, Settings } from '../settings.js'
import { PREVIEW_ANNOTATION, previewLabels, previewOf } from '../preview/naming.js'
import { TOKEN_PREFIX, type GatewayToken } from '../token.js'

/** The field manager of every apply, and the prefix of the action's annotations. */
export const FIELD_MANAGER = 'apim-gateway-action'
export const ANNOTATION = {
  configHash: 'apim-gateway-action/config-hash',
  keyType: 'apim-gateway-action/key-type',
  tokenExpiresOn: 'apim-gateway-action/token-expires-on'
} as const

export interface GatewayObjects {
  secret: KubeObject
  configMap: KubeObject
  deployment: KubeObject
  service: KubeObject
  /** The pod-template annotation's value: pods carrying it run this token and configuration. */
  configHash: string
}

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  [field: string]: unknown
}

export interface ObjectNames {
  secret: string
  configMap: string
  deployment: string
  service: string
}

export function objectNames(name: string): ObjectNames {
  return { secret: `${name}-token`, configMap: `${name}-env`, deployment: name, service: `${name}-loadbalancer` }
}

/** Where the token goes in each layout (domain-facts.md, "three layouts"). */
export function secretKey(layout: Settings['gateway']['authLayout']): string {
  return layout === 'spec' ? 'config.service.auth.key' : 'value'
}

/**
 * Renders the spec page's four objects. Pure: the same settings and token always give the same
 * objects, so a re-run applies no change and rolls no pod.
 */
export function renderManifests(settings: Pick<Settings, 'apim' | 'gateway' | 'kube' | 'preview'>, token: GatewayToken, keyType: KeyType | 'unknown'): GatewayObjects {
  const { gateway } = settings
  const preview = settings.preview?.pullRequest ? settings.preview : undefined
  const names = objectNames(gateway.name)
  const namespace = settings.kube.namespace
  const labels = {
    'app.kubernetes.io/name': 'apim-gateway',
    'app.kubernetes.io/instance': gateway.name,
    'app.kubernetes.io/component': 'self-hosted-gateway',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    // A preview's objects say whose they are: teardown and prune select them by these labels only.
    ...(preview ? previewLabels(preview) : {})
  }
  const meta = (name: string, annotations?: Record<string, string>): KubeObject['metadata'] => ({ name, namespace, labels, ...(annotations ? { annotations } : {}) })
  const previewAnnotations = preview ? { [PREVIEW_ANNOTATION.previewOf]: previewOf(preview), [PREVIEW_ANNOTATION.gatewayResource]: preview.gatewayResource } : undefined

  const secretValue = gateway.authLayout === 'spec' ? token.value : `${TOKEN_PREFIX}${token.value}`
  const configData: Record<string, string> = {
    'gateway.name': settings.apim.gatewayName,
    ...(gateway.authLayout === 'spec' ? { 'config.service.auth': 'key' } : {}),
    'config.service.endpoint': gateway.configEndpoint,
    'telemetry.logs.std.level': gateway.logLevel
  }

  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(names.secret, { [ANNOTATION.keyType]: keyType, [ANNOTATION.tokenExpiresOn]: token.expiresOn.toISOString() }),
    type: 'Opaque',
    data: { [secretKey(gateway.authLayout)]: Buffer.from(secretValue).toString('base64') }
  }
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(names.configMap), data: configData }

  const hash = configHash(secretValue, configData)
  const selector = { app: gateway.name }
  const container = {
    name: 'apim-gateway',
    image: gateway.image,
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'https', containerPort: 8081, protocol: 'TCP' }
    ],
    readinessProbe: {
      failureThreshold: 3,
      httpGet: { path: '/internal-status-0123456789abcdef', port: 'http', scheme: 'HTTP' },
      periodSeconds: 5,
      successThreshold: 1,
      timeoutSeconds: 1
    },
    resources: {
      limits: { cpu: gateway.cpu, memory: gateway.memory },
      requests: { cpu: gateway.cpu, memory: gateway.memory }
    },
    envFrom: [
      { configMapRef: { name: names.configMap } },
      ...(gateway.authLayout === 'spec' ? [{ secretRef: { name: names.secret } }] : [])
    ],
    ...(gateway.authLayout === 'token-env'
      ? { env: [{ name: 'config.service.auth', valueFrom: { secretKeyRef: { name: names.secret, key: secretKey('token-env') } } }] }
      : {})
  }
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(names.deployment, previewAnnotations),
    spec: {
      replicas: gateway.replicas,
      selector: { matchLabels: selector },
      // A Ready pod is taken away only once its replacement is Ready: a new token is proven
      // while an old pod keeps serving.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: { ...selector, ...labels },
          // Containers read their environment only at start: a new token or setting must change
          // the template so that the pods roll.
          annotations: { [ANNOTATION.configHash]: hash }
        },
        spec: { containers: [container] }
      }
    }
  }
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names.service),
    spec: {
      type: gateway.serviceType,
      selector,
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 8081 }
      ]
    }
  }
  return { secret, configMap, deployment, service, configHash: hash }
}

/** A short hash that changes with the token or the configuration and reveals neither. */
export function configHash(secretValue: string, configData: Record<string, string>): string {
  const hash = createHash('sha256')
  hash.update(secretValue)
  for (const key of Object.keys(configData).sort()) hash.update(`\0${key}=${configData[key]}`)
  return hash.digest('hex').slice(0, 16)
}
