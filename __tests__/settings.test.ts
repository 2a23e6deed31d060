import { describe, expect, it } from '@jest/globals'
import { MAX_TOKEN_LIFETIME_MS, readSettings, SettingsError, type ArmTokenSettings, type ProvidedTokenSettings, type Settings } from '../src/settings.js'
import { actionYml, CLIENT_ID, DAY_MS, inputs, makeToken, MINIMAL_OIDC, SUBSCRIPTION_ID, TENANT_ID } from '../__fixtures__/gateway.js'

const NOW = new Date(Date.UTC(2030, 2, 10, 8, 0))

function read(overrides: Record<string, string> = {}): Settings {
  return readSettings(inputs({ ...MINIMAL_OIDC, ...overrides }), NOW)
}

/** The SettingsError readSettings throws (fails the test when it does not throw one). */
function problemsOf(overrides: Record<string, string>, base: Record<string, string> = MINIMAL_OIDC): SettingsError {
  try {
    readSettings(inputs({ ...base, ...overrides }), NOW)
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }
  throw new Error(`readSettings accepted ${JSON.stringify(overrides)}`)
}

function arm(settings: Settings): ArmTokenSettings {
  expect(settings.token.source).toBe('arm')
  return settings.token as ArmTokenSettings
}

/** Inputs for the "token given" path: no Azure inputs at all. */
const GIVEN_BASE: Record<string, string> = { 'gateway-name': 'gw-eu', 'service-name': 'contoso-apim', namespace: 'apim' }

describe('readSettings with action.yml defaults', () => {
  it('accepts the minimal OIDC inputs and applies every default from action.yml', () => {
    const s = read()
    const token = arm(s)
    const d = actionYml.inputs
    expect(token.mode).toBe(d['token-mode'].default)
    expect(token.keyType).toBe(d['key-type'].default)
    expect(token.lifetimeMs).toBe(29 * DAY_MS) // action.yml's '29d'
    expect(token.azure).toEqual({
      authType: d['auth-type'].default,
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      subscriptionId: SUBSCRIPTION_ID,
      audience: d.audience.default,
      environment: d.environment.default,
      authorityHost: 'https://login.microsoftonline.com',
      armEndpoint: 'https://management.azure.com'
    })
    expect(s.apim).toEqual({ resourceGroup: 'rg-apim', serviceName: 'contoso-apim', gatewayName: 'gw-eu' })
    expect(s.kube).toEqual({ kubeconfig: undefined, context: undefined, namespace: 'apim', createNamespace: d['create-namespace'].default === 'true' })
    expect(s.gateway).toEqual({
      name: d.name.default,
      authLayout: d['auth-layout'].default,
      configEndpoint: 'https://contoso-apim.configuration.azure-api.net',
      image: d.image.default,
      replicas: Number(d.replicas.default),
      cpu: d.cpu.default,
      memory: d.memory.default,
      serviceType: d['service-type'].default,
      logLevel: d['log-level'].default
    })
    expect(s.wait).toBe(d.wait.default === 'true')
    expect(s.timeoutMs).toBe(10 * 60_000) // action.yml's '10m'
  })

  it('trims inputs and keeps the kubeconfig as given', () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\n'
    const s = read({ 'gateway-name': '  gw-eu  ', namespace: ' apim\n', kubeconfig, context: ' dev ' })
    expect(s.apim.gatewayName).toBe('gw-eu')
    expect(s.kube.namespace).toBe('apim')
    expect(s.kube.kubeconfig).toBe(kubeconfig)
    expect(s.kube.context).toBe('dev')
  })

  it.each([
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['yes', true],
    ['off', false]
  ])('reads the boolean %p as %p', (text, value) => {
    expect(read({ wait: text, 'create-namespace': text }).wait).toBe(value)
    expect(read({ wait: text, 'create-namespace': text }).kube.createNamespace).toBe(value)
  })

  it('reads the other enumerations and numbers', () => {
    const s = read({ 'token-mode': 'regenerate', 'key-type': 'secondary', 'auth-layout': 'token-env', 'service-type': 'ClusterIP', replicas: '3', cpu: '500m', memory: '512Mi', 'log-level': 'debug', timeout: '90s', 'token-lifetime': 'P7D' })
    expect(arm(s)).toMatchObject({ mode: 'regenerate', keyType: 'secondary', lifetimeMs: 7 * DAY_MS })
    expect(s.gateway).toMatchObject({ authLayout: 'token-env', serviceType: 'ClusterIP', replicas: 3, cpu: '500m', memory: '512Mi', logLevel: 'debug' })
    expect(s.timeoutMs).toBe(90_000)
  })
})

describe('problems are reported together', () => {
  it('throws one SettingsError naming each bad input', () => {
    const error = problemsOf({ 'client-id': 'my-app', 'subscription-id': '', 'key-type': 'tertiary', replicas: '0', namespace: 'Prod', 'log-level': 'verbose', wait: 'maybe' })
    const named = error.problems.map(p => /^input '([^']+)'/.exec(p)?.[1])
    expect(new Set(named)).toEqual(new Set(['client-id', 'subscription-id', 'key-type', 'replicas', 'namespace', 'log-level', 'wait']))
    expect(error.problems).toHaveLength(7)
    expect(error.message).toContain('7 problems')
    for (const problem of error.problems) expect(error.message).toContain(problem)
  })

  it('says "1 problem" for one', () => {
    const error = problemsOf({ replicas: 'two' })
    expect(error.problems).toEqual([expect.stringMatching(/^input 'replicas': .*'two'/)])
    expect(error.message).toContain('(1 problem)')
  })

  it('names the required inputs when they are missing', () => {
    const error = problemsOf({ 'gateway-name': '', namespace: '' })
    expect(error.problems.some(p => p.startsWith("input 'gateway-name': is required"))).toBe(true)
    expect(error.problems.some(p => p.startsWith("input 'namespace': is required"))).toBe(true)
  })

  it.each([
    ['replicas', '101'],
    ['replicas', '-1'],
    ['replicas', '1.5'],
    ['cpu', 'two'],
    ['memory', '2 GB'],
    ['image', 'mcr.microsoft.com/x y'],
    ['service-type', 'Ingress'],
    ['auth-type', 'secret'],
    ['token-mode', 'rotate'],
    ['auth-layout', 'helm'],
    ['timeout', 'soon'],
    ['timeout', '0s'],
    ['token-lifetime', 'forever'],
    ['token-lifetime', '0d'],
    ['environment', 'AzureGermanCloud'],
    ['gateway-name', 'managed'],
    ['gateway-name', 'MANAGED'],
    ['gateway-name', 'gw&x'],
    ['gateway-name', 'g'.repeat(81)],
    ['service-name', 'https://contoso.azure-api.net'],
    ['resource-group', 'rg with spaces'],
    ['subscription-id', 'my-subscription'],
    ['config-endpoint', 'http://contoso.configuration.azure-api.net'],
    ['config-endpoint', 'https://contoso.configuration.azure-api.net/path']
  ])('rejects %s = %p, naming the input', (name, value) => {
    const error = problemsOf({ [name]: value })
    expect(error.problems.length).toBeGreaterThanOrEqual(1)
    for (const problem of error.problems) expect(problem.startsWith(`input '${name}':`) || (name === 'service-name' && problem.startsWith("input 'config-endpoint':"))).toBe(true)
  })
})

describe('token-lifetime', () => {
  it.each(['30d', 'P30D', '720h', '1h', 'PT1H', '60m'])('accepts %p (between 1 hour and 30 days)', text => {
    expect(arm(read({ 'token-lifetime': text })).lifetimeMs).toBeLessThanOrEqual(MAX_TOKEN_LIFETIME_MS)
  })

  it.each(['31d', '30d1s', '721h', 'P31D', 'P30DT1M'])('rejects %p as over 30 days', text => {
    const error = problemsOf({ 'token-lifetime': text })
    expect(error.problems).toEqual([expect.stringMatching(/^input 'token-lifetime': must be at most 30 days/)])
  })

  it.each(['59m', '3599s', 'PT30M'])('rejects %p as under 1 hour', text => {
    const error = problemsOf({ 'token-lifetime': text })
    expect(error.problems).toEqual([expect.stringMatching(/^input 'token-lifetime': must be at least 1 hour/)])
  })
})

describe('gateway-token', () => {
  const valid = makeToken('gw-eu', new Date(NOW.getTime() + 10 * DAY_MS))

  it('needs no Azure input: no client, tenant, subscription or resource group', () => {
    const s = readSettings(inputs({ ...GIVEN_BASE, 'gateway-token': valid }), NOW)
    expect(s.token.source).toBe('input')
    const token = (s.token as ProvidedTokenSettings).token
    expect(token.value).toBe(valid)
    expect(token.gateway).toBe('gw-eu')
    expect(token.expiresOn.getTime()).toBe(Date.parse(`${new Date(NOW.getTime() + 10 * DAY_MS).toISOString().slice(0, 16)}:00Z`))
    expect(s.gateway.configEndpoint).toBe('https://contoso-apim.configuration.azure-api.net')
  })

  it('ignores Azure-only inputs that would be invalid (token-lifetime, client-id)', () => {
    const s = readSettings(inputs({ ...GIVEN_BASE, 'gateway-token': valid, 'token-lifetime': '90d', 'client-id': 'not-a-guid' }), NOW)
    expect(s.token.source).toBe('input')
  })

  it('accepts the `GatewayKey ` form and surrounding whitespace', () => {
    const s = readSettings(inputs({ ...GIVEN_BASE, 'gateway-token': `  GatewayKey ${valid}\n` }), NOW)
    expect((s.token as ProvidedTokenSettings).token.value).toBe(valid)
  })

  it('needs config-endpoint when service-name is not set either', () => {
    const error = problemsOf({ 'gateway-token': valid, 'service-name': '' }, GIVEN_BASE)
    expect(error.problems).toEqual([expect.stringMatching(/^input 'config-endpoint': is required/)])
    const s = readSettings(inputs({ ...GIVEN_BASE, 'service-name': '', 'gateway-token': valid, 'config-endpoint': 'https://gw.example.com' }), NOW)
    expect(s.gateway.configEndpoint).toBe('https://gw.example.com')
  })

  const cases: Array<[string, string, RegExp]> = [
    ['a token of another gateway', makeToken('gw-us', new Date(NOW.getTime() + DAY_MS)), /issued for gateway 'gw-us', but 'gateway-name' is 'gw-eu'/],
    ['an expired token', makeToken('gw-eu', new Date(NOW.getTime() - 60_000)), /expired on \d{4}-\d\d-\d\dT/],
    ['a token expiring right now', makeToken('gw-eu', NOW), /expired on/],
    ['a raw gateway key', 'Zm9vYmFyYmF6cXV4'.repeat(5) + 'AA==', /raw gateway key/],
    ['a raw gateway key with prefix', 'GatewayKey ' + 'Zm9vYmFyYmF6cXV4'.repeat(5) + 'AA==', /raw gateway key/],
    ['the placeholder of the documentation', '<configuration-token>', /placeholder/],
    ['an unexpanded expression', '${{ secrets.GATEWAY_TOKEN }}', /placeholder/],
    ['a token with month 13', `gw-eu&203013011200&${'Zm9vYmFy'.repeat(11)}`, /expiry is not a valid/]
  ]
  it.each(cases)('rejects %s with a message that does not echo the value', (_what, value, message) => {
    const error = problemsOf({ 'gateway-token': value }, GIVEN_BASE)
    expect(error.problems).toEqual([expect.stringMatching(/^input 'gateway-token': /)])
    expect(error.problems[0]).toMatch(message)
    const signature = value.split('&').at(-1)!.replace(/^GatewayKey /, '')
    expect(error.message).not.toContain(value.trim())
    expect(error.message).not.toContain(signature)
    expect(error.message).not.toContain(Buffer.from(value).toString('base64'))
  })

  it('reports a bad token together with other problems', () => {
    const error = problemsOf({ 'gateway-token': '<configuration-token>', namespace: 'Prod', replicas: '0' }, GIVEN_BASE)
    expect(error.problems.map(p => /^input '([^']+)'/.exec(p)?.[1]).sort()).toEqual(['gateway-token', 'namespace', 'replicas'])
  })
})

describe('Azure sign-in inputs', () => {
  it('requires client-id, tenant-id, subscription-id, resource-group and service-name for OIDC', () => {
    const error = problemsOf({ 'client-id': '', 'tenant-id': '', 'subscription-id': '', 'resource-group': '', 'service-name': '', 'config-endpoint': 'https://x.example.com' })
    expect(error.problems.map(p => /^input '([^']+)'/.exec(p)?.[1]).sort()).toEqual(['client-id', 'resource-group', 'service-name', 'subscription-id', 'tenant-id'])
  })

  it('does not require client-id and tenant-id with auth-type azure-cli, but still the subscription', () => {
    const s = read({ 'auth-type': 'azure-cli', 'client-id': '', 'tenant-id': '' })
    expect(arm(s).azure.authType).toBe('azure-cli')
    const error = problemsOf({ 'auth-type': 'azure-cli', 'client-id': '', 'tenant-id': '', 'subscription-id': '' })
    expect(error.problems).toEqual([expect.stringMatching(/^input 'subscription-id': is required/)])
  })

  it('rejects a client-id that is not a GUID', () => {
    expect(problemsOf({ 'client-id': 'api://my-app' }).problems).toEqual([expect.stringMatching(/^input 'client-id': must be the application \(client\) ID/)])
  })

  it.each([
    ['AzureCloud', 'https://login.microsoftonline.com', 'https://management.azure.com'],
    ['AzureUSGovernment', 'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net'],
    ['AzureChinaCloud', 'https://login.chinacloudapi.cn', 'https://management.chinacloudapi.cn']
  ])('environment %s picks its authority and Resource Manager endpoint', (environment, authorityHost, armEndpoint) => {
    expect(arm(read({ environment })).azure).toMatchObject({ environment, authorityHost, armEndpoint })
  })

  it('authority-host and arm-endpoint override the environment (trailing slash dropped)', () => {
    const azure = arm(read({ environment: 'AzureUSGovernment', 'authority-host': 'https://login.stack.example/', 'arm-endpoint': 'https://management.stack.example' })).azure
    expect(azure.authorityHost).toBe('https://login.stack.example')
    expect(azure.armEndpoint).toBe('https://management.stack.example')
  })

  it.each([
    ['authority-host', 'http://login.stack.example'],
    ['authority-host', 'login.stack.example'],
    ['arm-endpoint', 'http://management.stack.example'],
    ['arm-endpoint', 'ftp://management.stack.example'],
    ['arm-endpoint', 'https://']
  ])('rejects %s = %p: it must be https', (name, value) => {
    expect(problemsOf({ [name]: value }).problems).toEqual([`input '${name}': must be an https:// URL, got '${value}'.`])
  })
})

describe('Kubernetes names', () => {
  it.each(['apim', 'apim-prod', 'a', '0gw', 'x'.repeat(63)])('accepts the namespace %p', namespace => {
    expect(read({ namespace }).kube.namespace).toBe(namespace)
  })

  it.each(['Apim', 'apim_prod', '-apim', 'apim-', 'apim.prod', 'x'.repeat(64)])('rejects the namespace %p', namespace => {
    const error = problemsOf({ namespace })
    expect(error.problems.every(p => p.startsWith("input 'namespace':"))).toBe(true)
  })

  it('accepts a name that leaves room for the longest suffix (-loadbalancer) within 63 characters', () => {
    expect(read({ name: 'g'.repeat(50) }).gateway.name).toBe('g'.repeat(50))
    expect(problemsOf({ name: 'g'.repeat(51) }).problems).toEqual([expect.stringMatching(/^input 'name': .*at most 50 characters/)])
  })

  it.each(['Apim', 'apim_gw', 'apim.gw', '-apim', 'apim-', ''])('rejects the name %p', name => {
    const error = problemsOf({ name })
    expect(error.problems).toEqual([expect.stringMatching(/^input 'name': /)])
  })
})

describe('config-endpoint', () => {
  it('defaults to https://<service-name>.configuration.azure-api.net', () => {
    expect(read({ 'service-name': 'fabrikam-01' }).gateway.configEndpoint).toBe('https://fabrikam-01.configuration.azure-api.net')
  })

  it('takes an explicit value, with or without scheme (the portal layout has none)', () => {
    expect(read({ 'config-endpoint': 'https://custom.example.com' }).gateway.configEndpoint).toBe('https://custom.example.com')
    expect(read({ 'config-endpoint': 'contoso-apim.configuration.azure-api.net' }).gateway.configEndpoint).toBe('contoso-apim.configuration.azure-api.net')
  })
})
