import * as core from '@actions/core'
import { AzureCliCredential, ClientAssertionCredential, type TokenCredential } from '@azure/identity'
import { readFileSync } from 'node:fs'
import { ActionError } from '../errors.js'
import { redactor } from '../redact.js'
import type { AzureSettings } from '../settings.js'
import { isKnownAuthority } from './clouds.js'
import { describeEntraError, type PresentedClaims } from './entra-errors.js'

export interface SignedIn {
  credential: TokenCredential
  /** What GitHub presented to Entra (not secret), for the summary and for error hints. */
  claims?: PresentedClaims
}

/**
 * Signs in and proves it by getting a Resource Manager token, so that a refused sign-in is reported
 * as such and not as a failed API call later.
 */
export async function signIn(azure: AzureSettings): Promise<SignedIn> {
  const presented: { claims?: PresentedClaims } = {}
  const credential = masked(azure.authType === 'oidc' ? oidcCredential(azure, presented) : new AzureCliCredential({ tenantId: azure.tenantId || undefined }))
  try {
    await credential.getToken(`${azure.armEndpoint}/.default`)
  } catch (error) {
    throw describeEntraError(error, azure, presented.claims)
  }
  return { credential, claims: presented.claims }
}

/** Azure access tokens are secrets too: masked before any library could print one. */
function masked(credential: TokenCredential): TokenCredential {
  return {
    getToken: async (scopes, options) => {
      const token = await credential.getToken(scopes, options)
      redactor.add(token?.token)
      return token
    }
  }
}

function oidcCredential(azure: AzureSettings, presented: { claims?: PresentedClaims }): TokenCredential {
  assertIdTokenAvailable()
  // The callback runs for every Azure token, so a long wait never presents an ID token older than
  // its ~10 minutes of validity (AADSTS700024).
  const getAssertion = async (): Promise<string> => {
    const idToken = await core.getIDToken(azure.audience)
    redactor.add(idToken)
    presented.claims = readClaims(idToken)
    return idToken
  }
  return new ClientAssertionCredential(azure.tenantId, azure.clientId, getAssertion, {
    authorityHost: azure.authorityHost,
    disableInstanceDiscovery: !isKnownAuthority(azure.authorityHost)
  })
}

function readClaims(jwt: string): PresentedClaims | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>
    const text = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : String(v ?? ''))
    return { subject: text(payload.sub), issuer: text(payload.iss), audience: text(payload.aud) }
  } catch {
    return undefined
  }
}

/** Fails before any call when the job cannot get an ID token, with the reason that applies. */
function assertIdTokenAvailable(): void {
  if (process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) return
  const event = process.env.GITHUB_EVENT_NAME ?? ''
  const actor = process.env.GITHUB_ACTOR ?? ''
  if (actor === 'dependabot[bot]') {
    throw new ActionError('This run was started by Dependabot, and GitHub gives Dependabot runs no OIDC ID token, so the action cannot sign in to Azure. Skip this step for Dependabot (`if: github.actor != \'dependabot[bot]\'`), or pass a `gateway-token` from a Dependabot secret.')
  }
  if (event.startsWith('pull_request') && isForkPullRequest()) {
    throw new ActionError('This pull request comes from a fork, and GitHub gives workflows of fork pull requests no OIDC ID token (and no secrets), so the action cannot sign in to Azure. Run this step only for pull requests from branches of this repository (`if: github.event.pull_request.head.repo.full_name == github.repository`). Do not switch to `pull_request_target` with a checkout of the pull request\'s code: that hands your Azure access to untrusted code.')
  }
  throw new ActionError("The job has no OIDC ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not set. Give the job `permissions: id-token: write` (and `contents: read`) in the workflow, or use `auth-type: azure-cli` after an azure/login step.")
}

function isForkPullRequest(): boolean {
  const path = process.env.GITHUB_EVENT_PATH
  if (!path) return false
  try {
    const event = JSON.parse(readFileSync(path, 'utf8')) as { pull_request?: { head?: { repo?: { fork?: boolean; full_name?: string } }; base?: { repo?: { full_name?: string } } } }
    const pr = event.pull_request
    return Boolean(pr?.head?.repo?.fork || (pr?.head?.repo?.full_name && pr.head.repo.full_name !== pr.base?.repo?.full_name))
  } catch {
    return false
  }
}
