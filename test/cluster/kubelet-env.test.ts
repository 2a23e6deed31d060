/**
 * The fake kubelet's environment resolution against kubelet's own rules
 * (makeEnvironmentVariables in pkg/kubelet/kubelet_pods.go, Kubernetes v1.37).
 */
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node'
import { type EnvLookups, expandVars, resolveEnv } from './kubelet.js'

const pod: V1Pod = {
  metadata: { name: 'gw-7d9f', namespace: 'team-a', uid: 'uid-1', labels: { app: 'gw', tier: 'edge' }, annotations: { note: 'x' } },
  spec: { nodeName: 'fake-kubelet', serviceAccountName: 'default', containers: [] }
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

function lookups(objects: { configMaps?: Record<string, Record<string, string>>; secrets?: Record<string, Record<string, string>> }): EnvLookups {
  return {
    configMap: (name): V1ConfigMap | undefined => {
      const data = objects.configMaps?.[name]
      return data && { metadata: { name }, data }
    },
    secret: (name): V1Secret | undefined => {
      const data = objects.secrets?.[name]
      return data && { metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) }
    },
    podIP: '127.0.0.7',
    hostIP: '127.0.0.1'
  }
}

function container(spec: Partial<V1Container>): V1Container {
  return { name: 'gateway', image: 'mcr.microsoft.com/azure-api-management/gateway:v2', ...spec }
}

function envOf(spec: Partial<V1Container>, objects: Parameters<typeof lookups>[0] = {}): Record<string, string> {
  const result = resolveEnv(pod, container(spec), lookups(objects))
  if (!result.ok) throw new Error(`expected the environment to resolve, got: ${result.message}`)
  return result.env
}

function failureOf(spec: Partial<V1Container>, objects: Parameters<typeof lookups>[0] = {}): string {
  const result = resolveEnv(pod, container(spec), lookups(objects))
  if (result.ok) throw new Error(`expected CreateContainerConfigError, got ${JSON.stringify(result.env)}`)
  return result.message
}

describe('precedence', () => {
  it('applies envFrom sources in order, later ones overriding earlier ones', () => {
    const env = envOf({ envFrom: [{ configMapRef: { name: 'first' } }, { secretRef: { name: 'second' } }] }, {
      configMaps: { first: { A: 'from-configmap', B: 'only-in-configmap' } },
      secrets: { second: { A: 'from-secret' } }
    })
    expect(env).toEqual({ A: 'from-secret', B: 'only-in-configmap' })
  })

  it('lets env entries override envFrom, whatever their position in the spec', () => {
    const env = envOf({
      env: [{ name: 'A', value: 'from-env' }],
      envFrom: [{ configMapRef: { name: 'cm' } }]
    }, { configMaps: { cm: { A: 'from-configmap' } } })
    expect(env.A).toBe('from-env')
  })

  it('lets a later env entry override an earlier one of the same name', () => {
    expect(envOf({ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }).A).toBe('2')
  })

  it('keeps an entry with neither value nor valueFrom as an empty variable', () => {
    expect(envOf({ env: [{ name: 'EMPTY' }] })).toEqual({ EMPTY: '' })
  })
})

describe('envFrom', () => {
  it('prepends the prefix to every key of the source', () => {
    const env = envOf({ envFrom: [{ prefix: 'GW_', configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 's' } }] }, {
      configMaps: { cm: { endpoint: 'https://x' } },
      secrets: { s: { token: 't' } }
    })
    expect(env).toEqual({ GW_endpoint: 'https://x', S_token: 't' })
  })

  it('passes dotted gateway keys through unchanged', () => {
    const env = envOf({ envFrom: [{ configMapRef: { name: 'gw' } }] }, {
      configMaps: { gw: { 'config.service.endpoint': 'https://gw.configuration.azure-api.net', 'config.service.auth': 'GatewayKey abc' } }
    })
    expect(env['config.service.endpoint']).toBe('https://gw.configuration.azure-api.net')
    expect(env['config.service.auth']).toBe('GatewayKey abc')
  })

  // Since RelaxedEnvironmentVariableValidation went GA (1.34) kubelet no longer skips keys such as
  // these (and no longer records InvalidEnvironmentVariableNames): every ConfigMap key is a valid name.
  it('keeps keys that older kubelets skipped as invalid variable names', () => {
    const env = envOf({ envFrom: [{ configMapRef: { name: 'cm' } }] }, { configMaps: { cm: { '1st': 'a', 'with-dash': 'b', '-lead': 'c' } } })
    expect(env).toEqual({ '1st': 'a', 'with-dash': 'b', '-lead': 'c' })
  })

  it('skips a missing optional source', () => {
    const env = envOf({ envFrom: [{ configMapRef: { name: 'absent', optional: true } }, { secretRef: { name: 'gone', optional: true } }] })
    expect(env).toEqual({})
  })

  it('fails on a missing ConfigMap with kubelet\'s message', () => {
    expect(failureOf({ envFrom: [{ configMapRef: { name: 'gw-config' } }] })).toBe('configmap "gw-config" not found')
  })

  it('fails on a missing Secret with kubelet\'s message', () => {
    expect(failureOf({ envFrom: [{ secretRef: { name: 'gw-token' } }] })).toBe('secret "gw-token" not found')
  })
})

describe('valueFrom', () => {
  it('reads ConfigMap keys and base64-decoded Secret keys', () => {
    const env = envOf({
      env: [
        { name: 'ENDPOINT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'config.service.endpoint' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'value' } } }
      ]
    }, { configMaps: { cm: { 'config.service.endpoint': 'https://e' } }, secrets: { s: { value: 'GatewayKey gw&202501010000&sig==' } } })
    expect(env).toEqual({ ENDPOINT: 'https://e', TOKEN: 'GatewayKey gw&202501010000&sig==' })
  })

  it('decodes multi-byte UTF-8 secret data', () => {
    const env = envOf({ env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, { secrets: { s: { k: 'grüße ✓' } } })
    expect(env.T).toBe('grüße ✓')
  })

  it('leaves out variables whose optional object or key is missing', () => {
    const env = envOf({
      env: [
        { name: 'NO_CM', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
        { name: 'NO_KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } },
        { name: 'NO_SECRET', valueFrom: { secretKeyRef: { name: 'absent', key: 'k', optional: true } } },
        { name: 'NO_SECRET_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'absent', optional: true } } }
      ]
    }, { configMaps: { cm: {} }, secrets: { s: {} } })
    expect(env).toEqual({})
  })

  it('fails on a missing key with kubelet\'s message naming namespace and object', () => {
    expect(failureOf({ env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'gw-token', key: 'value' } } }] }, { secrets: { 'gw-token': { other: 'x' } } }))
      .toBe("couldn't find key value in Secret team-a/gw-token")
    expect(failureOf({ env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'gw', key: 'endpoint' } } }] }, { configMaps: { gw: {} } }))
      .toBe("couldn't find key endpoint in ConfigMap team-a/gw")
  })

  it('fails on a missing object referenced by a key', () => {
    expect(failureOf({ env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'gw-token', key: 'value' } } }] })).toBe('secret "gw-token" not found')
    expect(failureOf({ env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'gw', key: 'e' } } }] })).toBe('configmap "gw" not found')
  })

  it('reports the first failure in spec order, envFrom first', () => {
    expect(failureOf({
      envFrom: [{ secretRef: { name: 'missing-secret' } }],
      env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'missing-cm', key: 'e' } } }]
    })).toBe('secret "missing-secret" not found')
  })

  it('resolves downward API fields', () => {
    const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } })
    const env = envOf({
      env: [
        { name: 'NAME', ...field('metadata.name') },
        { name: 'NS', ...field('metadata.namespace') },
        { name: 'UID', ...field('metadata.uid') },
        { name: 'APP', ...field("metadata.labels['app']") },
        { name: 'NOTE', ...field("metadata.annotations['note']") },
        { name: 'LABELS', ...field('metadata.labels') },
        { name: 'NODE', ...field('spec.nodeName') },
        { name: 'SA', ...field('spec.serviceAccountName') },
        { name: 'POD_IP', ...field('status.podIP') },
        { name: 'HOST_IP', ...field('status.hostIP') }
      ]
    })
    expect(env).toEqual({
      NAME: 'gw-7d9f', NS: 'team-a', UID: 'uid-1', APP: 'gw', NOTE: 'x', LABELS: 'app="gw"\ntier="edge"',
      NODE: 'fake-kubelet', SA: 'default', POD_IP: '127.0.0.7', HOST_IP: '127.0.0.1'
    })
  })

  it('refuses sources it does not model instead of inventing a value', () => {
    expect(failureOf({ env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }))
      .toBe('fake-kubelet does not support resourceFieldRef (env CPU)')
  })
})

describe('$(VAR) expansion', () => {
  it('expands references to envFrom variables and earlier env entries', () => {
    const env = envOf({
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [
        { name: 'HOST', value: 'gw.example' },
        { name: 'URL', value: 'https://$(HOST)/$(path)' }
      ]
    }, { configMaps: { cm: { path: 'status' } } })
    expect(env.URL).toBe('https://gw.example/status')
  })

  it('leaves references to later or undefined variables literal', () => {
    const env = envOf({ env: [{ name: 'A', value: '$(B)-$(NOPE)' }, { name: 'B', value: 'b' }] })
    expect(env.A).toBe('$(B)-$(NOPE)')
  })

  it('can reference the previous value of the variable being defined', () => {
    const env = envOf({ envFrom: [{ configMapRef: { name: 'cm' } }], env: [{ name: 'PATH', value: '$(PATH):/extra' }] }, { configMaps: { cm: { PATH: '/bin' } } })
    expect(env.PATH).toBe('/bin:/extra')
  })

  it('expands references to values that came from secrets and field refs', () => {
    const env = envOf({
      env: [
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'AUTH', value: 'GatewayKey $(TOKEN) for $(POD)' }
      ]
    }, { secrets: { s: { k: 'tok' } } })
    expect(env.AUTH).toBe('GatewayKey tok for gw-7d9f')
  })

  it('does not expand values that came from a source', () => {
    const env = envOf({ env: [{ name: 'A', value: 'a' }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] },
      { configMaps: { cm: { k: '$(A)' } } })
    expect(env.B).toBe('$(A)')
  })

  it.each([
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$$', '$'],
    ['cost: $5', 'cost: $5'],
    ['ends with $', 'ends with $'],
    ['$(A', '$(A'],
    ['$()', '$()'],
    ['$(A)$(A)', 'aa'],
    ['x$(A)y', 'xay']
  ])('expands %j to %j', (input, expected) => {
    expect(expandVars(input, (name) => (name === 'A' ? 'a' : undefined))).toBe(expected)
  })
})
