import type { RunContext } from '../github/context.js'
import { ActionError } from '../errors.js'

const DEPENDABOT = 'dependabot[bot]'

/**
 * Why this run cannot sign in to Azure because of where its pull request comes from, or undefined.
 * GitHub gives no ID token (and only a read-only GITHUB_TOKEN) to `pull_request` runs of pull
 * requests from forks and from Dependabot; the sign-in would fail later with an opaque message.
 */
export function untrustedPullRequest(context: RunContext): string | undefined {
  const pr = context.pullRequest
  if (!pr) return undefined
  const withheld = context.eventName === 'pull_request' || !context.idTokenAvailable
  if (!withheld) return undefined
  if (pr.author === DEPENDABOT || context.actor === DEPENDABOT) {
    return `Pull request #${pr.number} was opened by Dependabot`
  }
  if (pr.headRepository === null) return `Pull request #${pr.number} comes from a fork that has since been deleted`
  if (pr.headRepository.toLowerCase() !== context.repository.toLowerCase()) {
    return `Pull request #${pr.number} comes from the fork '${pr.headRepository}'`
  }
  return undefined
}

/** The explanation shown when a preview is refused or skipped for such a pull request. */
export function untrustedPullRequestMessage(reason: string, skipping: boolean): string {
  return [
    `${reason}: GitHub gives workflow runs of such pull requests no OIDC ID token (and a read-only GITHUB_TOKEN), so the action cannot sign in to Azure to ${skipping ? 'create a preview; skipping it (skip-on-fork: true).' : 'create or remove a preview.'}`,
    ...(skipping
      ? []
      : [
          'Fix: set `skip-on-fork: true` on this step to skip such pull requests quietly, or have a maintainer push the branch to this repository and open the pull request from there.',
          'Do not switch the workflow to `pull_request_target` with a checkout of the pull request\'s code: that code would run with your Azure and repository credentials.'
        ])
  ].join('\n')
}

/**
 * Checked before the inputs are validated: on a fork's run the sign-in inputs may be empty too
 * (no secrets, no variables), and their errors would hide the real cause. Returns the notice to
 * give when the step is skipped; throws the explanation otherwise.
 */
export function guardUntrustedPullRequest(command: string, skipOnFork: string, context: RunContext): string | undefined {
  if (command !== 'preview' && command !== 'teardown') return undefined
  const reason = untrustedPullRequest(context)
  if (!reason) return undefined
  const skipping = /^(true|yes|on)$/i.test(skipOnFork.trim())
  const message = untrustedPullRequestMessage(reason, skipping)
  if (!skipping) throw new ActionError(message)
  return message
}
