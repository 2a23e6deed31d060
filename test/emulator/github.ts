/**
 * GitHub Actions' ID-token endpoint: the URL and bearer token a runner puts in
 * ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN. @actions/core's getIDToken
 * GETs `<url>&audience=<aud>` with `Authorization: Bearer <token>` and reads `{"value": jwt}`.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { EmuRequest, EmuResponse } from './http.js'
import { bearer } from './http.js'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export interface CreateJobOptions {
  /** The `sub` claim, e.g. `repo:octo/app:ref:refs/heads/main` or `repo:octo/app:environment:prod`. */
  subject: string
  /** The `aud` used when the request names none. GitHub's default is the owner's URL. */
  audience?: string
  /** Seconds from issue to `exp` (GitHub: 300). Negative values give tokens that are already expired. */
  lifetimeSeconds?: number
  /** Extra or overriding claims, applied last (e.g. `{ nbf: <future> }`, `{ aud: 'x' }`). */
  claims?: Record<string, unknown>
}

export interface JobInfo {
  jobId: string
  requestUrl: string
  requestToken: string
}

export interface JobStats {
  jobId: string
  subject: string
  /** Successful ID-token requests. */
  idTokenRequests: number
  /** Requests refused for a missing or wrong bearer token. */
  unauthorizedRequests: number
  audiences: string[]
}

interface Job extends CreateJobOptions {
  jobId: string
  planId: string
  requestToken: string
  runId: string
  idTokenRequests: number
  unauthorizedRequests: number
  audiences: string[]
}

// A real hub prefix looks like /<hub id>/00000000-0000-0000-0000-000000000000/_apis/...
const HUB = 'Yv4bnRQRpqFR7sS4Qv9ZT0Eh6GN3kUrEOpmyGCYXoW2ELs16Lc'
const PATH = new RegExp(`^/${HUB}/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/([0-9a-f-]+)/jobs/([0-9a-f-]+)/idtoken$`)

/** Claims GitHub derives from the workflow context, reconstructed from the subject. */
function contextClaims(subject: string, runId: string): Record<string, unknown> {
  const m = /^repo:([^/:]+)\/([^:]+):(.*)$/.exec(subject)
  const owner = m?.[1] ?? 'octo-org'
  const repo = m?.[2] ?? 'octo-repo'
  const rest = m?.[3] ?? ''
  const repository = `${owner}/${repo}`
  let ref = 'refs/heads/main'
  let eventName = 'push'
  let refType = 'branch'
  const extra: Record<string, unknown> = {}
  if (rest.startsWith('ref:')) {
    ref = rest.slice(4)
    if (ref.startsWith('refs/tags/')) refType = 'tag'
  } else if (rest.startsWith('environment:')) {
    extra.environment = rest.slice('environment:'.length)
    eventName = 'workflow_dispatch'
  } else if (rest === 'pull_request') {
    ref = 'refs/pull/1/merge'
    eventName = 'pull_request'
    extra.head_ref = 'feature'
    extra.base_ref = 'main'
  }
  const workflowRef = `${repository}/.github/workflows/deploy.yml@${ref}`
  return {
    ref, sha: randomBytes(20).toString('hex'), repository, repository_owner: owner,
    repository_owner_id: '1001', repository_id: '2002', repository_visibility: 'private',
    actor: owner, actor_id: '1001', run_id: runId, run_number: '7', run_attempt: '1',
    runner_environment: 'github-hosted', workflow: 'deploy', head_ref: '', base_ref: '',
    event_name: eventName, ref_type: refType, ref_protected: 'false',
    workflow_ref: workflowRef, workflow_sha: randomBytes(20).toString('hex'),
    job_workflow_ref: workflowRef, job_workflow_sha: randomBytes(20).toString('hex'),
    ...extra
  }
}

export class GitHubOidc {
  private readonly jobs = new Map<string, Job>()
  private constructor(private readonly key: CryptoKey, private readonly publicJwk: JWK, readonly kid: string, private baseUrl = '') {}

  static async create(): Promise<GitHubOidc> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const kid = randomBytes(20).toString('hex').toUpperCase()
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig', x5t: Buffer.from(kid, 'hex').toString('base64url') }
    return new GitHubOidc(privateKey, jwk, kid)
  }

  setBaseUrl(url: string): void {
    this.baseUrl = url
  }

  /** What Entra fetches from the issuer's jwks_uri to verify assertions. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] }
  }

  createJob(opts: CreateJobOptions): JobInfo {
    if (!opts || typeof opts.subject !== 'string' || !opts.subject) throw new Error('createJob: subject is required')
    const jobId = randomUUID()
    const planId = randomUUID()
    // Runner request tokens are long opaque JWT-like strings; only their secrecy matters here.
    const requestToken = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`
    const job: Job = { ...opts, jobId, planId, requestToken, runId: String(Math.floor(Math.random() * 1e10)), idTokenRequests: 0, unauthorizedRequests: 0, audiences: [] }
    this.jobs.set(jobId, job)
    return {
      jobId,
      requestToken,
      requestUrl: `${this.baseUrl}/${HUB}/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/${planId}/jobs/${jobId}/idtoken?api-version=2.0`
    }
  }

  jobStats(jobId: string): JobStats | undefined {
    const j = this.jobs.get(jobId)
    if (!j) return undefined
    return { jobId, subject: j.subject, idTokenRequests: j.idTokenRequests, unauthorizedRequests: j.unauthorizedRequests, audiences: [...j.audiences] }
  }

  async sign(job: Job, audience: string): Promise<string> {
    const iat = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = {
      jti: randomUUID(), sub: job.subject, aud: audience, ...contextClaims(job.subject, job.runId),
      iss: GITHUB_ISSUER, nbf: iat - 600, exp: iat + (job.lifetimeSeconds ?? 300), iat,
      ...job.claims
    }
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: this.publicJwk.x5t as string, kid: this.kid })
      .sign(this.key)
  }

  async handle(req: EmuRequest): Promise<EmuResponse> {
    if (req.method === 'GET' && req.path === '/.well-known/jwks') return { status: 200, body: this.jwks() }
    if (req.method === 'GET' && req.path === '/.well-known/openid-configuration') {
      return { status: 200, body: {
        issuer: GITHUB_ISSUER, jwks_uri: `${this.baseUrl}/.well-known/jwks`, subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'], claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'run_id', 'run_number', 'run_attempt', 'actor', 'actor_id', 'workflow', 'workflow_ref', 'workflow_sha', 'head_ref', 'base_ref', 'event_name', 'ref_type', 'environment', 'environment_node_id', 'job_workflow_ref', 'job_workflow_sha', 'repository_visibility', 'runner_environment'],
        id_token_signing_alg_values_supported: ['RS256'], scopes_supported: ['openid']
      } }
    }
    const m = PATH.exec(req.path)
    const job = m ? this.jobs.get(m[2]) : undefined
    if (!m || !job || job.planId !== m[1]) return { status: 404, body: { message: 'Not Found' } }
    if (req.method !== 'GET') return { status: 405, body: { message: 'Method Not Allowed' } }
    const presented = bearer(req)
    if (presented !== job.requestToken) {
      job.unauthorizedRequests++
      // The Actions service is an Azure DevOps service: unauthenticated calls get its TF400813 body.
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer' },
        body: {
          $id: '1', innerException: null,
          message: "TF400813: The user '' is not authorized to access this resource.",
          typeName: 'Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server',
          typeKey: 'UnauthorizedRequestException', errorCode: 0, eventId: 3000
        }
      }
    }
    const owner = /^repo:([^/:]+)\//.exec(job.subject)?.[1] ?? 'octo-org'
    const audience = req.query.get('audience') || job.audience || `https://github.com/${owner}`
    job.idTokenRequests++
    job.audiences.push(audience)
    return { status: 200, body: { value: await this.sign(job, audience) } }
  }
}
