/**
 * State behind the GitHub REST emulator — repositories with their tokens, pull requests, issue
 * comments, deployments and deployment statuses — and their JSON in the REST API's shapes
 * (@octokit/openapi-types: issue-comment, deployment, deployment-status, pull-request, simple-user).
 * Repositories are keyed by `owner/repo`, case-insensitively as on GitHub, so parallel tests
 * using different repositories never see each other's state.
 */
import { createHash, randomBytes } from 'node:crypto'

export type Permission = 'read' | 'write' | 'none'

/** A token's repository permissions (fine-grained / GITHUB_TOKEN `permissions:` names). Default: write. */
export interface TokenPermissions {
  issues?: Permission
  pull_requests?: Permission
  deployments?: Permission
}

export interface PullSpec {
  number: number
  state?: 'open' | 'closed'
  title?: string
  /** Login of the author, e.g. `dependabot[bot]`. Default `octocat`. */
  author?: string
  createdAt?: string
  /** Default: now for a closed pull request; must be absent for an open one. */
  closedAt?: string | null
  mergedAt?: string | null
  headRef?: string
  headSha?: string
  /** `owner/name` of the head repository; default the repository itself; null: the fork was deleted. */
  headRepo?: string | null
  /** Default: whether headRepo differs from the repository. */
  fork?: boolean
  draft?: boolean
}

export interface AddRepoOptions {
  owner: string
  repo: string
  /** Default: a new `ghs_…` token, returned. Adding a repository again adds this token to it. */
  token?: string
  /** Login the token acts as. Default `github-actions[bot]` (the workflow's GITHUB_TOKEN). */
  tokenUser?: string
  permissions?: TokenPermissions
  defaultBranch?: string
  pulls?: PullSpec[]
}

export interface Urls {
  /** The API root as GITHUB_API_URL names it (`…/api/v3`). */
  api: string
  /** The web root (GITHUB_SERVER_URL). */
  web: string
}

export interface TokenGrant {
  login: string
  permissions: Required<TokenPermissions>
}

export interface Pull {
  id: number
  number: number
  state: 'open' | 'closed'
  title: string
  author: string
  createdAt: string
  updatedAt: string
  closedAt: string | null
  mergedAt: string | null
  headRef: string
  headSha: string
  headRepo: string | null
  fork: boolean
  draft: boolean
  mergeCommitSha: string
}

export interface Comment {
  id: number
  issue: number
  body: string
  login: string
  createdAt: string
  updatedAt: string
}

export interface DeploymentStatus {
  id: number
  state: string
  description: string
  environment: string
  logUrl: string
  environmentUrl: string
  login: string
  createdAt: string
}

export interface Deployment {
  id: number
  sha: string
  ref: string
  task: string
  payload: unknown
  environment: string
  originalEnvironment: string
  description: string | null
  login: string
  createdAt: string
  updatedAt: string
  transient: boolean
  production: boolean
  /** Oldest first. */
  statuses: DeploymentStatus[]
}

export interface Repo {
  id: number
  owner: string
  name: string
  defaultBranch: string
  defaultSha: string
  /** Every commit a ref resolves to now or did before (head pushes keep their old commits). */
  shas: Set<string>
  pulls: Map<number, Pull>
  comments: Comment[]
  deployments: Deployment[]
}

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
const sha = (): string => randomBytes(20).toString('hex')
const iso = (s: string, what: string): string => {
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw new Error(`${what} is not a date: '${s}'`)
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** GitHub's ids for its own bots; other logins get a stable id derived from the name. */
const KNOWN_USERS: Record<string, number> = { 'github-actions[bot]': 41898282, 'dependabot[bot]': 49699333 }
function userId(login: string): number {
  return KNOWN_USERS[login] ?? createHash('sha256').update(login.toLowerCase()).digest().readUInt32BE(0) % 100_000_000 + 1000
}
const nodeId = (prefix: string, id: number) => `${prefix}_${Buffer.from(`emu:${id}`).toString('base64url')}`

export function userJson(login: string, u: Urls, type?: string): Record<string, unknown> {
  const id = userId(login)
  const kind = type ?? (login.endsWith('[bot]') ? 'Bot' : 'User')
  const api = `${u.api}/users/${encodeURIComponent(login)}`
  return {
    login, id, node_id: nodeId(kind === 'Bot' ? 'BOT' : 'U', id), avatar_url: `${u.web}/avatars/u/${id}?v=4`, gravatar_id: '',
    url: api, html_url: kind === 'Bot' ? `${u.web}/apps/${login.replace(/\[bot\]$/, '')}` : `${u.web}/${login}`,
    followers_url: `${api}/followers`, following_url: `${api}/following{/other_user}`, gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`, subscriptions_url: `${api}/subscriptions`, organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`, events_url: `${api}/events{/privacy}`, received_events_url: `${api}/received_events`,
    type: kind, user_view_type: 'public', site_admin: false
  }
}

/** The GitHub Actions app, named in `performed_via_github_app` of what GITHUB_TOKEN creates. */
function appJson(login: string, u: Urls): Record<string, unknown> | null {
  if (login !== 'github-actions[bot]') return null
  return { id: 15368, slug: 'github-actions', node_id: 'MDM6QXBwMTUzNjg=', name: 'GitHub Actions', owner: userJson('github', u, 'Organization'), description: 'Automate your workflow from idea to production', external_url: 'https://help.github.com/en/actions', html_url: `${u.web}/apps/github-actions`, created_at: '2018-07-30T09:30:17Z', updated_at: '2019-12-10T19:04:12Z', permissions: {}, events: [] }
}

export const repoKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase()

function repoJson(fullName: string, id: number, fork: boolean, defaultBranch: string, u: Urls): Record<string, unknown> {
  const [owner, name] = fullName.split('/')
  return {
    id, node_id: nodeId('R', id), name, full_name: fullName, private: true, owner: userJson(owner, u, 'Organization'),
    html_url: `${u.web}/${fullName}`, description: null, fork, url: `${u.api}/repos/${fullName}`,
    default_branch: defaultBranch, visibility: 'private'
  }
}

export function commentJson(r: Repo, c: Comment, u: Urls): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`
  return {
    url: `${u.api}/repos/${full}/issues/comments/${c.id}`, html_url: `${u.web}/${full}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${u.api}/repos/${full}/issues/${c.issue}`, id: c.id, node_id: nodeId('IC', c.id), user: userJson(c.login, u),
    created_at: c.createdAt, updated_at: c.updatedAt, body: c.body, author_association: 'NONE',
    reactions: { url: `${u.api}/repos/${full}/issues/comments/${c.id}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    performed_via_github_app: appJson(c.login, u)
  }
}

export function deploymentJson(r: Repo, d: Deployment, u: Urls): Record<string, unknown> {
  const base = `${u.api}/repos/${r.owner}/${r.name}`
  return {
    url: `${base}/deployments/${d.id}`, id: d.id, node_id: nodeId('DE', d.id), task: d.task, original_environment: d.originalEnvironment,
    environment: d.environment, description: d.description, created_at: d.createdAt, updated_at: d.updatedAt,
    statuses_url: `${base}/deployments/${d.id}/statuses`, repository_url: base, creator: userJson(d.login, u),
    sha: d.sha, ref: d.ref, payload: d.payload, transient_environment: d.transient, production_environment: d.production,
    performed_via_github_app: appJson(d.login, u)
  }
}

export function statusJson(r: Repo, d: Deployment, s: DeploymentStatus, u: Urls): Record<string, unknown> {
  const base = `${u.api}/repos/${r.owner}/${r.name}`
  return {
    url: `${base}/deployments/${d.id}/statuses/${s.id}`, id: s.id, node_id: nodeId('DES', s.id), state: s.state,
    creator: userJson(s.login, u), description: s.description, environment: s.environment, target_url: s.logUrl,
    created_at: s.createdAt, updated_at: s.createdAt, deployment_url: `${base}/deployments/${d.id}`, repository_url: base,
    environment_url: s.environmentUrl, log_url: s.logUrl, performed_via_github_app: appJson(s.login, u)
  }
}

/** `full`: the single-pull shape (GET …/pulls/{n}); otherwise the list's pull-request-simple. */
export function pullJson(r: Repo, p: Pull, u: Urls, full: boolean): Record<string, unknown> {
  const fullName = `${r.owner}/${r.name}`
  const base = `${u.api}/repos/${fullName}`
  const headOwner = p.headRepo?.split('/')[0] ?? p.author
  const body: Record<string, unknown> = {
    url: `${base}/pulls/${p.number}`, id: p.id, node_id: nodeId('PR', p.id), html_url: `${u.web}/${fullName}/pull/${p.number}`,
    diff_url: `${u.web}/${fullName}/pull/${p.number}.diff`, patch_url: `${u.web}/${fullName}/pull/${p.number}.patch`,
    issue_url: `${base}/issues/${p.number}`, commits_url: `${base}/pulls/${p.number}/commits`,
    review_comments_url: `${base}/pulls/${p.number}/comments`, review_comment_url: `${base}/pulls/comments{/number}`,
    comments_url: `${base}/issues/${p.number}/comments`, statuses_url: `${base}/statuses/${p.headSha}`,
    number: p.number, state: p.state, locked: false, title: p.title, user: userJson(p.author, u), body: null, labels: [],
    milestone: null, active_lock_reason: null, created_at: p.createdAt, updated_at: p.updatedAt, closed_at: p.closedAt,
    merged_at: p.mergedAt, merge_commit_sha: p.mergeCommitSha, assignee: null, assignees: [], requested_reviewers: [],
    requested_teams: [], draft: p.draft,
    head: {
      label: `${headOwner}:${p.headRef}`, ref: p.headRef, sha: p.headSha, user: userJson(headOwner, u),
      repo: p.headRepo === null ? null : repoJson(p.headRepo, p.fork ? r.id + 1_000_000 : r.id, p.fork, r.defaultBranch, u)
    },
    base: {
      label: `${r.owner}:${r.defaultBranch}`, ref: r.defaultBranch, sha: r.defaultSha, user: userJson(r.owner, u, 'Organization'),
      repo: repoJson(fullName, r.id, false, r.defaultBranch, u)
    },
    author_association: 'CONTRIBUTOR', auto_merge: null
  }
  if (full) {
    Object.assign(body, {
      merged: p.mergedAt !== null, mergeable: p.state === 'open' ? true : null, rebaseable: p.state === 'open' ? true : null,
      mergeable_state: p.state === 'open' ? 'clean' : 'unknown', merged_by: null,
      comments: r.comments.filter(c => c.issue === p.number).length, review_comments: 0, maintainer_can_modify: false,
      commits: 1, additions: 1, deletions: 0, changed_files: 1
    })
  }
  return body
}

/** A pull request from a spec, over what the repository already has under that number. */
export function buildPull(r: Repo, spec: PullSpec, existing: Pull | undefined, id: number): Pull {
  if (!Number.isInteger(spec?.number) || spec.number < 1) throw new Error('pull: number must be a positive integer')
  const fullName = `${r.owner}/${r.name}`
  const state = spec.state ?? existing?.state ?? 'open'
  if (state !== 'open' && state !== 'closed') throw new Error(`pull #${spec.number}: state must be 'open' or 'closed'`)
  const given = (v: string | null | undefined, what: string) => (v === undefined || v === null ? v : iso(v, what))
  let closedAt = given(spec.closedAt, 'closedAt')
  let mergedAt = given(spec.mergedAt, 'mergedAt')
  if (state === 'open') {
    if (closedAt || mergedAt) throw new Error(`pull #${spec.number}: an open pull request has no closedAt or mergedAt`)
    closedAt = null
    mergedAt = null
  } else {
    mergedAt = mergedAt !== undefined ? mergedAt : existing?.mergedAt ?? null
    closedAt = closedAt ?? (existing?.state === 'closed' ? existing.closedAt : null) ?? mergedAt ?? now()
  }
  const headRepo = spec.headRepo !== undefined ? spec.headRepo : existing?.headRepo ?? fullName
  if (headRepo !== null && !/^[^/\s]+\/[^/\s]+$/.test(headRepo)) throw new Error(`pull #${spec.number}: headRepo must be 'owner/name' or null`)
  const fork = spec.fork ?? (spec.headRepo !== undefined ? headRepo === null || headRepo.toLowerCase() !== fullName.toLowerCase() : existing?.fork ?? false)
  const headSha = spec.headSha ?? existing?.headSha ?? sha()
  if (!/^[0-9a-f]{40}$/.test(headSha)) throw new Error(`pull #${spec.number}: headSha must be 40 lower-case hex digits`)
  const createdAt = spec.createdAt !== undefined ? iso(spec.createdAt, 'createdAt') : existing?.createdAt ?? now()
  const changed = existing !== undefined && (existing.state !== state || existing.headSha !== headSha)
  return {
    id: existing?.id ?? id, number: spec.number, state, title: spec.title ?? existing?.title ?? `Pull request #${spec.number}`,
    author: spec.author ?? existing?.author ?? 'octocat', createdAt,
    updatedAt: existing && !changed ? existing.updatedAt : [createdAt, closedAt ?? '', now()].sort().at(-1)!,
    closedAt, mergedAt, headRef: spec.headRef ?? existing?.headRef ?? `feature-${spec.number}`, headSha, headRepo, fork,
    draft: spec.draft ?? existing?.draft ?? false,
    mergeCommitSha: existing && existing.headSha === headSha ? existing.mergeCommitSha : sha()
  }
}

export function newRepo(owner: string, name: string, id: number, defaultBranch: string): Repo {
  const defaultSha = sha()
  return { id, owner, name, defaultBranch, defaultSha, shas: new Set([defaultSha]), pulls: new Map(), comments: [], deployments: [] }
}

/**
 * What a ref names in this repository, as the deployments API resolves `ref`: the default branch,
 * a same-repository pull request's head branch, `refs/pull/N/head|merge`, or a known commit (7+ hex
 * digits). A fork's branch is not in this repository, so its name resolves to nothing.
 */
export function resolveRef(r: Repo, ref: string): string | undefined {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref
  if (branch === r.defaultBranch) return r.defaultSha
  for (const p of r.pulls.values()) {
    if (ref === `refs/pull/${p.number}/head`) return p.headSha
    if (ref === `refs/pull/${p.number}/merge` && p.state === 'open') return p.mergeCommitSha
    if (!p.fork && branch === p.headRef) return p.headSha
  }
  if (/^[0-9a-f]{7,40}$/.test(ref)) {
    const hits = [...r.shas].filter(s => s.startsWith(ref))
    if (hits.length === 1) return hits[0]
  }
  return undefined
}
