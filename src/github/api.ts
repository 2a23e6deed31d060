import { getOctokit } from '@actions/github'
import { ActionError, firstLine } from '../errors.js'
import { redactor } from '../redact.js'

/** Who comments with the workflow's GITHUB_TOKEN. */
const WORKFLOW_BOT = 'github-actions[bot]'

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive'

/** The few GitHub REST calls a preview makes, each failure turned into an explanation. */
export interface PreviewGitHub {
  /** Creates the comment holding `marker`, or edits it; never a second one. */
  upsertComment(pullRequest: number, marker: string, body: string): Promise<'created' | 'updated'>
  /** Edits the comment holding `marker`; false when there is none. */
  updateComment(pullRequest: number, marker: string, body: string): Promise<boolean>
  createDeployment(ref: string, environment: string, description: string): Promise<number>
  setStatus(deploymentId: number, state: DeploymentState, details: { description: string; environmentUrl?: string; logUrl?: string }): Promise<void>
  /** Marks every deployment of the environment that is not yet inactive as inactive; returns how many. */
  deactivate(environment: string, description: string): Promise<number>
  /** `open`, `closed`, or `missing` when the repository has no such pull request. */
  pullRequestState(pullRequest: number): Promise<'open' | 'closed' | 'missing'>
}

/**
 * `GITHUB_API_URL` (set by the runner; GitHub Enterprise Server's `/api/v3`) is read by
 * @actions/github itself, so previews work against any GitHub.
 */
export function previewGitHub(token: string, repository: string): PreviewGitHub {
  redactor.add(token)
  const octokit = getOctokit(token)
  const [owner, repo] = repository.split('/')
  const call = async <T>(what: string, permission: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw describeGitHubError(error, what, permission, repository)
    }
  }
  let self: Promise<string | undefined> | undefined
  /** The token's own login; undefined for an installation token (GITHUB_TOKEN), which cannot ask. */
  const selfLogin = (): Promise<string | undefined> =>
    (self ??= octokit.rest.users.getAuthenticated().then(
      r => r.data.login,
      () => undefined
    ))
  /**
   * The comment holding the marker that this action wrote: anyone can paste the marker into a
   * comment of their own, and the action must never edit (and vouch for) a stranger's comment.
   */
  const findComment = async (pullRequest: number, marker: string): Promise<number | undefined> => {
    const comments = await call(`Listing the comments of pull request #${pullRequest}`, 'pull-requests: read', () =>
      octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pullRequest, per_page: 100 })
    )
    for (const comment of comments.filter(c => c.body?.includes(marker))) {
      // The workflow token comments as github-actions[bot]; a personal token as its own user.
      const author = comment.user?.login
      if (author && (author === WORKFLOW_BOT || author === (await selfLogin()))) return comment.id
    }
    return undefined
  }
  const edit = (id: number, body: string): Promise<unknown> =>
    call('Updating the preview comment', 'pull-requests: write', () => octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }))

  return {
    upsertComment: async (pullRequest, marker, body) => {
      const id = await findComment(pullRequest, marker)
      if (id !== undefined) {
        await edit(id, body)
        return 'updated'
      }
      await call(`Commenting on pull request #${pullRequest}`, 'pull-requests: write', () => octokit.rest.issues.createComment({ owner, repo, issue_number: pullRequest, body }))
      return 'created'
    },
    updateComment: async (pullRequest, marker, body) => {
      const id = await findComment(pullRequest, marker)
      if (id === undefined) return false
      await edit(id, body)
      return true
    },
    createDeployment: async (ref, environment, description) => {
      const response = await call(`Creating a GitHub deployment of '${ref}' to environment '${environment}'`, 'deployments: write', () =>
        octokit.rest.repos.createDeployment({
          owner,
          repo,
          ref,
          environment,
          description,
          auto_merge: false,
          // Checks still running on the commit must not block its preview.
          required_contexts: [],
          production_environment: false
        })
      )
      const data = response.data as { id?: number; message?: string }
      if (typeof data.id !== 'number') throw new ActionError(`GitHub did not create the deployment of '${ref}': ${data.message ?? 'no deployment in the answer'}.`)
      return data.id
    },
    setStatus: async (deploymentId, state, details) => {
      await call(`Setting the GitHub deployment's status to '${state}'`, 'deployments: write', () =>
        octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state,
          description: details.description.slice(0, 140),
          ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
          ...(details.logUrl ? { log_url: details.logUrl } : {})
        })
      )
    },
    deactivate: async (environment, description) => {
      const deployments = await call(`Listing the GitHub deployments of environment '${environment}'`, 'deployments: read', () =>
        octokit.paginate(octokit.rest.repos.listDeployments, { owner, repo, environment, per_page: 100 })
      )
      let count = 0
      for (const deployment of deployments) {
        const { data: statuses } = await call('Reading a GitHub deployment status', 'deployments: read', () =>
          octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 1 })
        )
        if (statuses[0]?.state === 'inactive') continue
        await call("Setting the GitHub deployment's status to 'inactive'", 'deployments: write', () =>
          octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: deployment.id, state: 'inactive', description: description.slice(0, 140) })
        )
        count++
      }
      return count
    },
    pullRequestState: async pullRequest => {
      try {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullRequest })
        return data.state === 'open' ? 'open' : 'closed'
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'missing'
        throw describeGitHubError(error, `Reading pull request #${pullRequest}`, 'pull-requests: read', repository)
      }
    }
  }
}

/**
 * Explains a failed GitHub call from its status and GitHub's message only: an Octokit RequestError
 * also carries the request (headers included), which is never printed.
 */
export function describeGitHubError(error: unknown, what: string, permission: string, repository: string): ActionError {
  const status = (error as { status?: unknown }).status
  const data = (error as { response?: { data?: unknown } }).response?.data
  const said = typeof data === 'object' && data && typeof (data as { message?: unknown }).message === 'string'
    ? firstLine((data as { message: string }).message)
    : error instanceof Error ? firstLine(error.message) : String(error)
  let fix: string
  if (typeof status !== 'number') fix = 'Could not reach the GitHub API (GITHUB_API_URL). Check the runner\'s network; re-run the job.'
  else if (status === 401) fix = "GitHub did not accept `github-token`. Leave it at its default (`${{ github.token }}`) or pass a valid token."
  else if (status === 403 && /rate limit/i.test(said)) fix = 'GitHub is rate-limiting this token; re-run the job later.'
  else if (status === 403) fix = `The token lacks a permission. Give the job \`permissions:\` with \`${permission.replace('read', 'write')}\` (README: "Pull-request previews").`
  else if (status === 404) fix = `\`github-token\` cannot see ${repository} (or the pull request does not exist there). Use the workflow's own token, or one with access to ${repository}.`
  else if (status === 422) fix = 'GitHub refused the request; see its message. For a deployment, the pull request\'s commit must exist in this repository.'
  else fix = 'GitHub kept failing; re-run the job later.'
  return new ActionError(redactor.redact(`${what} failed: GitHub answered ${typeof status === 'number' ? status : 'nothing'}: ${said}\nFix: ${fix}`))
}
