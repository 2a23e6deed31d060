import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'
import { ANNOTATION, configHash, FIELD_MANAGER, objectNames, renderManifests, type GatewayObjects, type KubeObject } from '../src/kube/manifests.js'
import { secretForms } from '../src/redact.js'
import { readSettings, type Settings } from '../src/settings.js'
import { parseGatewayToken, type GatewayToken } from '../src/token.js'
import { DAY_MS, inputs, makeToken, MINIMAL_OIDC } from '../__fixtures__/gateway.js'

const NOW = new Date(Date.UTC(2030, 2, 10, 8, 0))
// A verbatim copy of the spec page (the product's reference), kept with the tests so they run anywhere.
const SPEC_MD = readFileSync(new URL('../__fixtures__/spec/self-hosted-gateway-default-authentication.md', import.meta.url), 'utf8')

/** The first fenced YAML block of the spec page that holds all four objects. */
function specObjects(): Record<string, KubeObject> {
  const blocks = [...SPEC_MD.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map(m => m[1])
  const full = blocks.find(b => /kind: Deployment/.test(b) && /kind: Service/.test(b))
  if (!full) throw new Error('the spec page has no YAML block with all four objects')
  const objects = parseAllDocuments(full)
    .map(doc => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null)
  return Object.fromEntries(objects.map(o => [o.kind, o]))
}

function settingsFrom(overrides: Record<string, string> = {}): Settings {
  return readSettings(inputs({ ...MINIMAL_OIDC, ...overrides }), NOW)
}

function tokenFor(gateway = 'gw-eu', days = 29): GatewayToken {
  return parseGatewayToken(makeToken(gateway, new Date(NOW.getTime() + days * DAY_MS)))!
}

type Any = Record<string, any>
const spec = (o: KubeObject): Any => o.spec as Any
const container = (objects: GatewayObjects): Any => spec(objects.deployment).template.spec.containers[0]

describe('renderManifests, spec layout, against the spec page', () => {
  const page = specObjects()
  // The spec page's placeholders, filled the way the page says.
  const settings = settingsFrom({ namespace: 'apim', 'service-name': 'contoso-apim', 'gateway-name': 'gw-eu' })
  const token = tokenFor()
  const objects = renderManifests(settings, token, 'primary')
  const fill = (text: string): string =>
    text.replace('<namespace-name>', 'apim').replace('<service-name>', 'contoso-apim').replace('<gateway-name>', 'gw-eu').replace('<configuration-token>', token.value)

  it('the page has the four objects (self-check)', () => {
    expect(Object.keys(page).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service'])
  })

  it.each(['Secret', 'ConfigMap', 'Deployment', 'Service'] as const)('%s: same apiVersion, name and namespace', kind => {
    const ours = { Secret: objects.secret, ConfigMap: objects.configMap, Deployment: objects.deployment, Service: objects.service }[kind]
    expect(ours.apiVersion).toBe(page[kind].apiVersion)
    expect(ours.kind).toBe(kind)
    expect(ours.metadata.name).toBe(page[kind].metadata.name)
    expect(ours.metadata.namespace).toBe(fill(page[kind].metadata.namespace!))
  })

  it('Secret: type Opaque, the one key of the page holding the token (as data, base64)', () => {
    const pageData = page.Secret.stringData as Record<string, string>
    expect(objects.secret.type).toBe(page.Secret.type)
    const data = objects.secret.data as Record<string, string>
    expect(Object.keys(data)).toEqual(Object.keys(pageData))
    for (const [key, value] of Object.entries(pageData)) expect(Buffer.from(data[key], 'base64').toString('utf8')).toBe(fill(value))
    expect(objects.secret.stringData).toBeUndefined()
  })

  it('ConfigMap: the same data, placeholders filled', () => {
    const pageData = Object.fromEntries(Object.entries(page.ConfigMap.data as Record<string, string>).map(([k, v]) => [k, fill(String(v))]))
    expect(objects.configMap.data).toEqual(pageData)
  })

  it('Deployment: replicas, selector, template labels, container name, image, ports, probe, resources, envFrom', () => {
    const p = spec(page.Deployment)
    const o = spec(objects.deployment)
    expect(o.replicas).toBe(p.replicas)
    expect(o.selector).toEqual(p.selector)
    expect(o.template.metadata.labels).toMatchObject(p.template.metadata.labels)
    const pc = p.template.spec.containers[0]
    const oc = container(objects)
    expect(spec(objects.deployment).template.spec.containers).toHaveLength(p.template.spec.containers.length)
    for (const field of ['name', 'image', 'ports', 'readinessProbe', 'resources', 'envFrom']) expect([field, oc[field]]).toEqual([field, pc[field]])
    expect(oc.env).toBeUndefined()
  })

  it('Service: type, selector and ports 80→8080, 443→8081', () => {
    expect(spec(objects.service)).toEqual(spec(page.Service))
    expect(spec(objects.service).ports.map((p: Any) => [p.port, p.targetPort])).toEqual([[80, 8080], [443, 8081]])
  })

  it('the Service selects the pods of the Deployment', () => {
    const labels = spec(objects.deployment).template.metadata.labels
    for (const [k, v] of Object.entries(spec(objects.service).selector as Record<string, string>)) expect(labels[k]).toBe(v)
    for (const [k, v] of Object.entries(spec(objects.deployment).selector.matchLabels as Record<string, string>)) expect(labels[k]).toBe(v)
  })
})

describe('renderManifests, what the action adds', () => {
  const settings = settingsFrom({ name: 'gw-prod', namespace: 'edge', replicas: '3', cpu: '500m', memory: '1Gi', image: 'mcr.microsoft.com/azure-api-management/gateway:2.9.1', 'service-type': 'ClusterIP', 'log-level': 'warn' })
  const token = tokenFor()
  const objects = renderManifests(settings, token, 'secondary')
  const all = [objects.secret, objects.configMap, objects.deployment, objects.service]

  it('names the objects from the name input', () => {
    expect(objectNames('gw-prod')).toEqual({ secret: 'gw-prod-token', configMap: 'gw-prod-env', deployment: 'gw-prod', service: 'gw-prod-loadbalancer' })
    expect(all.map(o => o.metadata.name)).toEqual(['gw-prod-token', 'gw-prod-env', 'gw-prod', 'gw-prod-loadbalancer'])
    expect(all.every(o => o.metadata.namespace === 'edge')).toBe(true)
    expect(container(objects).envFrom).toEqual([{ configMapRef: { name: 'gw-prod-env' } }, { secretRef: { name: 'gw-prod-token' } }])
    expect(spec(objects.deployment).selector.matchLabels).toEqual({ app: 'gw-prod' })
    expect(spec(objects.service).selector).toEqual({ app: 'gw-prod' })
  })

  it('puts the action labels on every object and on the pods', () => {
    const labels = {
      'app.kubernetes.io/name': 'apim-gateway',
      'app.kubernetes.io/instance': 'gw-prod',
      'app.kubernetes.io/component': 'self-hosted-gateway',
      'app.kubernetes.io/managed-by': FIELD_MANAGER
    }
    for (const o of all) expect(o.metadata.labels).toEqual(labels)
    expect(spec(objects.deployment).template.metadata.labels).toEqual({ app: 'gw-prod', ...labels })
  })

  it('uses the inputs for replicas, image, resources, service type and log level', () => {
    expect(spec(objects.deployment).replicas).toBe(3)
    expect(container(objects).image).toBe('mcr.microsoft.com/azure-api-management/gateway:2.9.1')
    expect(container(objects).resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } })
    expect(spec(objects.service).type).toBe('ClusterIP')
    expect((objects.configMap.data as Any)['telemetry.logs.std.level']).toBe('warn')
  })

  it('rolls with maxUnavailable 0: a Ready pod goes only once its replacement is Ready', () => {
    expect(spec(objects.deployment).strategy.type).toBe('RollingUpdate')
    expect(spec(objects.deployment).strategy.rollingUpdate.maxUnavailable).toBe(0)
    expect(spec(objects.deployment).strategy.rollingUpdate.maxSurge).toBeGreaterThanOrEqual(1)
  })

  it("annotates the Secret with the key type and the token's expiry", () => {
    expect(objects.secret.metadata.annotations).toEqual({
      [ANNOTATION.keyType]: 'secondary',
      [ANNOTATION.tokenExpiresOn]: token.expiresOn.toISOString()
    })
    expect(renderManifests(settings, token, 'unknown').secret.metadata.annotations?.[ANNOTATION.keyType]).toBe('unknown')
  })

  it('annotates the pod template with the config hash it returns', () => {
    expect(spec(objects.deployment).template.metadata.annotations).toEqual({ [ANNOTATION.configHash]: objects.configHash })
    expect(objects.configHash).toMatch(/^[0-9a-f]{16}$/)
  })

  it('is pure: the same settings and token render the same objects', () => {
    expect(renderManifests(settings, token, 'secondary')).toEqual(objects)
  })
})

describe('config hash', () => {
  const token = tokenFor()
  const hash = (overrides: Record<string, string>, t: GatewayToken = token, keyType: 'primary' | 'secondary' = 'primary'): string =>
    renderManifests(settingsFrom(overrides), t, keyType).configHash
  const base = hash({})

  it('changes with the token', () => {
    expect(hash({}, tokenFor())).not.toBe(base)
    expect(hash({}, tokenFor('gw-eu', 10))).not.toBe(base)
  })

  it.each([
    ['log-level', 'debug'],
    ['config-endpoint', 'https://other.configuration.azure-api.net'],
    ['gateway-name', 'gw-us'],
    ['auth-layout', 'token-env']
  ])('changes when %s changes (the environment of the container)', (name, value) => {
    const t = name === 'gateway-name' ? parseGatewayToken(token.value.replace(/^gw-eu&/, 'gw-us&'))! : token
    expect(hash({ [name]: value }, t)).not.toBe(base)
  })

  it.each([
    ['replicas', '4'],
    ['image', 'mcr.microsoft.com/azure-api-management/gateway:2.9.1'],
    ['cpu', '1'],
    ['memory', '4Gi'],
    ['service-type', 'NodePort'],
    ['timeout', '20m'],
    ['wait', 'false']
  ])('does not change when only %s changes', (name, value) => {
    expect(hash({ [name]: value })).toBe(base)
  })

  it('does not change with the key type annotation', () => {
    expect(hash({}, token, 'secondary')).toBe(base)
  })

  it('is a function of the secret value and the ConfigMap data only, independent of key order', () => {
    expect(configHash('a', { x: '1', y: '2' })).toBe(configHash('a', { y: '2', x: '1' }))
    expect(configHash('a', { x: '1', y: '2' })).not.toBe(configHash('a', { x: '1', y: '3' }))
    expect(configHash('a', { x: '1' })).not.toBe(configHash('b', { x: '1' }))
    // the boundary between key and value is not ambiguous
    expect(configHash('a', { 'x=1': '' })).not.toBe(configHash('a', { x: '=1' }))
  })
})

describe('renderManifests, token-env layout (portal and Helm)', () => {
  const settings = settingsFrom({ 'auth-layout': 'token-env' })
  const token = tokenFor()
  const objects = renderManifests(settings, token, 'primary')

  it('stores `GatewayKey <token>` under the Secret key `value`', () => {
    expect(objects.secret.data).toEqual({ value: Buffer.from(`GatewayKey ${token.value}`).toString('base64') })
  })

  it('reads config.service.auth from the Secret through env, and the ConfigMap through envFrom only', () => {
    const c = container(objects)
    expect(c.env).toEqual([{ name: 'config.service.auth', valueFrom: { secretKeyRef: { name: 'apim-gateway-token', key: 'value' } } }])
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'apim-gateway-env' } }])
  })

  it('has no `config.service.auth: key` in the ConfigMap', () => {
    const data = objects.configMap.data as Record<string, string>
    expect(data).not.toHaveProperty(['config.service.auth'])
    expect(data).toEqual({
      'gateway.name': 'gw-eu',
      'config.service.endpoint': 'https://contoso-apim.configuration.azure-api.net',
      'telemetry.logs.std.level': 'info'
    })
  })
})

describe('the token appears only in the Secret data', () => {
  it.each(['spec', 'token-env'])('%s layout', layout => {
    const token = tokenFor()
    const objects = renderManifests(settingsFrom({ 'auth-layout': layout }), token, 'primary')
    const { data, ...secretRest } = objects.secret
    const elsewhere = JSON.stringify([secretRest, objects.configMap, objects.deployment, objects.service, objects.configHash])
    for (const form of secretForms(token.value)) expect(elsewhere).not.toContain(form)
    // and the Secret data does hold it
    expect(Object.values(data as Record<string, string>).map(v => Buffer.from(v, 'base64').toString()).join()).toContain(token.value)
  })
})
