/**
 * The pure parts of pull-request previews: naming and ownership, the fork guard, the run context,
 * the pull-request comment and the GitHub error explanations. No cluster, no network.
 */
import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import type { RunContext } from '../src/github/context.js'
import type { CommentState } from '../src/preview/comment.js'

jest.unstable_mockModule('@actions/core', () => core)
const naming = await import('../src/preview/naming.js')
const { guardUntrustedPullRequest, untrustedPullRequest, untrustedPullRequestMessage } = await import('../src/preview/fork-guard.js')
const { runContextFrom } = await import('../src/github/context.js')
const { renderComment } = await import('../src/preview/comment.js')
const { describeGitHubError } = await import('../src/github/api.js')
const { ActionError } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')

const {
  PREVIEW_LABEL,
  commentMarker,
  environmentName,
  gatewayDescription,
  gatewayResourceId,
  ownsGateway,
  parseGatewayResourceId,
  previewLabels,
  previewSelector,
  repositoryLabel
} = naming

/** Kubernetes' label-value rule: at most 63 characters, alphanumerics at both ends, `-_.` inside. */
const K8S_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const isLabelValue = (v: string): boolean => v.length <= 63 && K8S_LABEL_VALUE.test(v)

describe('repositoryLabel', () => {
  it('is owner.repo in lower case for ordinary names', () => {
    expect(repositoryLabel('Contoso/Gateway-Config')).toBe('contoso.gateway-config')
    expect(repositoryLabel('octo/my.repo_x')).toBe('octo.my.repo_x')
    expect(repositoryLabel('owner/.github')).toBe('owner..github')
  })

  it('keeps a value of exactly 63 characters and hashes one of 64', () => {
    const at63 = `o/${'r'.repeat(61)}`
    expect(repositoryLabel(at63)).toBe(`o.${'r'.repeat(61)}`)
    const at64 = `o/${'r'.repeat(62)}`
    expect(repositoryLabel(at64)).toMatch(/^sha256-[0-9a-f]{40}$/)
  })

  it.each([
    ['too long', `some-org/${'a'.repeat(100)}`],
    ['ends with _', 'owner/repo_'],
    ['ends with -', 'owner/repo-'],
    ['ends with .', 'owner/repo.'],
    ['starts with -', '-owner/repo'],
    ['not owner/repo at all', 'a b/c']
  ])('falls back to a hash when the name is %s', (_why, repository) => {
    const label = repositoryLabel(repository)
    expect(label).toMatch(/^sha256-[0-9a-f]{40}$/)
    expect(isLabelValue(label)).toBe(true)
  })

  it('hashes case-insensitively and distinguishes different repositories', () => {
    const long = `Some-Org/${'A'.repeat(70)}`
    expect(repositoryLabel(long)).toBe(repositoryLabel(long.toLowerCase()))
    expect(repositoryLabel(`${long}b`)).not.toBe(repositoryLabel(long))
    expect(repositoryLabel('owner/repo_')).not.toBe(repositoryLabel('owner/repo-'))
  })

  it('always yields a valid Kubernetes label value', () => {
    for (const repository of ['Owner/Repo', 'owner/.github', 'a/b', `x/${'y'.repeat(99)}`, 'owner/repo_', 'UPPER/CASE.Name', 'owner/re_po-1.2']) {
      expect({ repository, valid: isLabelValue(repositoryLabel(repository)) }).toEqual({ repository, valid: true })
    }
  })
})

describe('previewLabels and previewSelector', () => {
  it('labels the repository and the pull request', () => {
    expect(previewLabels({ repository: 'Owner/Repo', pullRequest: 7 })).toEqual({
      'apim-gateway-action/repository': 'owner.repo',
      'apim-gateway-action/pull-request': '7'
    })
    for (const value of Object.values(previewLabels({ repository: `o/${'z'.repeat(80)}`, pullRequest: 123456 }))) expect(isLabelValue(value)).toBe(true)
  })

  it('selects one pull request, or every preview of the repository', () => {
    expect(previewSelector('Owner/Repo', 7)).toBe('apim-gateway-action/repository=owner.repo,apim-gateway-action/pull-request=7')
    expect(previewSelector('Owner/Repo')).toBe('apim-gateway-action/repository=owner.repo')
    expect(previewSelector('Owner/Repo', 0)).toBe('apim-gateway-action/repository=owner.repo')
  })

  it('selects exactly what previewLabels labels (hash fallback included)', () => {
    const preview = { repository: `org/${'n'.repeat(90)}`, pullRequest: 12 }
    const labels = previewLabels(preview)
    const selector = previewSelector(preview.repository, preview.pullRequest)
    expect(selector).toBe(`${PREVIEW_LABEL.repository}=${labels[PREVIEW_LABEL.repository]},${PREVIEW_LABEL.pullRequest}=${labels[PREVIEW_LABEL.pullRequest]}`)
  })
})

describe('gatewayDescription and ownsGateway', () => {
  const SERVER = 'https://github.com'
  const mine = { repository: 'owner/repo', pullRequest: 7 }
  const description = gatewayDescription(mine, SERVER)

  it('describes the preview with a link to the pull request', () => {
    expect(description).toContain('owner/repo#7')
    expect(description).toContain('https://github.com/owner/repo/pull/7')
    expect(description).toContain('apim-gateway-action')
  })

  it('owns its own gateway', () => {
    expect(ownsGateway(description, mine)).toBe(true)
  })

  it('compares the repository case-insensitively', () => {
    expect(ownsGateway(gatewayDescription({ repository: 'Owner/Repo', pullRequest: 7 }, SERVER), mine)).toBe(true)
    expect(ownsGateway(description, { repository: 'OWNER/REPO', pullRequest: 7 })).toBe(true)
  })

  it('never owns another pull request of the same repository (#7 vs #70, #70 vs #7)', () => {
    expect(ownsGateway(gatewayDescription({ repository: 'owner/repo', pullRequest: 70 }, SERVER), mine)).toBe(false)
    expect(ownsGateway(description, { repository: 'owner/repo', pullRequest: 70 })).toBe(false)
    expect(ownsGateway(gatewayDescription({ repository: 'owner/repo', pullRequest: 17 }, SERVER), mine)).toBe(false)
  })

  it('never owns pull request #7 of another repository', () => {
    for (const other of ['owner/repo2', 'owner/rep', 'other/repo', 'xowner/repo']) {
      expect({ other, owns: ownsGateway(gatewayDescription({ repository: other, pullRequest: 7 }, SERVER), mine) }).toEqual({ other, owns: false })
      expect({ other, owns: ownsGateway(description, { repository: other, pullRequest: 7 }) }).toEqual({ other, owns: false })
    }
  })

  it('does not own gateways without a preview description', () => {
    expect(ownsGateway(undefined, mine)).toBe(false)
    expect(ownsGateway('', mine)).toBe(false)
    expect(ownsGateway('Production gateway in West Europe', mine)).toBe(false)
    // The right words but not written by the action.
    expect(ownsGateway('Pull-request preview of owner/repo#7 (hand-made)', mine)).toBe(false)
    // The action's words, but not at the start.
    expect(ownsGateway(`Note: ${description}`, mine)).toBe(false)
  })
})

describe('commentMarker and environmentName', () => {
  it('is a hidden HTML comment naming the service and the gateway', () => {
    const marker = commentMarker('contoso-apim', 'pr-7')
    expect(marker).toMatch(/^<!--.*-->$/)
    expect(marker).toContain('service=contoso-apim')
    expect(marker).toContain('gateway=pr-7')
  })

  it('tells gateways and services apart, also when one name is a prefix of the other', () => {
    const marker = commentMarker('contoso-apim', 'pr-7')
    expect(commentMarker('contoso-apim', 'pr-70')).not.toContain(marker)
    expect(marker).not.toContain(commentMarker('contoso-apim', 'pr-'))
    expect(commentMarker('contoso-apim-2', 'pr-7')).not.toContain(marker)
    expect(commentMarker('contoso-apim', 'pr-7')).toBe(marker)
  })

  it('names the environment after the service and the gateway (two services may both have a pr-7)', () => {
    expect(environmentName('contoso-apim', 'pr-7')).toBe('apim-contoso-apim-pr-7')
    expect(environmentName('other-apim', 'pr-7')).not.toBe(environmentName('contoso-apim', 'pr-7'))
  })
})

describe('gatewayResourceId and parseGatewayResourceId', () => {
  const parts = { subscriptionId: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff', resourceGroup: 'rg-apim(west).1', serviceName: 'contoso-apim', gatewayName: 'pr-7' }

  it('builds the ARM id', () => {
    expect(gatewayResourceId(parts)).toBe(
      '/subscriptions/bbbbbbbb-cccc-dddd-eeee-ffffffffffff/resourceGroups/rg-apim(west).1/providers/Microsoft.ApiManagement/service/contoso-apim/gateways/pr-7'
    )
  })

  it('round-trips', () => {
    expect(parseGatewayResourceId(gatewayResourceId(parts))).toEqual(parts)
    const odd = { ...parts, gatewayName: "gw.eu_(1)-'x'" }
    expect(parseGatewayResourceId(gatewayResourceId(odd))).toEqual(odd)
  })

  it('accepts the id in any case, as ARM sometimes returns it', () => {
    expect(parseGatewayResourceId(gatewayResourceId(parts).replace('resourceGroups', 'resourcegroups').replace('Microsoft.ApiManagement', 'microsoft.apimanagement'))).toEqual(parts)
  })

  it.each([
    [''],
    ['not an id'],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc'],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/gateways/gw/apis/echo'],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/service/svc/gateways/gw'],
    ['subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/gateways/gw'],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/gateways/']
  ])('returns undefined for %p', id => {
    expect(parseGatewayResourceId(id)).toBeUndefined()
  })
})

/** A run of a `pull_request` event in owner/repo from a branch of owner/repo. */
function runContext(overrides: Partial<RunContext> = {}, pr: Partial<NonNullable<RunContext['pullRequest']>> = {}): RunContext {
  return {
    repository: 'owner/repo',
    serverUrl: 'https://github.com',
    eventName: 'pull_request',
    idTokenAvailable: true,
    actor: 'alice',
    pullRequest: { number: 7, headRepository: 'owner/repo', headSha: 'a'.repeat(40), author: 'alice', ...pr },
    ...overrides
  }
}

describe('untrustedPullRequest', () => {
  it('trusts a pull request from a branch of the same repository (any case)', () => {
    expect(untrustedPullRequest(runContext())).toBeUndefined()
    expect(untrustedPullRequest(runContext({}, { headRepository: 'Owner/Repo' }))).toBeUndefined()
    // Even without an ID token: the sign-in then fails with its own explanation, not a fork one.
    expect(untrustedPullRequest(runContext({ idTokenAvailable: false }))).toBeUndefined()
  })

  it('has nothing to say without a pull request', () => {
    expect(untrustedPullRequest(runContext({ pullRequest: undefined }))).toBeUndefined()
    expect(untrustedPullRequest(runContext({ pullRequest: undefined, idTokenAvailable: false, actor: 'dependabot[bot]' }))).toBeUndefined()
  })

  it('refuses a pull request from a fork, naming it', () => {
    const reason = untrustedPullRequest(runContext({ idTokenAvailable: false }, { headRepository: 'mallory/repo' }))
    expect(reason).toBeDefined()
    expect(reason).toContain('#7')
    expect(reason).toContain("fork 'mallory/repo'")
  })

  it('refuses a fork on pull_request even if an ID token were available', () => {
    expect(untrustedPullRequest(runContext({ idTokenAvailable: true }, { headRepository: 'mallory/repo' }))).toContain('fork')
  })

  it('refuses a pull request whose fork was deleted', () => {
    const reason = untrustedPullRequest(runContext({ idTokenAvailable: false }, { headRepository: null }))
    expect(reason).toContain('#7')
    expect(reason).toContain('deleted')
  })

  it('refuses Dependabot, as author or as actor', () => {
    expect(untrustedPullRequest(runContext({ idTokenAvailable: false }, { author: 'dependabot[bot]' }))).toContain('Dependabot')
    expect(untrustedPullRequest(runContext({ actor: 'dependabot[bot]' }))).toContain('Dependabot')
  })

  it('trusts pull_request_target when the job has an ID token (the workflow of the base branch runs)', () => {
    expect(untrustedPullRequest(runContext({ eventName: 'pull_request_target', idTokenAvailable: true }, { headRepository: 'mallory/repo' }))).toBeUndefined()
    expect(untrustedPullRequest(runContext({ eventName: 'pull_request_target', idTokenAvailable: true }, { author: 'dependabot[bot]' }))).toBeUndefined()
  })

  it('refuses a fork on any event when no ID token is available', () => {
    expect(untrustedPullRequest(runContext({ eventName: 'pull_request_target', idTokenAvailable: false }, { headRepository: 'mallory/repo' }))).toContain("fork 'mallory/repo'")
  })
})

describe('untrustedPullRequestMessage', () => {
  const reason = "Pull request #7 comes from the fork 'mallory/repo'"

  it('when skipping, starts with the reason and says it skips because of skip-on-fork', () => {
    const message = untrustedPullRequestMessage(reason, true)
    expect(message.startsWith(`${reason}:`)).toBe(true)
    expect(message).toContain('skip-on-fork: true')
    expect(message).toMatch(/skipping/i)
    expect(message).toContain('OIDC')
  })

  it('when failing, points to skip-on-fork and warns against pull_request_target with a checkout', () => {
    const message = untrustedPullRequestMessage(reason, false)
    expect(message.startsWith(`${reason}:`)).toBe(true)
    expect(message).toContain('`skip-on-fork: true`')
    expect(message).toContain('pull_request_target')
    expect(message).toMatch(/checkout/i)
    expect(message).toMatch(/do not/i)
    expect(message).not.toMatch(/skipping it/)
  })
})

describe('runContextFrom', () => {
  const payload = {
    pull_request: {
      number: 7,
      head: { sha: 'c0ffee0123456789c0ffee0123456789c0ffee01', repo: { full_name: 'mallory/repo' } },
      user: { login: 'mallory' },
      html_url: 'https://ghe.example.com/owner/repo/pull/7'
    }
  }

  it('reads the repository, the run, the pull request and the ID token availability', () => {
    const context = runContextFrom(
      {
        GITHUB_REPOSITORY: 'owner/repo',
        GITHUB_SERVER_URL: 'https://ghe.example.com/',
        GITHUB_RUN_ID: '123456',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_ACTOR: 'mallory',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/'
      },
      payload
    )
    expect(context).toEqual({
      repository: 'owner/repo',
      serverUrl: 'https://ghe.example.com',
      runUrl: 'https://ghe.example.com/owner/repo/actions/runs/123456',
      eventName: 'pull_request',
      pullRequest: {
        number: 7,
        headRepository: 'mallory/repo',
        headSha: 'c0ffee0123456789c0ffee0123456789c0ffee01',
        author: 'mallory',
        url: 'https://ghe.example.com/owner/repo/pull/7'
      },
      idTokenAvailable: true,
      actor: 'mallory'
    })
  })

  it('defaults the server to github.com and has no run URL, pull request or ID token outside a run', () => {
    const context = runContextFrom({ GITHUB_REPOSITORY: 'owner/repo', GITHUB_SERVER_URL: '' }, {})
    expect(context.serverUrl).toBe('https://github.com')
    expect(context.runUrl).toBeUndefined()
    expect(context.pullRequest).toBeUndefined()
    expect(context.idTokenAvailable).toBe(false)
    expect(context.eventName).toBe('')
    expect(context.actor).toBe('')
    expect(runContextFrom({ GITHUB_RUN_ID: '1' }, {}).runUrl).toBeUndefined()
    expect(runContextFrom({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9' }, {}).runUrl).toBe('https://github.com/o/r/actions/runs/9')
  })

  it('reports a deleted fork as headRepository null, and such a pull request as untrusted', () => {
    const context = runContextFrom(
      { GITHUB_REPOSITORY: 'owner/repo', GITHUB_EVENT_NAME: 'pull_request' },
      { pull_request: { number: 9, head: { sha: 'abc', repo: null }, user: { login: 'gone' } } }
    )
    expect(context.pullRequest?.headRepository).toBeNull()
    expect(untrustedPullRequest(context)).toContain('deleted')
  })

  it('takes the run repository as head when the payload names none, and ignores a pull request without a number', () => {
    const context = runContextFrom({ GITHUB_REPOSITORY: 'owner/repo' }, { pull_request: { number: 3 } })
    expect(context.pullRequest).toEqual({ number: 3, headRepository: 'owner/repo', headSha: undefined, author: '', url: undefined })
    expect(runContextFrom({ GITHUB_REPOSITORY: 'owner/repo' }, { pull_request: { number: '3' } }).pullRequest).toBeUndefined()
  })
})

describe('renderComment', () => {
  const marker = commentMarker('contoso-apim', 'pr-7')
  const facts = {
    marker,
    gatewayName: 'pr-7',
    serviceName: 'contoso-apim',
    namespace: 'apim-pr-7',
    apis: ['echo-api', 'orders-api'],
    runUrl: 'https://github.com/owner/repo/actions/runs/42',
    at: new Date('2030-03-10T08:00:00.123Z')
  }
  const SHA = '0123456789abcdef0123456789abcdef01234567'
  const states: [CommentState, CommentState, CommentState, CommentState] = [
    { state: 'deploying', commit: SHA },
    { state: 'ready', gatewayUrl: 'http://20.1.2.3', readyReplicas: 2, tokenExpiresOn: '2030-04-08T08:00:00.000Z', commit: SHA },
    { state: 'failed', reason: 'Rollout timed out', commit: SHA },
    { state: 'removed', removed: ['gateway resource pr-7'], alreadyGone: [] }
  ]

  it.each(states.map(s => [s.state, s] as const))('%s: starts with the marker line', (_name, state) => {
    const body = renderComment(facts, state)
    expect(body.split('\n')[0]).toBe(marker)
    expect(body.indexOf(marker)).toBe(0)
    expect(body.split(marker)).toHaveLength(2)
    expect(body).toContain('2030-03-10T08:00:00Z')
    expect(body).toContain('(https://github.com/owner/repo/actions/runs/42)')
  })

  it('ready: shows the URL, replicas, expiry, short commit, APIs, gateway and namespace', () => {
    const body = renderComment(facts, states[1])
    expect(body).toContain('ready for 0123456')
    expect(body).not.toContain(SHA.slice(0, 8))
    expect(body).toContain('| URL | http://20.1.2.3 |')
    expect(body).toContain('| Replicas Ready | 2 |')
    expect(body).toContain('2030-04-08T08:00:00.000Z')
    expect(body).toContain('`echo-api`, `orders-api`')
    expect(body).toContain('`pr-7` in API Management `contoso-apim`')
    expect(body).toContain('`apim-pr-7`')
  })

  it('ready without an address says so instead of a URL', () => {
    const body = renderComment({ ...facts, runUrl: undefined }, { state: 'ready', readyReplicas: 1, tokenExpiresOn: 'x' })
    expect(body).toContain('no load-balancer address yet')
    expect(body).not.toContain('http://')
    expect(body).not.toContain('[run]')
    expect(body).not.toContain(' for ')
  })

  it('deploying and failed show the short commit; failed shows the reason, cut to 1000 characters', () => {
    expect(renderComment(facts, states[0])).toContain('deploying for 0123456')
    const failed = renderComment(facts, states[2])
    expect(failed).toContain('failed for 0123456')
    expect(failed).toContain('\nRollout timed out\n')
    const long = renderComment(facts, { state: 'failed', reason: 'x'.repeat(5000) })
    expect(long).toContain('x'.repeat(1000))
    expect(long).not.toContain('x'.repeat(1001))
  })

  it('says a preview is being removed', () => {
    const body = renderComment(facts, { state: 'removing' })
    expect(body.split('\n')[0]).toBe(marker)
    expect(body).toContain('being removed')
  })

  it('shows _none_ when the preview serves no APIs', () => {
    expect(renderComment({ ...facts, apis: [] }, states[0])).toContain('| APIs | _none_ |')
  })

  it('removed: lists what was removed and what was already gone, omitting empty lists', () => {
    const both = renderComment(facts, { state: 'removed', removed: ['namespace apim-pr-7', 'gateway resource pr-7'], alreadyGone: ['GitHub deployment'] })
    expect(both).toContain('Removed: namespace apim-pr-7; gateway resource pr-7.')
    expect(both).toContain('Already gone: GitHub deployment.')
    const onlyRemoved = renderComment(facts, states[3])
    expect(onlyRemoved).toContain('Removed: gateway resource pr-7.')
    expect(onlyRemoved).not.toContain('Already gone')
    const onlyGone = renderComment(facts, { state: 'removed', removed: [], alreadyGone: ['namespace apim-pr-7'] })
    expect(onlyGone).not.toContain('Removed:')
    expect(onlyGone).toContain('Already gone: namespace apim-pr-7.')
  })

  it('holds nothing but what it was given (no token-shaped text)', () => {
    for (const state of states) {
      const body = renderComment(facts, state)
      expect(body).not.toMatch(/&\d{12}&/)
      expect(body).not.toMatch(/GatewayKey/i)
    }
  })
})

describe('describeGitHubError', () => {
  const REPO = 'owner/repo'
  const httpError = (status: number | undefined, message: string, extra: Record<string, unknown> = {}): Error =>
    Object.assign(new Error(message), status === undefined ? {} : { status }, extra)

  it('names the missing permission with write on 403', () => {
    const error = describeGitHubError(httpError(403, 'Resource not accessible by integration'), 'Listing the comments of pull request #7', 'pull-requests: read', REPO)
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain('Listing the comments of pull request #7 failed')
    expect(error.message).toContain('403')
    expect(error.message).toContain('Resource not accessible by integration')
    expect(error.message).toContain('`pull-requests: write`')
    expect(error.message).not.toContain('pull-requests: read')
    expect(describeGitHubError(httpError(403, 'nope'), 'x', 'deployments: write', REPO).message).toContain('`deployments: write`')
  })

  it('tells a rate limit from a missing permission', () => {
    const message = describeGitHubError(httpError(403, 'API rate limit exceeded for installation ID 1.'), 'x', 'deployments: read', REPO).message
    expect(message).toMatch(/rate-limiting/)
    expect(message).not.toContain('lacks a permission')
  })

  it('explains 401 as a bad github-token', () => {
    const message = describeGitHubError(httpError(401, 'Bad credentials'), 'x', 'pull-requests: write', REPO).message
    expect(message).toContain('401')
    expect(message).toContain('`github-token`')
    expect(message).toContain('${{ github.token }}')
  })

  it('explains 404 naming the repository', () => {
    const message = describeGitHubError(httpError(404, 'Not Found'), 'x', 'pull-requests: read', REPO).message
    expect(message).toContain('404')
    expect(message).toContain(`cannot see ${REPO}`)
  })

  it('explains 422, other statuses and no answer at all', () => {
    expect(describeGitHubError(httpError(422, 'Validation Failed'), 'x', 'deployments: write', REPO).message).toContain('refused the request')
    expect(describeGitHubError(httpError(502, 'Bad Gateway'), 'x', 'deployments: write', REPO).message).toContain('kept failing')
    const offline = describeGitHubError(httpError(undefined, 'getaddrinfo ENOTFOUND api.github.com'), 'x', 'deployments: write', REPO).message
    expect(offline).toContain('answered nothing')
    expect(offline).toContain('Could not reach the GitHub API')
  })

  it("prefers GitHub's message from the response body, first line only", () => {
    const error = httpError(422, 'HttpError: whatever\nsecond line', { response: { data: { message: 'No ref found for: abc\nmore detail' } } })
    const message = describeGitHubError(error, 'x', 'deployments: write', REPO).message
    expect(message).toContain('No ref found for: abc')
    expect(message).not.toContain('more detail')
    expect(message).not.toContain('whatever')
  })

  it('never prints the request headers nor a registered secret', () => {
    const headerToken = 'ghs_HeaderTokenNeverPrinted0123456789'
    const secret = 'ghp_RegisteredSecretValue9876543210'
    redactor.add(secret)
    const error = httpError(401, `Bad credentials for ${secret}`, {
      request: { method: 'GET', url: 'https://api.github.com/repos/owner/repo', headers: { authorization: `token ${headerToken}` } },
      response: { status: 401, headers: {}, data: { message: `Bad credentials: ${secret}` } }
    })
    const result = describeGitHubError(error, `Commenting with ${secret}`, 'pull-requests: write', REPO)
    const printed = [result.message, String(result), JSON.stringify(result), ...result.details].join('\n')
    expect(printed).not.toContain(secret)
    expect(printed).not.toContain(headerToken)
    expect(printed).not.toContain('authorization')
    expect(result.message).toContain('***')
    // And from error.message when the response has no body.
    const bare = describeGitHubError(httpError(500, `boom ${secret}`), 'x', 'deployments: write', REPO).message
    expect(bare).not.toContain(secret)
    expect(bare).toContain('boom ***')
  })
})

describe('guardUntrustedPullRequest (before the inputs are validated)', () => {
  const fork = (): RunContext => runContext({ idTokenAvailable: false }, { headRepository: 'stranger/repo' })

  it('throws the explanation for preview and teardown of a fork without skip-on-fork', () => {
    for (const command of ['preview', 'teardown']) {
      expect(() => guardUntrustedPullRequest(command, 'false', fork())).toThrow(/comes from the fork 'stranger\/repo'.*no OIDC ID token/s)
    }
  })

  it('returns the notice when skip-on-fork is true (any of true/yes/on, any case)', () => {
    for (const value of ['true', 'TRUE', ' yes ', 'on']) expect(guardUntrustedPullRequest('preview', value, fork())).toMatch(/skipping it \(skip-on-fork: true\)/)
  })

  it('leaves other commands and trusted pull requests alone', () => {
    for (const command of ['deploy', 'rotate', 'prune', '']) expect(guardUntrustedPullRequest(command, 'false', fork())).toBeUndefined()
    expect(guardUntrustedPullRequest('preview', 'false', runContext())).toBeUndefined()
  })
})

describe('renderComment edge cases', () => {
  const facts = { marker: commentMarker('svc', 'pr|9'), gatewayName: 'pr|9', serviceName: 'svc', namespace: 'ns', apis: ['a|b'], at: new Date('2030-01-01T00:00:00Z') }

  it('says when the replicas were not waited for and why there is no address', () => {
    const body = renderComment(facts, { state: 'ready', address: 'none (service-type ClusterIP)', tokenExpiresOn: '2030-01-30T00:00:00.000Z' })
    expect(body).toContain('| URL | _none (service-type ClusterIP)_ |')
    expect(body).toContain('| Replicas Ready | _not waited for_ |')
    expect(body).not.toContain('see the run')
  })

  it('escapes | inside table cells so a row keeps its two columns', () => {
    const body = renderComment(facts, { state: 'deploying' })
    for (const row of body.split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| |'))) {
      expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(4)
    }
  })

  it('finds the same comment and environment whatever the gateway name case', () => {
    expect(commentMarker('SVC', 'PR-7')).toBe(commentMarker('svc', 'pr-7'))
    expect(environmentName('SVC', 'PR-7')).toBe(environmentName('svc', 'pr-7'))
  })
})
