/**
 * GitHub's REST API for the endpoints a pull-request preview uses, served under `/api/v3` as on
 * GitHub Enterprise Server, so the action reaches it through GITHUB_API_URL (which @actions/github's
 * getOctokit uses as baseUrl) and nothing else. Order of checks, as GitHub: credentials (401 Bad
 * credentials) → repository visible to the token (404, GitHub never confirms a private repository)
 * → the token's permission (403 Resource not accessible by integration) → the request (400/422).
 */
import { randomBytes } from 'node:crypto'
import type { EmuRequest, EmuResponse } from './http.js'
import {
  buildPull, commentJson, deploymentJson, newRepo, now, pullJson, repoKey, resolveRef, statusJson,
  type AddRepoOptions, type Deployment, type Permission, type PullSpec, type Repo, type TokenGrant, type TokenPermissions, type Urls
} from './github-rest-model.js'
import { checkDeployment, checkStatus, gitHubError, missing, notType, parseBody, validationFailed } from './github-rest-errors.js'

export type { AddRepoOptions, PullSpec, TokenPermissions } from './github-rest-model.js'

export const API_PREFIX = '/api/v3'
const DOCS = 'https://docs.github.com/rest'
const STATUS_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']
const MAX_COMMENT = 65536

type Scope = keyof TokenPermissions

interface Endpoint {
  doc: string
  /** Permission needed; any one of the scopes suffices (comments on a pull request: issues or pull_requests). */
  need: { level: 'read' | 'write'; scopes: Scope[] }
  run: (r: Repo, req: EmuRequest, m: string[], login: string) => EmuResponse
}

export class GitHubRest {
  private readonly repos = new Map<string, Repo>()
  private readonly tokens = new Map<string, Map<string, TokenGrant>>()
  private ids = 1000
  private urls: Urls = { api: '', web: '' }
  private readonly routes: [string, RegExp, Endpoint][]

  constructor() {
    const n = '(\\d+)'
    this.routes = [
      ['GET', new RegExp(`^/issues/${n}/comments$`), { doc: 'issues/comments#list-issue-comments', need: { level: 'read', scopes: ['issues', 'pull_requests'] }, run: (r, req, m) => this.listComments(r, req, +m[1]) }],
      ['POST', new RegExp(`^/issues/${n}/comments$`), { doc: 'issues/comments#create-an-issue-comment', need: { level: 'write', scopes: ['issues', 'pull_requests'] }, run: (r, req, m, who) => this.createComment(r, req, +m[1], who) }],
      ['GET', new RegExp(`^/issues/comments/${n}$`), { doc: 'issues/comments#get-an-issue-comment', need: { level: 'read', scopes: ['issues', 'pull_requests'] }, run: (r, _q, m) => this.getComment(r, +m[1]) }],
      ['PATCH', new RegExp(`^/issues/comments/${n}$`), { doc: 'issues/comments#update-an-issue-comment', need: { level: 'write', scopes: ['issues', 'pull_requests'] }, run: (r, req, m) => this.updateComment(r, req, +m[1]) }],
      ['GET', /^\/deployments$/, { doc: 'deployments/deployments#list-deployments', need: { level: 'read', scopes: ['deployments'] }, run: (r, req) => this.listDeployments(r, req) }],
      ['POST', /^\/deployments$/, { doc: 'deployments/deployments#create-a-deployment', need: { level: 'write', scopes: ['deployments'] }, run: (r, req, _m, who) => this.createDeployment(r, req, who) }],
      ['GET', new RegExp(`^/deployments/${n}$`), { doc: 'deployments/deployments#get-a-deployment', need: { level: 'read', scopes: ['deployments'] }, run: (r, _q, m) => this.getDeployment(r, +m[1]) }],
      ['GET', new RegExp(`^/deployments/${n}/statuses$`), { doc: 'deployments/statuses#list-deployment-statuses', need: { level: 'read', scopes: ['deployments'] }, run: (r, req, m) => this.listStatuses(r, req, +m[1]) }],
      ['POST', new RegExp(`^/deployments/${n}/statuses$`), { doc: 'deployments/statuses#create-a-deployment-status', need: { level: 'write', scopes: ['deployments'] }, run: (r, req, m, who) => this.createStatus(r, req, +m[1], who) }],
      ['GET', /^\/pulls$/, { doc: 'pulls/pulls#list-pull-requests', need: { level: 'read', scopes: ['pull_requests'] }, run: (r, req) => this.listPulls(r, req) }],
      ['GET', new RegExp(`^/pulls/${n}$`), { doc: 'pulls/pulls#get-a-pull-request', need: { level: 'read', scopes: ['pull_requests'] }, run: (r, _q, m) => this.getPull(r, +m[1]) }]
    ]
  }

  /** The listener's origin; the API lives under API_PREFIX on it. */
  setBaseUrl(origin: string): void {
    this.urls = { api: `${origin}${API_PREFIX}`, web: origin }
  }

  // ---- admin -------------------------------------------------------------------------------

  addRepo(o: AddRepoOptions): { owner: string; repo: string; token: string } {
    if (!o?.owner || !o.repo || /[/\s]/.test(o.owner + o.repo)) throw new Error('addRepo: owner and repo are required (no slashes or spaces)')
    const token = o.token ?? `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'A').slice(0, 36)}`
    if (typeof token !== 'string' || token.length < 20 || /\s/.test(token)) throw new Error('addRepo: token must be at least 20 characters without spaces')
    for (const level of Object.values(o.permissions ?? {})) {
      if (!['read', 'write', 'none'].includes(level as string)) throw new Error(`addRepo: permission levels are read, write or none, got '${level}'`)
    }
    const key = repoKey(o.owner, o.repo)
    let r = this.repos.get(key)
    if (!r) {
      r = newRepo(o.owner, o.repo, ++this.ids, o.defaultBranch ?? 'main')
      this.repos.set(key, r)
    }
    const permissions = { issues: 'write', pull_requests: 'write', deployments: 'write', ...o.permissions } as Required<TokenPermissions>
    const grants = this.tokens.get(token) ?? new Map<string, TokenGrant>()
    grants.set(key, { login: o.tokenUser ?? 'github-actions[bot]', permissions })
    this.tokens.set(token, grants)
    for (const p of o.pulls ?? []) this.setPull(o.owner, o.repo, p)
    return { owner: r.owner, repo: r.name, token }
  }

  setPull(owner: string, repo: string, spec: PullSpec): Record<string, unknown> {
    const r = this.repoOrThrow(owner, repo, 'setPull')
    const p = buildPull(r, spec, r.pulls.get(spec?.number), ++this.ids)
    r.pulls.set(p.number, p)
    r.shas.add(p.headSha)
    r.shas.add(p.mergeCommitSha)
    return pullJson(r, p, this.urls, true)
  }

  issueComments(owner: string, repo: string, issue: number): Record<string, unknown>[] {
    const r = this.repoOrThrow(owner, repo, 'issueComments')
    return r.comments.filter(c => c.issue === issue).map(c => commentJson(r, c, this.urls))
  }

  /** Newest first, each with its statuses (newest first), as the REST API lists them. */
  deployments(owner: string, repo: string): Record<string, unknown>[] {
    const r = this.repoOrThrow(owner, repo, 'deployments')
    return [...r.deployments].reverse().map(d => ({ ...deploymentJson(r, d, this.urls), statuses: [...d.statuses].reverse().map(s => statusJson(r, d, s, this.urls)) }))
  }

  private repoOrThrow(owner: string, repo: string, op: string): Repo {
    const r = this.repos.get(repoKey(owner ?? '', repo ?? ''))
    if (!r) throw new Error(`${op}: repository '${owner}/${repo}' not found (call addRepo first)`)
    return r
  }

  // ---- HTTP --------------------------------------------------------------------------------

  async handle(req: EmuRequest): Promise<EmuResponse> {
    const res = this.route(req)
    const headers: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28', 'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': requestId(), ...res.headers
    }
    return { ...res, headers }
  }

  private route(req: EmuRequest): EmuResponse {
    const auth = req.headers.authorization
    let grants: Map<string, TokenGrant> | undefined
    if (auth !== undefined) {
      const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(auth)
      grants = m ? this.tokens.get(m[1]) : undefined
      if (!grants) return gitHubError(401, 'Bad credentials', DOCS)
    }
    if (!req.path.startsWith(`${API_PREFIX}/`)) return gitHubError(404, 'Not Found', DOCS)
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path.slice(API_PREFIX.length))
    const found = m && this.routes.find(([method, re]) => method === req.method && re.test(m[3] ?? ''))
    if (!m || !found) return gitHubError(404, 'Not Found', DOCS)
    const [, pattern, ep] = found
    const doc = `${DOCS}/${ep.doc}`
    const key = repoKey(m[1], m[2])
    const repo = this.repos.get(key)
    const grant = grants?.get(key)
    // Without a grant the repository is invisible: private repositories answer 404, never 403.
    if (!repo || !grant) return gitHubError(404, 'Not Found', doc)
    if (!ep.need.scopes.some(s => allows(grant.permissions[s], ep.need.level))) {
      const accepted = ep.need.scopes.map(s => `${s}=${ep.need.level}`).join('; ')
      return gitHubError(403, 'Resource not accessible by integration', doc, { 'x-accepted-github-permissions': accepted })
    }
    const res = ep.run(repo, req, pattern.exec(m[3] ?? '')!, grant.login)
    // Errors from the endpoint name its documentation page, as GitHub's do.
    if (res.status >= 400 && res.body && typeof res.body === 'object' && !('documentation_url' in res.body)) {
      return { ...res, body: { ...res.body, documentation_url: doc, status: String(res.status) } }
    }
    return res
  }

  private listComments(r: Repo, req: EmuRequest, issue: number): EmuResponse {
    if (!r.pulls.has(issue)) return gitHubError(404, 'Not Found')
    // `since` is an ISO 8601 timestamp; one that does not parse filters nothing.
    const since = Date.parse(req.query.get('since') ?? '')
    const list = r.comments.filter(c => c.issue === issue && (Number.isNaN(since) || Date.parse(c.updatedAt) >= since))
    return this.page(req, list.map(c => commentJson(r, c, this.urls)))
  }

  private createComment(r: Repo, req: EmuRequest, issue: number, login: string): EmuResponse {
    const parsed = parseBody(req)
    if ('error' in parsed) return parsed.error
    const body = (parsed.value as { body?: unknown }).body
    const bad = checkCommentBody(body)
    if (bad) return bad
    if (!r.pulls.has(issue)) return gitHubError(404, 'Not Found')
    const at = now()
    const c = { id: ++this.ids, issue, body: body as string, login, createdAt: at, updatedAt: at }
    r.comments.push(c)
    const json = commentJson(r, c, this.urls)
    return { status: 201, headers: { location: json.url as string }, body: json }
  }

  private getComment(r: Repo, id: number): EmuResponse {
    const c = r.comments.find(x => x.id === id)
    return c ? { status: 200, body: commentJson(r, c, this.urls) } : gitHubError(404, 'Not Found')
  }

  private updateComment(r: Repo, req: EmuRequest, id: number): EmuResponse {
    const c = r.comments.find(x => x.id === id)
    if (!c) return gitHubError(404, 'Not Found')
    const parsed = parseBody(req)
    if ('error' in parsed) return parsed.error
    const body = (parsed.value as { body?: unknown }).body
    const bad = checkCommentBody(body)
    if (bad) return bad
    c.body = body as string
    c.updatedAt = now()
    return { status: 200, body: commentJson(r, c, this.urls) }
  }

  private listDeployments(r: Repo, req: EmuRequest): EmuResponse {
    const q = req.query
    const match = (d: Deployment) => (['sha', 'ref', 'task', 'environment'] as const).every(f => !q.get(f) || d[f] === q.get(f))
    return this.page(req, [...r.deployments].reverse().filter(match).map(d => deploymentJson(r, d, this.urls)))
  }

  private getDeployment(r: Repo, id: number): EmuResponse {
    const d = r.deployments.find(x => x.id === id)
    return d ? { status: 200, body: deploymentJson(r, d, this.urls) } : gitHubError(404, 'Not Found')
  }

  private createDeployment(r: Repo, req: EmuRequest, login: string): EmuResponse {
    const parsed = parseBody(req)
    if ('error' in parsed) return parsed.error
    const checked = checkDeployment(parsed.value)
    if ('error' in checked) return checked.error
    const b = checked.value
    const sha = resolveRef(r, b.ref)
    if (!sha) return gitHubError(422, `No ref found for: ${b.ref}`)
    // No commit statuses exist here: any required context is missing, which fails the check (409).
    if (b.requiredContexts.length > 0) {
      return {
        status: 409, body: {
          message: `Conflict: Commit status checks failed for ${b.ref}.`,
          errors: [{ contexts: b.requiredContexts.map(context => ({ context, state: 'missing' })), resource: 'Deployment', field: 'required_contexts', code: 'invalid' }]
        }
      }
    }
    const at = now()
    const d: Deployment = {
      id: ++this.ids, sha, ref: b.ref, task: b.task, payload: b.payload, environment: b.environment, originalEnvironment: b.environment,
      description: b.description, login, createdAt: at, updatedAt: at, transient: b.transient, production: b.production, statuses: []
    }
    r.deployments.push(d)
    return { status: 201, body: deploymentJson(r, d, this.urls) }
  }

  private listStatuses(r: Repo, req: EmuRequest, id: number): EmuResponse {
    const d = r.deployments.find(x => x.id === id)
    if (!d) return gitHubError(404, 'Not Found')
    return this.page(req, [...d.statuses].reverse().map(s => statusJson(r, d, s, this.urls)))
  }

  private createStatus(r: Repo, req: EmuRequest, id: number, login: string): EmuResponse {
    const d = r.deployments.find(x => x.id === id)
    if (!d) return gitHubError(404, 'Not Found')
    const parsed = parseBody(req)
    if ('error' in parsed) return parsed.error
    const checked = checkStatus(parsed.value, STATUS_STATES)
    if ('error' in checked) return checked.error
    const b = checked.value
    if (b.description.length > 140) {
      return validationFailed([{ resource: 'DeploymentStatus', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }])
    }
    const environment = b.environment ?? d.statuses.at(-1)?.environment ?? d.environment
    d.environment = environment
    const s = { id: ++this.ids, state: b.state, description: b.description, environment, logUrl: b.logUrl, environmentUrl: b.environmentUrl, login, createdAt: now() }
    d.statuses.push(s)
    d.updatedAt = s.createdAt
    if (b.state === 'success' && b.autoInactive) this.inactivatePrevious(r, d, login)
    const json = statusJson(r, d, s, this.urls)
    return { status: 201, headers: { location: json.url as string }, body: json }
  }

  /**
   * `auto_inactive` (default true): earlier non-transient, non-production deployments to the same
   * environment whose latest status is `success` get an `inactive` status.
   */
  private inactivatePrevious(r: Repo, current: Deployment, login: string): void {
    for (const d of r.deployments) {
      if (d === current || d.id > current.id || d.transient || d.production || d.environment !== current.environment) continue
      if (d.statuses.at(-1)?.state !== 'success') continue
      const at = now()
      d.statuses.push({ id: ++this.ids, state: 'inactive', description: '', environment: d.environment, logUrl: '', environmentUrl: '', login, createdAt: at })
      d.updatedAt = at
    }
  }

  private listPulls(r: Repo, req: EmuRequest): EmuResponse {
    const state = req.query.get('state') ?? 'open'
    if (!['open', 'closed', 'all'].includes(state)) return validationFailed([{ resource: 'PullRequest', field: 'state', code: 'invalid' }])
    const head = req.query.get('head')
    const base = req.query.get('base')
    const direction = req.query.get('direction') ?? 'desc'
    const list = [...r.pulls.values()]
      .filter(p => state === 'all' || p.state === state)
      .filter(p => !head || `${p.headRepo?.split('/')[0] ?? p.author}:${p.headRef}`.toLowerCase() === head.toLowerCase())
      .filter(p => !base || base === r.defaultBranch)
      .sort((a, b) => (a.createdAt === b.createdAt ? a.number - b.number : a.createdAt < b.createdAt ? -1 : 1) * (direction === 'asc' ? 1 : -1))
    return this.page(req, list.map(p => pullJson(r, p, this.urls, false)))
  }

  private getPull(r: Repo, n: number): EmuResponse {
    const p = r.pulls.get(n)
    return p ? { status: 200, body: pullJson(r, p, this.urls, true) } : gitHubError(404, 'Not Found')
  }

  /** `per_page` (default 30, at most 100) and `page`, with GitHub's Link header when there is more than one page. */
  private page(req: EmuRequest, items: unknown[]): EmuResponse {
    const int = (name: string, dflt: number) => {
      const v = Number(req.query.get(name))
      return Number.isInteger(v) && v > 0 ? v : dflt
    }
    const perPage = Math.min(int('per_page', 30), 100)
    const page = int('page', 1)
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const body = items.slice((page - 1) * perPage, page * perPage)
    if (last === 1) return { status: 200, body }
    const link = (p: number, rel: string) => {
      const u = new URL(`${this.urls.web}${req.url.pathname}${req.url.search}`)
      u.searchParams.set('per_page', String(perPage))
      u.searchParams.set('page', String(p))
      return `<${u.toString()}>; rel="${rel}"`
    }
    const rels = [page > 1 ? link(page - 1, 'prev') : '', page < last ? link(page + 1, 'next') : '', page < last ? link(last, 'last') : '', page > 1 ? link(1, 'first') : '']
    return { status: 200, headers: { link: rels.filter(Boolean).join(', ') }, body }
  }
}

/** GitHub's shape: five colon-separated upper-case hex fields, e.g. `C0DE:1A2B:3C4D5E:6F7A8B:65A1B2C3`. */
function requestId(): string {
  return [2, 2, 3, 3, 4].map(n => randomBytes(n).toString('hex').toUpperCase()).join(':')
}

function allows(have: Permission, need: 'read' | 'write'): boolean {
  return have === 'write' || (have === 'read' && need === 'read')
}

function checkCommentBody(body: unknown): EmuResponse | undefined {
  if (body === undefined) return missing('body')
  if (typeof body !== 'string') return notType('body', body, 'a string')
  if (body.trim() === '') return validationFailed([{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body cannot be blank' }])
  if (body.length > MAX_COMMENT) return validationFailed([{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_COMMENT} characters)` }])
  return undefined
}
