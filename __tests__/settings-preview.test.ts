/**
 * readSettings for the pull-request preview commands (preview, teardown, prune). Inputs are
 * action.yml's defaults plus overrides; the `${{ … }}` defaults of `github-token` and
 * `pull-request` are evaluated by the real runner, so every test passes them explicitly.
 */
import { describe, expect, it } from '@jest/globals'
import { readSettings, SettingsError, type Settings } from '../src/settings.js'
import { runContextFrom, type RunContext } from '../src/github/context.js'
import { parseGatewayResourceId } from '../src/preview/naming.js'
import { DAY_MS, inputs, makeToken, MINIMAL_OIDC, SUBSCRIPTION_ID } from '../__fixtures__/gateway.js'

const NOW = new Date('2030-03-10T08:00:00Z')
const GITHUB_TOKEN = 'ghs_workflowTokenForTests0123456789'

/** A preview step on a pull_request event: MINIMAL_OIDC plus the preview inputs. */
const PREVIEW: Record<string, string> = {
  ...MINIMAL_OIDC,
  command: 'preview',
  'gateway-name': 'pr-7',
  namespace: 'apim-pr-7',
  'gateway-apis': 'echo-api',
  'github-token': GITHUB_TOKEN,
  'pull-request': '7'
}

const PRUNE: Record<string, string> = { ...PREVIEW, command: 'prune', 'gateway-name': '', namespace: '', 'pull-request': '' }

/** The context of a `pull_request` run of owner/repo for pull request `number` (null: an event without one). */
function prContext(number: number | null = 7, env: Record<string, string> = {}): RunContext {
  return runContextFrom(
    { GITHUB_REPOSITORY: 'owner/repo', GITHUB_EVENT_NAME: 'pull_request', GITHUB_RUN_ID: '99', GITHUB_ACTOR: 'alice', ...env },
    number === null ? {} : { pull_request: { number, head: { sha: 'a'.repeat(40), repo: { full_name: 'owner/repo' } }, user: { login: 'alice' } } }
  )
}

/** `context` null: readSettings gets no run context at all. */
function read(overrides: Record<string, string> = {}, context: RunContext | null = prContext(), base: Record<string, string> = PREVIEW): Settings {
  return readSettings(inputs({ ...base, ...overrides }), NOW, context ?? undefined)
}

/** The problems readSettings reports (fails the test when it accepts the inputs). */
function problems(overrides: Record<string, string>, context: RunContext | null = prContext(), base: Record<string, string> = PREVIEW): string[] {
  try {
    read(overrides, context, base)
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return (error as SettingsError).problems
  }
  throw new Error(`readSettings accepted ${JSON.stringify(overrides)}`)
}

const about = (found: string[], input: string): string[] => found.filter(p => p.startsWith(`input '${input}'`))

describe('readSettings for command: preview', () => {
  it('reads the preview settings, with action.yml defaults for skip-on-fork and address-timeout', () => {
    const context = prContext()
    const s = read({}, context)
    expect(s.command).toBe('preview')
    expect(s.token.source).toBe('arm')
    expect(s.apim).toEqual({ resourceGroup: 'rg-apim', serviceName: 'contoso-apim', gatewayName: 'pr-7' })
    expect(s.kube.namespace).toBe('apim-pr-7')
    expect(s.preview).toEqual({
      repository: 'owner/repo',
      pullRequest: 7,
      apis: ['echo-api'],
      githubToken: GITHUB_TOKEN,
      skipOnFork: false,
      addressTimeoutMs: 3 * 60_000,
      maxAgeMs: 0,
      gatewayResource: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/contoso-apim/gateways/pr-7`,
      context
    })
  })

  it('records the ARM id of the gateway resource, which parses back into its parts', () => {
    const s = read({ 'gateway-name': ' pr-42 ', 'resource-group': ' rg-previews ', 'pull-request': '42' })
    expect(parseGatewayResourceId(s.preview!.gatewayResource)).toEqual({
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroup: 'rg-previews',
      serviceName: 'contoso-apim',
      gatewayName: 'pr-42'
    })
  })

  it('always creates the namespace (a preview owns it), whatever create-namespace says', () => {
    expect(read({ 'create-namespace': 'false' }).kube.createNamespace).toBe(true)
    expect(read({ 'create-namespace': 'true' }).kube.createNamespace).toBe(true)
    // Other commands keep the input's value.
    expect(read({ command: 'teardown', 'create-namespace': 'false' }).kube.createNamespace).toBe(false)
    expect(readSettings(inputs({ ...MINIMAL_OIDC, 'create-namespace': 'false' }), NOW).kube.createNamespace).toBe(false)
  })

  it('takes the pull request from the input, else from the event', () => {
    expect(read({ 'pull-request': '12' }, prContext(7)).preview!.pullRequest).toBe(12)
    expect(read({ 'pull-request': ' 12 ' }, prContext(7)).preview!.pullRequest).toBe(12)
    expect(read({ 'pull-request': '' }, prContext(31)).preview!.pullRequest).toBe(31)
  })

  it.each(['preview', 'teardown'])('%s without a pull request names the pull-request input', command => {
    const found = problems({ command, 'pull-request': '' }, prContext(null))
    expect(about(found, 'pull-request')).toHaveLength(1)
    expect(about(found, 'pull-request')[0]).toContain('is required')
    expect(about(found, 'pull-request')[0]).toContain(`command: ${command}`)
    // Also with no run context at all.
    expect(about(problems({ command, 'pull-request': '' }, null), 'pull-request')).toHaveLength(1)
  })

  it.each(['abc', '0', '-3', '7.5', '1e3', '#7', '${{ github.event.pull_request.number }}'])('refuses the pull request %p', text => {
    const found = about(problems({ 'pull-request': text }), 'pull-request')
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('must be a pull-request number')
  })

  it('splits gateway-apis on commas and new lines, trims and deduplicates', () => {
    expect(read({ 'gateway-apis': ' echo-api , orders-api\n\n  petstore,echo-api,\norders-api ' }).preview!.apis).toEqual(['echo-api', 'orders-api', 'petstore'])
    expect(read({ 'gateway-apis': 'a\r\nb' }).preview!.apis).toEqual(['a', 'b'])
    expect(read({ 'gateway-apis': '' }).preview!.apis).toEqual([])
    expect(read({ 'gateway-apis': ' , \n ' }).preview!.apis).toEqual([])
  })

  it('refuses API display names and other invalid ids, quoting each', () => {
    const one = about(problems({ 'gateway-apis': 'echo-api, Echo API' }), 'gateway-apis')
    expect(one).toHaveLength(1)
    expect(one[0]).toContain("'Echo API' is not an API id")
    expect(one[0]).not.toContain("'echo-api' is")
    const two = about(problems({ 'gateway-apis': 'a/b\nc#d' }), 'gateway-apis')
    expect(two).toHaveLength(1)
    expect(two[0]).toContain("'a/b', 'c#d' are not API ids")
    expect(about(problems({ 'gateway-apis': 'x'.repeat(257) }), 'gateway-apis')).toHaveLength(1)
    expect(read({ 'gateway-apis': 'x'.repeat(256) }).preview!.apis).toEqual(['x'.repeat(256)])
  })

  it('requires github-token', () => {
    const found = about(problems({ 'github-token': '' }), 'github-token')
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('is required')
    expect(about(problems({ 'github-token': '   ' }), 'github-token')).toHaveLength(1)
    expect(about(problems({ command: 'prune', 'github-token': '' }, prContext(), PRUNE), 'github-token')).toHaveLength(1)
  })

  it('reads skip-on-fork and address-timeout', () => {
    const s = read({ 'skip-on-fork': 'true', 'address-timeout': '90s' })
    expect(s.preview!.skipOnFork).toBe(true)
    expect(s.preview!.addressTimeoutMs).toBe(90_000)
    expect(read({ 'address-timeout': 'PT5M' }).preview!.addressTimeoutMs).toBe(5 * 60_000)
    expect(about(problems({ 'address-timeout': 'soon' }), 'address-timeout')[0]).toContain("got 'soon'")
    expect(about(problems({ 'address-timeout': '0s' }), 'address-timeout')[0]).toContain('longer than zero')
    expect(about(problems({ 'skip-on-fork': 'maybe' }), 'skip-on-fork')).toHaveLength(1)
  })

  it('refuses a run whose GITHUB_REPOSITORY is not owner/repo', () => {
    for (const repository of ['', 'justrepo', 'a/b/c', 'owner /repo']) {
      const context: RunContext = { ...prContext(), repository }
      const found = problems({}, context).filter(p => p.startsWith('GITHUB_REPOSITORY'))
      expect({ repository, found: found.length }).toEqual({ repository, found: 1 })
      expect(found[0]).toContain(`'${repository}'`)
    }
    expect(problems({}, null).some(p => p.startsWith("GITHUB_REPOSITORY is ''"))).toBe(true)
  })

  it('still needs gateway-name and namespace', () => {
    const found = problems({ 'gateway-name': '', namespace: '' })
    expect(about(found, 'gateway-name')).toHaveLength(1)
    expect(about(found, 'namespace')).toHaveLength(1)
  })

  it('reports every problem at once', () => {
    const found = problems({ 'pull-request': 'x', 'gateway-apis': 'Echo API', 'github-token': '', 'address-timeout': 'soon' }, { ...prContext(), repository: 'nope' })
    for (const input of ['pull-request', 'gateway-apis', 'github-token', 'address-timeout']) expect({ input, n: about(found, input).length }).toEqual({ input, n: 1 })
    expect(found.some(p => p.startsWith('GITHUB_REPOSITORY'))).toBe(true)
  })
})

describe('gateway-token with the preview commands', () => {
  it.each([
    ['preview', PREVIEW],
    ['teardown', PREVIEW],
    ['prune', PRUNE]
  ])('%s refuses gateway-token, naming why, without echoing it', (command, base) => {
    const token = makeToken('pr-7', new Date(NOW.getTime() + DAY_MS))
    const found = problems({ command, 'gateway-token': token }, prContext(), base)
    const refusal = about(found, 'gateway-token')
    expect(refusal).toHaveLength(1)
    expect(refusal[0]).toContain(`command: ${command}`)
    expect(refusal[0]).toContain('Azure sign-in')
    expect(found.join('\n')).not.toContain(token)
    expect(found.join('\n')).not.toContain(token.split('&')[2])
  })
})

describe('readSettings for command: teardown', () => {
  it('reads the pull request and the gateway resource, and no timeouts', () => {
    const s = read({ command: 'teardown', 'pull-request': '', 'address-timeout': 'not read' }, prContext(8))
    expect(s.command).toBe('teardown')
    expect(s.preview!.pullRequest).toBe(8)
    expect(s.preview!.addressTimeoutMs).toBe(0)
    expect(s.preview!.maxAgeMs).toBe(0)
    expect(s.preview!.gatewayResource).toMatch(/\/gateways\/pr-7$/)
  })
})

describe('readSettings for command: prune', () => {
  it('needs neither gateway-name nor namespace nor a pull request', () => {
    const s = read({}, prContext(null), PRUNE)
    expect(s.command).toBe('prune')
    expect(s.apim.gatewayName).toBe('')
    expect(s.kube.namespace).toBe('')
    expect(s.preview!.pullRequest).toBe(0)
    expect(s.preview!.gatewayResource).toBe('')
    expect(s.preview!.addressTimeoutMs).toBe(0)
    expect(s.preview!.repository).toBe('owner/repo')
  })

  it('ignores the pull-request input (it finds the previews itself)', () => {
    expect(read({ 'pull-request': 'not-a-number' }, prContext(5), PRUNE).preview!.pullRequest).toBe(0)
  })

  it('reads max-age, defaulting to action.yml\'s 14d', () => {
    expect(read({}, prContext(), PRUNE).preview!.maxAgeMs).toBe(14 * DAY_MS)
    expect(read({ 'max-age': '36h' }, prContext(), PRUNE).preview!.maxAgeMs).toBe(36 * 3_600_000)
    expect(read({ 'max-age': 'P30D' }, prContext(), PRUNE).preview!.maxAgeMs).toBe(30 * DAY_MS)
    expect(about(problems({ 'max-age': 'fortnight' }, prContext(), PRUNE), 'max-age')).toHaveLength(1)
    expect(about(problems({ 'max-age': '0d' }, prContext(), PRUNE), 'max-age')[0]).toContain('longer than zero')
  })

  it('still validates a namespace or gateway-name when one is given', () => {
    expect(about(problems({ namespace: 'Bad_NS' }, prContext(), PRUNE), 'namespace')).toHaveLength(1)
    expect(about(problems({ 'gateway-name': 'has space' }, prContext(), PRUNE), 'gateway-name')).toHaveLength(1)
  })
})

describe('the deploy command', () => {
  it('has no preview settings and ignores the preview inputs', () => {
    const s = readSettings(inputs({ ...MINIMAL_OIDC, 'gateway-apis': 'Echo API', 'github-token': '', 'pull-request': 'x', 'max-age': 'never' }), NOW)
    expect(s.command).toBe('deploy')
    expect(s.preview).toBeUndefined()
  })
})
