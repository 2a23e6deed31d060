/**
 * The GitHub REST emulator through the real @actions/github (getOctokit, baseUrl from
 * GITHUB_API_URL) in child processes trusting the emulator CA, plus raw HTTPS for what Octokit
 * would not send (no credentials, bad JSON).
 */
import { startEmulator, type Emulator } from './index.js'
import { ghRepo, http, runGitHubClient, type GitHubStep, type GitHubStepResult } from './test-helpers.js'

let emu: Emulator
const logLines: string[] = []
beforeAll(async () => { emu = await startEmulator({ log: l => logLines.push(l) }) })
afterAll(async () => { await emu?.stop() })

type Repo = Awaited<ReturnType<typeof ghRepo>>

const rest = (method: string, params: Record<string, unknown>): GitHubStep => ({ op: 'rest', method, params })

async function run(r: Repo, steps: (rr: { owner: string; repo: string }) => GitHubStep[], token = r.token): Promise<GitHubStepResult[]> {
  const { results, child } = await runGitHubClient(emu, token, steps({ owner: r.owner, repo: r.repo }))
  expect(child.stderr).toBe('')
  return results
}

function ok(res: GitHubStepResult) {
  expect({ op: res.op, ok: res.ok, error: res.error?.message }).toEqual({ op: res.op, ok: true, error: undefined })
  return res.value
}

function failed(res: GitHubStepResult) {
  expect(res.ok).toBe(false)
  return { status: res.error!.status, data: res.error!.data }
}

describe('reached through GITHUB_API_URL, as on GitHub Enterprise Server', () => {
  test('getOctokit uses the emulator\'s /api/v3 base: @actions/github\'s context agrees, the call log shows the calls', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 7 }] })
    expect(emu.urls.githubApi).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
    const [ctx, list] = await run(r, o => [{ op: 'context' }, rest('issues.listComments', { ...o, issue_number: 7 })])
    expect(ok(ctx).apiUrl).toBe(emu.urls.githubApi)
    expect(ok(list)).toMatchObject({ status: 200, data: [], headers: { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28' } })
    expect((await emu.client.calls({ repo: r.full })).map(c => [c.listener, c.method, c.path, c.status])).toEqual([
      ['githubApi', 'GET', `/api/v3/repos/${r.full}/issues/7/comments`, 200]
    ])
  })
})

describe('issue comments', () => {
  test('create 201 with Location, list oldest first, update 200; found again by a hidden marker', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 7 }] })
    const marker = '<!-- apim-preview -->'
    const [created, other, updated, listed] = await run(r, o => [
      rest('issues.createComment', { ...o, issue_number: 7, body: `${marker}\nPreview deploying…` }),
      rest('issues.createComment', { ...o, issue_number: 7, body: 'LGTM' }),
      { op: 'request', route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', params: { ...o, comment_id: 0, body: `${marker}\nPreview ready` } },
      rest('issues.listComments', { ...o, issue_number: 7 })
    ])
    const c = ok(created)
    expect(c.status).toBe(201)
    expect(c.headers.location).toBe(c.data.url)
    expect(c.data).toMatchObject({
      url: `${r.api}/issues/comments/${c.data.id}`, html_url: `${new URL(emu.urls.githubApi).origin}/${r.full}/pull/7#issuecomment-${c.data.id}`,
      issue_url: `${r.api}/issues/7`, body: `${marker}\nPreview deploying…`, user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      performed_via_github_app: { slug: 'github-actions' }, author_association: 'NONE'
    })
    expect(c.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    ok(other)
    // comment_id 0 does not exist: 404, whatever the body.
    expect(failed(updated).status).toBe(404)
    expect(ok(listed).data.map((x: { body: string }) => x.body)).toEqual([`${marker}\nPreview deploying…`, 'LGTM'])

    const [patched, future, past] = await run(r, o => [
      rest('issues.updateComment', { ...o, comment_id: c.data.id, body: `${marker}\nPreview ready` }),
      rest('issues.listComments', { ...o, issue_number: 7, since: '2999-01-01T00:00:00.000Z' }),
      rest('issues.listComments', { ...o, issue_number: 7, since: '2000-01-01T00:00:00+02:00' })
    ])
    expect(ok(patched)).toMatchObject({ status: 200, data: { id: c.data.id, body: `${marker}\nPreview ready`, created_at: c.data.created_at } })
    expect([ok(future).data.length, ok(past).data.length]).toEqual([0, 2])
    const comments = await emu.client.issueComments(r.owner, r.repo, 7)
    expect(comments.map(x => x.body)).toEqual([`${marker}\nPreview ready`, 'LGTM'])
    expect(comments.filter(x => x.body.includes(marker))).toHaveLength(1)
  })

  test('pagination: per_page and Link rel="next"/"last", which octokit.paginate follows', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 3 }] })
    const results = await run(r, o => [
      ...[1, 2, 3, 4, 5].map(i => rest('issues.createComment', { ...o, issue_number: 3, body: `c${i}` })),
      rest('issues.listComments', { ...o, issue_number: 3, per_page: 2 }),
      rest('issues.listComments', { ...o, issue_number: 3, per_page: 2, page: 3 }),
      { op: 'paginate', method: 'issues.listComments', params: { ...o, issue_number: 3, per_page: 2 } },
      rest('issues.listComments', { ...o, issue_number: 3, per_page: 100 })
    ])
    const [first, last, all, big] = results.slice(5).map(ok)
    expect(first.data.map((x: { body: string }) => x.body)).toEqual(['c1', 'c2'])
    const origin = new URL(emu.urls.githubApi).origin
    expect(first.headers.link).toBe(`<${origin}/api/v3/repos/${r.full}/issues/3/comments?per_page=2&page=2>; rel="next", <${origin}/api/v3/repos/${r.full}/issues/3/comments?per_page=2&page=3>; rel="last"`)
    expect(last.data.map((x: { body: string }) => x.body)).toEqual(['c5'])
    expect(last.headers.link).toContain('rel="prev"')
    expect(last.headers.link).not.toContain('rel="next"')
    expect(all.data.map((x: { body: string }) => x.body)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'])
    expect(big.headers.link).toBeUndefined()
  })

  test('errors: unknown issue 404, missing/invalid/blank/too-long body 422, bad JSON 400', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 1 }] })
    const results = await run(r, o => [
      rest('issues.listComments', { ...o, issue_number: 99 }),
      rest('issues.createComment', { ...o, issue_number: 99, body: 'x' }),
      { op: 'request', route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...o, issue_number: 1 } },
      rest('issues.createComment', { ...o, issue_number: 1, body: 42 }),
      rest('issues.createComment', { ...o, issue_number: 1, body: '  ' }),
      rest('issues.createComment', { ...o, issue_number: 1, body: 'x'.repeat(65537) })
    ])
    const [noIssue, noIssuePost, missing, notString, blank, tooLong] = results.map(failed)
    const docs = 'https://docs.github.com/rest/issues/comments'
    expect(noIssue).toEqual({ status: 404, data: { message: 'Not Found', documentation_url: `${docs}#list-issue-comments`, status: '404' } })
    expect(noIssuePost.status).toBe(404)
    expect(missing).toEqual({ status: 422, data: { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: `${docs}#create-an-issue-comment`, status: '422' } })
    expect(notString.data.message).toBe("Invalid request.\n\nFor 'properties/body', 42 is not a string.")
    expect(blank.data).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body' }] })
    expect(tooLong.data.errors[0].message).toBe('body is too long (maximum is 65536 characters)')
    expect(await emu.client.issueComments(r.owner, r.repo, 1)).toEqual([])

    const raw = await http(`${r.api}/issues/1/comments`, { method: 'POST', ca: emu.caPem, headers: { authorization: `token ${r.token}`, 'content-type': 'application/json' }, body: '{"body": ' })
    expect({ status: raw.status, message: raw.json.message }).toEqual({ status: 400, message: 'Problems parsing JSON' })
    const arrayBody = await http(`${r.api}/issues/1/comments`, { method: 'POST', ca: emu.caPem, headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' }, body: '["x"]' })
    expect(arrayBody.json.message).toBe(`Invalid request.\n\nFor 'links/0/schema', ["x"] is not an object.`)
  })
})

describe('deployments and deployment statuses', () => {
  test('create (defaults and given fields), statuses with environment_url/log_url, lists newest first, filters', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 7, headRef: 'feature/x' }] })
    // setPull with no changes answers the pull request as it is.
    const pull = await emu.client.setPull(r.owner, r.repo, { number: 7 })
    const [created, defaults, unknownStatus, unknownSuccess, unknownList, byEnv, byRef] = await run(r, o => [
      rest('repos.createDeployment', { ...o, ref: 'feature/x', environment: 'pr-7', auto_merge: false, required_contexts: [], transient_environment: true, description: 'Preview of #7', payload: { pr: 7 } }),
      rest('repos.createDeployment', { ...o, ref: 'main', payload: '{"a":1}' }),
      rest('repos.createDeploymentStatus', { ...o, deployment_id: 0, state: 'in_progress' }),
      rest('repos.createDeploymentStatus', { ...o, deployment_id: 0, state: 'success', environment_url: 'http://127.0.0.2', log_url: 'https://ci.example/run/1', description: 'ready' }),
      rest('repos.listDeploymentStatuses', { ...o, deployment_id: 0 }),
      rest('repos.listDeployments', { ...o, environment: 'pr-7' }),
      rest('repos.listDeployments', { ...o, ref: 'main' })
    ])
    const d = ok(created)
    expect(d.status).toBe(201)
    expect(d.data).toMatchObject({
      url: `${r.api}/deployments/${d.data.id}`, statuses_url: `${r.api}/deployments/${d.data.id}/statuses`, repository_url: r.api,
      sha: pull.head.sha, ref: 'feature/x', task: 'deploy', payload: { pr: 7 }, environment: 'pr-7', original_environment: 'pr-7',
      description: 'Preview of #7', transient_environment: true, production_environment: false, creator: { login: 'github-actions[bot]' }
    })
    expect(ok(defaults).data).toMatchObject({ ref: 'main', environment: 'production', production_environment: true, transient_environment: false, description: '', payload: { a: 1 } })
    // deployment_id 0 does not exist.
    expect(failed(unknownStatus).status).toBe(404)
    expect(failed(unknownSuccess).status).toBe(404)
    expect(failed(unknownList).status).toBe(404)
    expect(ok(byEnv).data.map((x: { id: number }) => x.id)).toEqual([d.data.id])
    expect(ok(byRef).data.map((x: { ref: string }) => x.ref)).toEqual(['main'])

    const id = d.data.id
    const [inProgress, done, list, inactive] = await run(r, o => [
      rest('repos.createDeploymentStatus', { ...o, deployment_id: id, state: 'in_progress', log_url: 'https://ci.example/run/1' }),
      rest('repos.createDeploymentStatus', { ...o, deployment_id: id, state: 'success', environment_url: 'http://127.0.0.2', log_url: 'https://ci.example/run/1', description: 'ready' }),
      rest('repos.listDeploymentStatuses', { ...o, deployment_id: id }),
      rest('repos.createDeploymentStatus', { ...o, deployment_id: id, state: 'inactive', description: 'closed' })
    ])
    expect(ok(inProgress)).toMatchObject({ status: 201, data: { state: 'in_progress', environment: 'pr-7', target_url: 'https://ci.example/run/1', log_url: 'https://ci.example/run/1', environment_url: '' } })
    const s = ok(done)
    expect(s.headers.location).toBe(`${r.api}/deployments/${id}/statuses/${s.data.id}`)
    expect(s.data).toMatchObject({ state: 'success', environment_url: 'http://127.0.0.2', description: 'ready', deployment_url: `${r.api}/deployments/${id}`, creator: { login: 'github-actions[bot]' } })
    expect(ok(list).data.map((x: { state: string }) => x.state)).toEqual(['success', 'in_progress'])
    ok(inactive)
    const [view] = (await emu.client.deployments(r.owner, r.repo)).filter(x => x.id === id)
    expect(view.statuses.map(x => x.state)).toEqual(['inactive', 'success', 'in_progress'])
    expect(view.statuses[1].environment_url).toBe('http://127.0.0.2')
  })

  test('auto_inactive: a success marks earlier non-transient, non-production successes of that environment inactive', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 4 }] })
    const deploy = (transient: boolean) => (o: { owner: string; repo: string }) => [rest('repos.createDeployment', { ...o, ref: 'refs/pull/4/head', environment: 'pr-4', transient_environment: transient, required_contexts: [] })]
    const ids: number[] = []
    for (const transient of [false, true, false]) {
      const [d] = await run(r, deploy(transient))
      ids.push(ok(d).data.id)
      await run(r, o => [rest('repos.createDeploymentStatus', { ...o, deployment_id: ids.at(-1), state: 'success' })])
    }
    const latest = (id: number) => emu.client.deployments(r.owner, r.repo).then(all => all.find(x => x.id === id)!.statuses.map(s => s.state))
    // The transient deployment's success already ended the first one; the third finds it inactive.
    expect(await latest(ids[0])).toEqual(['inactive', 'success'])
    expect(await latest(ids[1])).toEqual(['success'])
    expect(await latest(ids[2])).toEqual(['success'])
    // auto_inactive: false leaves earlier ones alone.
    const [d4] = await run(r, deploy(false))
    await run(r, o => [rest('repos.createDeploymentStatus', { ...o, deployment_id: ok(d4).data.id, state: 'success', auto_inactive: false })])
    expect(await latest(ids[2])).toEqual(['success'])
  })

  test('refs: default branch, PR head branch, refs/pull/N/head|merge, SHAs; a fork\'s branch is not in the repository', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 5, headRef: 'topic' }, { number: 6, headRef: 'patch-1', headRepo: 'someone/app' }] })
    const [p5, p6] = [await emu.client.setPull(r.owner, r.repo, { number: 5 }), await emu.client.setPull(r.owner, r.repo, { number: 6 })]
    const refs = ['main', 'refs/heads/topic', 'topic', 'refs/pull/6/head', 'refs/pull/6/merge', p5.head.sha, p5.head.sha.slice(0, 7), 'patch-1', 'nope', 'ffffffffffffffffffffffffffffffffffffffff']
    const results = await run(r, o => refs.map(ref => rest('repos.createDeployment', { ...o, ref, environment: 'x', required_contexts: [] })))
    const shas = results.slice(0, 7).map(x => ok(x).data.sha)
    expect(shas.slice(1, 3)).toEqual([p5.head.sha, p5.head.sha])
    expect(shas[3]).toBe(p6.head.sha)
    expect(shas[4]).toMatch(/^[0-9a-f]{40}$/)
    expect(shas.slice(5)).toEqual([p5.head.sha, p5.head.sha])
    for (const [i, ref] of [[7, 'patch-1'], [8, 'nope'], [9, 'ffffffffffffffffffffffffffffffffffffffff']] as const) {
      expect(failed(results[i])).toEqual({ status: 422, data: { message: `No ref found for: ${ref}`, documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment', status: '422' } })
    }
  })

  test('errors: missing ref, bad types, required contexts (409), bad state and long description (422)', async () => {
    const r = await ghRepo(emu)
    const [noRef, badEnv, contexts, d] = await run(r, o => [
      { op: 'request', route: 'POST /repos/{owner}/{repo}/deployments', params: { ...o, environment: 'x' } },
      rest('repos.createDeployment', { ...o, ref: 'main', environment: 7 }),
      rest('repos.createDeployment', { ...o, ref: 'main', required_contexts: ['ci/build'] }),
      rest('repos.createDeployment', { ...o, ref: 'main', required_contexts: [] })
    ])
    expect(failed(noRef).data.message).toBe('Invalid request.\n\n"ref" wasn\'t supplied.')
    expect(failed(badEnv).data.message).toBe("Invalid request.\n\nFor 'properties/environment', 7 is not a string.")
    expect(failed(contexts)).toMatchObject({ status: 409, data: { message: 'Conflict: Commit status checks failed for main.', errors: [{ contexts: [{ context: 'ci/build', state: 'missing' }], field: 'required_contexts' }] } })
    const id = ok(d).data.id
    const [noState, badState, long] = await run(r, o => [
      { op: 'request', route: 'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', params: { ...o, deployment_id: id } },
      rest('repos.createDeploymentStatus', { ...o, deployment_id: id, state: 'destroyed' }),
      rest('repos.createDeploymentStatus', { ...o, deployment_id: id, state: 'success', description: 'x'.repeat(141) })
    ])
    expect(failed(noState).data.message).toBe('Invalid request.\n\n"state" wasn\'t supplied.')
    expect(failed(badState).data.message).toBe(`Invalid request.\n\nFor 'properties/state', "destroyed" is not a member of ["error","failure","inactive","in_progress","queued","pending","success"].`)
    expect(failed(long)).toMatchObject({ status: 422, data: { message: 'Validation Failed', errors: [{ resource: 'DeploymentStatus', field: 'description', code: 'custom' }] } })
    expect((await emu.client.deployments(r.owner, r.repo)).map(x => x.statuses)).toEqual([[]])
  })
})

describe('pull requests', () => {
  test('get and list (state open|closed|all, newest first) with head/base repositories; setPull closes and merges', async () => {
    const r = await ghRepo(emu, { pulls: [
      { number: 7, headRef: 'feature', createdAt: '2026-01-02T00:00:00Z' },
      { number: 8, headRef: 'patch-1', headRepo: 'someone/app-fork', createdAt: '2026-01-03T00:00:00Z', author: 'someone' },
      { number: 9, headRef: 'dependabot/npm/x', author: 'dependabot[bot]', state: 'closed', closedAt: '2026-01-05T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' },
      { number: 10, headRepo: null, createdAt: '2026-01-04T00:00:00Z' }
    ] })
    const [get7, get8, open, closed, all, none, bad] = await run(r, o => [
      rest('pulls.get', { ...o, pull_number: 7 }),
      rest('pulls.get', { ...o, pull_number: 8 }),
      rest('pulls.list', { ...o }),
      rest('pulls.list', { ...o, state: 'closed' }),
      rest('pulls.list', { ...o, state: 'all' }),
      rest('pulls.get', { ...o, pull_number: 11 }),
      rest('pulls.list', { ...o, state: 'merged' })
    ])
    expect(ok(get7).data).toMatchObject({
      number: 7, state: 'open', created_at: '2026-01-02T00:00:00Z', closed_at: null, merged_at: null, merged: false,
      head: { ref: 'feature', label: `${r.owner}:feature`, repo: { full_name: r.full, fork: false } },
      base: { ref: 'main', repo: { full_name: r.full, fork: false } }, user: { login: 'octocat' }
    })
    expect(ok(get7).data.head.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(ok(get8).data.head).toMatchObject({ label: 'someone:patch-1', repo: { full_name: 'someone/app-fork', fork: true } })
    expect(ok(open).data.map((p: { number: number }) => p.number)).toEqual([10, 8, 7])
    expect(ok(closed).data.map((p: { number: number; closed_at: string }) => [p.number, p.closed_at])).toEqual([[9, '2026-01-05T00:00:00Z']])
    expect(ok(all).data).toHaveLength(4)
    expect(ok(all).data.find((p: { number: number }) => p.number === 10).head.repo).toBeNull()
    expect(failed(none).status).toBe(404)
    expect(failed(bad)).toMatchObject({ status: 422, data: { message: 'Validation Failed' } })

    const merged = await emu.client.setPull(r.owner, r.repo, { number: 7, state: 'closed', mergedAt: '2026-02-01T00:00:00Z' })
    expect(merged).toMatchObject({ state: 'closed', merged_at: '2026-02-01T00:00:00Z', closed_at: '2026-02-01T00:00:00Z', merged: true })
    const pushed = await emu.client.setPull(r.owner, r.repo, { number: 8, headSha: 'a'.repeat(40) })
    expect(pushed.head.sha).toBe('a'.repeat(40))
    const [after] = await run(r, o => [rest('pulls.list', { ...o, state: 'open' })])
    expect(ok(after).data.map((p: { number: number }) => p.number)).toEqual([10, 8])
    await expect(emu.client.setPull(r.owner, r.repo, { number: 7, state: 'open', closedAt: '2026-01-01T00:00:00Z' })).rejects.toThrow(/open pull request has no closedAt/)
    await expect(emu.client.setPull(r.owner, 'nope', { number: 1 })).rejects.toThrow(/not found/)
  })
})

describe('credentials, visibility, permissions and isolation', () => {
  test('401 Bad credentials; 404 without credentials or for another repository; 403 without the permission', async () => {
    const a = await ghRepo(emu, { pulls: [{ number: 1 }] })
    const b = await ghRepo(emu, { pulls: [{ number: 1 }] })
    const readOnly = await emu.client.addRepo({ owner: a.owner, repo: a.repo, permissions: { issues: 'none', pull_requests: 'read', deployments: 'read' } })

    const [bad] = await run(a, o => [rest('issues.listComments', { ...o, issue_number: 1 })], 'ghs_not-a-registered-token-0000000')
    expect(failed(bad)).toEqual({ status: 401, data: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } })
    const anonymous = await http(`${a.api}/pulls/1`, { ca: emu.caPem })
    expect({ status: anonymous.status, message: anonymous.json.message }).toEqual({ status: 404, message: 'Not Found' })
    const malformed = await http(`${a.api}/pulls/1`, { ca: emu.caPem, headers: { authorization: 'Basic abc' } })
    expect(malformed.status).toBe(401)

    const [cross] = await run(b, o => [rest('pulls.get', { ...o, pull_number: 1 })], a.token)
    expect(failed(cross)).toMatchObject({ status: 404, data: { message: 'Not Found' } })

    const [read, comment, deploy] = await run(a, o => [
      rest('issues.listComments', { ...o, issue_number: 1 }),
      rest('issues.createComment', { ...o, issue_number: 1, body: 'x' }),
      rest('repos.createDeployment', { ...o, ref: 'main', required_contexts: [] })
    ], readOnly.token)
    ok(read)
    const denied = failed(comment)
    expect(denied).toEqual({ status: 403, data: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment', status: '403' } })
    expect(comment.error!.headers!['x-accepted-github-permissions']).toBe('issues=write; pull_requests=write')
    expect(failed(deploy).status).toBe(403)
    expect(await emu.client.issueComments(a.owner, a.repo, 1)).toEqual([])
    expect(await emu.client.deployments(a.owner, a.repo)).toEqual([])

    // State is per repository: b saw none of a's calls, and the call log filters by repository.
    await run(b, o => [rest('issues.createComment', { ...o, issue_number: 1, body: 'in b' })])
    expect(await emu.client.issueComments(a.owner, a.repo, 1)).toEqual([])
    expect((await emu.client.calls({ repo: b.full })).map(c => `${c.method} ${c.status}`)).toEqual(['GET 404', 'POST 201'])
    await expect(emu.client.issueComments(a.owner, 'nope', 1)).rejects.toThrow(/not found/)
    await expect(emu.client.addRepo({ owner: 'x', repo: 'y', permissions: { issues: 'admin' as 'write' } })).rejects.toThrow(/read, write or none/)
  })

  test('faults apply to the listener, scoped by repository path', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 2 }] })
    await emu.client.injectFault({ listener: 'githubApi', pathIncludes: `/repos/${r.full}/`, status: 502, times: 1 })
    const [first, second] = await run(r, o => [rest('pulls.get', { ...o, pull_number: 2 }), rest('pulls.get', { ...o, pull_number: 2 })])
    expect(failed(first).status).toBe(502)
    ok(second)
    expect((await emu.client.calls({ repo: r.full })).map(c => [c.status, c.faultId !== undefined])).toEqual([[502, true], [200, false]])
  })

  test('no token appears in any response, log line or call record', async () => {
    const r = await ghRepo(emu, { pulls: [{ number: 1 }] })
    const other = await ghRepo(emu)
    const wrong = `ghs_${'Z'.repeat(36)}`
    const { results, child } = await runGitHubClient(emu, r.token, [
      rest('issues.createComment', { owner: r.owner, repo: r.repo, issue_number: 1, body: 'hello' }),
      rest('repos.createDeployment', { owner: r.owner, repo: r.repo, ref: 'nope' }),
      rest('pulls.get', { owner: other.owner, repo: other.repo, pull_number: 1 })
    ])
    const { results: unauth } = await runGitHubClient(emu, wrong, [rest('pulls.get', { owner: r.owner, repo: r.repo, pull_number: 1 })])
    const raw = await http(`${r.api}/issues/1/comments`, { method: 'POST', ca: emu.caPem, headers: { authorization: `token ${r.token}` }, body: 'not json' })
    const texts = [child.stdout, JSON.stringify(results), JSON.stringify(unauth), raw.text, JSON.stringify(raw.headers),
      JSON.stringify(await emu.client.calls({})), ...logLines, JSON.stringify(await emu.client.issueComments(r.owner, r.repo, 1)),
      JSON.stringify(await emu.client.deployments(r.owner, r.repo))]
    for (const secret of [r.token, other.token, wrong]) {
      for (const t of texts) expect(t.includes(secret)).toBe(false)
    }
    expect(results.map(x => x.ok)).toEqual([true, false, false])
    expect(unauth[0].error!.status).toBe(401)
  })
})
