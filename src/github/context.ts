import { readFileSync } from 'node:fs'

/**
 * What the workflow run tells about itself (GITHUB_* variables and the event payload): the
 * repository, the pull request, and whether GitHub handed this job an ID token.
 */
export interface RunContext {
  /** `owner/repo`, as GitHub spells it. */
  repository: string
  serverUrl: string
  /** Link to this run's log, when running on Actions. */
  runUrl?: string
  eventName: string
  pullRequest?: PullRequestInfo
  /** `ACTIONS_ID_TOKEN_REQUEST_URL` is set: the job may request an OIDC token. */
  idTokenAvailable: boolean
  actor: string
}

export interface PullRequestInfo {
  number: number
  /** `owner/repo` of the head branch; null when the fork was deleted. */
  headRepository: string | null
  headSha?: string
  author: string
  url?: string
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  let payload: Record<string, unknown> = {}
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>
    } catch {
      // No readable event: a run outside Actions, or a test. The pull-request inputs then say it all.
    }
  }
  return runContextFrom(env, payload)
}

export function runContextFrom(env: NodeJS.ProcessEnv, payload: Record<string, unknown>): RunContext {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const repository = env.GITHUB_REPOSITORY ?? ''
  const pr = payload.pull_request as
    | { number?: number; head?: { sha?: string; repo?: { full_name?: string } | null }; user?: { login?: string }; html_url?: string }
    | undefined
  return {
    repository,
    serverUrl,
    runUrl: env.GITHUB_RUN_ID && repository ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    pullRequest:
      pr && typeof pr.number === 'number'
        ? {
            number: pr.number,
            headRepository: pr.head?.repo === null ? null : (pr.head?.repo?.full_name ?? repository),
            headSha: pr.head?.sha,
            author: pr.user?.login ?? '',
            url: pr.html_url
          }
        : undefined,
    idTokenAvailable: Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL),
    actor: env.GITHUB_ACTOR ?? ''
  }
}
