/**
 * Microsoft Entra ID as MSAL (through @azure/identity's ClientAssertionCredential) sees it:
 * tenant OpenID metadata, instance discovery, signing keys, and the v2.0 token endpoint for
 * `client_credentials` with a federated `client_assertion`. Refusals use Entra's error JSON,
 * status codes and AADSTS codes.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import type { EmuRequest, EmuResponse } from './http.js'
import { GITHUB_ISSUER, type GitHubOidc } from './github.js'

/** Entra tolerates this much clock skew on a client assertion's nbf/exp. */
export const ENTRA_CLOCK_SKEW_SECONDS = 300
export const DEFAULT_ACCESS_TOKEN_LIFETIME = 3599
const FIC_DOC = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation'

export interface FederatedCredential {
  issuer: string
  subject: string
  audiences: string[]
  name?: string
}

export interface AddAppOptions {
  tenantId: string
  clientId: string
  /** Object id of the app's service principal: the `oid` ARM checks role assignments against. */
  objectId?: string
  /** Shown in AADSTS700016 as the directory name. */
  tenantDisplayName?: string
  federatedCredentials: FederatedCredential[]
  /** `expires_in` of issued access tokens (default 3599). */
  accessTokenLifetimeSeconds?: number
}

interface App {
  clientId: string
  objectId: string
  federatedCredentials: FederatedCredential[]
  accessTokenLifetimeSeconds: number
}

interface Tenant {
  tenantId: string
  displayName: string
  apps: Map<string, App>
}

export interface IssueAccessTokenOptions {
  tenantId: string
  clientId?: string
  objectId?: string
  resource: string
  /** Negative gives an expired token. Default 3599. */
  expiresInSeconds?: number
}

export type AccessTokenCheck =
  | { ok: true; claims: JWTPayload & { tid?: string; oid?: string; appid?: string } }
  | { ok: false; problem: 'malformed' | 'signature' }

function entraTimestamp(d = new Date()): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** .NET round-trip format ("2024-10-02T22:05:03.6755165Z"), as AADSTS700024 prints times. */
function dotnetRoundTrip(epochSeconds: number | undefined): string {
  if (epochSeconds === undefined) return '1970-01-01T00:00:00.0000000Z'
  return new Date(epochSeconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
}

export function aadError(status: number, error: string, code: number, message: string): EmuResponse {
  const trace = randomUUID()
  const correlation = randomUUID()
  const ts = entraTimestamp()
  return {
    status,
    headers: { 'x-ms-request-id': trace, 'client-request-id': correlation },
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${ts}`,
      error_codes: [code], timestamp: ts, trace_id: trace, correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`
    }
  }
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email'])

export class Entra {
  private readonly tenants = new Map<string, Tenant>()
  private readonly resources = new Set<string>()
  private baseUrl = ''
  private constructor(private readonly key: CryptoKey, private readonly publicJwk: JWK, private readonly kid: string, private readonly github: GitHubOidc) {}

  static async create(github: GitHubOidc): Promise<Entra> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const kid = randomBytes(20).toString('base64url').slice(0, 27)
    const jwk = { ...(await exportJWK(publicKey)), kid, x5t: kid, use: 'sig', kty: 'RSA' }
    // Every real tenant holds the public-cloud ARM service principals: a token for them is issued,
    // and the emulated ARM then refuses it for its audience — what a wrong endpoint scope really does.
    const e = new Entra(privateKey, jwk, kid, github)
    for (const r of ['https://management.azure.com', 'https://management.core.windows.net']) e.addResource(r)
    return e
  }

  setBaseUrl(url: string): void {
    this.baseUrl = url
  }

  /** A resource (application ID URI) tokens can be requested for, with or without trailing slash. */
  addResource(uri: string): void {
    this.resources.add(uri.replace(/\/+$/, '').toLowerCase())
  }

  addApp(opts: AddAppOptions): { tenantId: string; clientId: string; objectId: string } {
    if (!opts?.tenantId || !opts.clientId) throw new Error('addApp: tenantId and clientId are required')
    if (!Array.isArray(opts.federatedCredentials)) throw new Error('addApp: federatedCredentials must be an array')
    for (const f of opts.federatedCredentials) {
      if (!f.issuer || !f.subject || !Array.isArray(f.audiences) || f.audiences.length !== 1) {
        // Entra allows exactly one audience per federated credential.
        throw new Error('addApp: each federated credential needs issuer, subject and exactly one audience')
      }
    }
    const tkey = opts.tenantId.toLowerCase()
    let tenant = this.tenants.get(tkey)
    if (!tenant) {
      tenant = { tenantId: opts.tenantId, displayName: opts.tenantDisplayName ?? opts.tenantId, apps: new Map() }
      this.tenants.set(tkey, tenant)
    }
    const app: App = {
      clientId: opts.clientId, objectId: opts.objectId ?? randomUUID(),
      federatedCredentials: opts.federatedCredentials.map(f => ({ ...f, audiences: [...f.audiences] })),
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME
    }
    tenant.apps.set(opts.clientId.toLowerCase(), app)
    return { tenantId: tenant.tenantId, clientId: app.clientId, objectId: app.objectId }
  }

  issuerFor(tenantId: string): string {
    return `https://sts.windows.net/${tenantId}/`
  }

  async issueAccessToken(o: IssueAccessTokenOptions): Promise<string> {
    const tenant = this.tenants.get(o.tenantId.toLowerCase())
    const app = o.clientId ? tenant?.apps.get(o.clientId.toLowerCase()) : undefined
    return this.sign({
      tenantId: tenant?.tenantId ?? o.tenantId, resource: o.resource,
      clientId: app?.clientId ?? o.clientId ?? randomUUID(), objectId: o.objectId ?? app?.objectId ?? randomUUID(),
      lifetime: o.expiresInSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME
    })
  }

  private async sign(p: { tenantId: string; resource: string; clientId: string; objectId: string; lifetime: number }): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const iss = this.issuerFor(p.tenantId)
    // v1 access token, as Entra issues for ARM.
    return new SignJWT({
      aud: p.resource, iss, iat: now - 5, nbf: now - 5, exp: now + p.lifetime,
      aio: randomBytes(40).toString('base64url'), appid: p.clientId, appidacr: '2', idp: iss, idtyp: 'app',
      oid: p.objectId, rh: `0.${randomBytes(30).toString('base64url')}.`, sub: p.objectId, tid: p.tenantId,
      uti: randomBytes(16).toString('base64url'), ver: '1.0', xms_tcdt: now - 86400 * 365
    }).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: this.kid, kid: this.kid }).sign(this.key)
  }

  /** Signature and shape only: ARM decides what expiry and audience mean for it. */
  async checkAccessToken(token: string): Promise<AccessTokenCheck> {
    let claims: JWTPayload
    try {
      decodeProtectedHeader(token)
      claims = decodeJwt(token)
    } catch {
      return { ok: false, problem: 'malformed' }
    }
    try {
      await compactVerify(token, createLocalJWKSet({ keys: [this.publicJwk] }))
    } catch {
      return { ok: false, problem: 'signature' }
    }
    return { ok: true, claims }
  }

  private metadata(tenant: string): Record<string, unknown> {
    const b = `${this.baseUrl}/${tenant}`
    return {
      token_endpoint: `${b}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${b}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${b}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${b}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${b}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${b}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${b}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net'
    }
  }

  private tenantNotFound(tenant: string, error: string): EmuResponse {
    return aadError(400, error, 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`)
  }

  async handle(req: EmuRequest): Promise<EmuResponse> {
    const segs = req.path.split('/').filter(Boolean)
    const tenantSeg = segs[0] ?? ''
    const rest = segs.slice(1).join('/')
    const host = new URL(this.baseUrl).host

    if (req.method === 'GET' && tenantSeg === 'common' && rest === 'discovery/instance') return this.instanceDiscovery(req, host)
    if (req.method === 'GET' && (rest === 'discovery/keys' || rest === 'discovery/v2.0/keys')) {
      return { status: 200, body: { keys: [{ ...this.publicJwk, issuer: `${this.baseUrl}/{tenantid}/v2.0` }] } }
    }
    if (req.method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
      if (tenantSeg === 'common' || tenantSeg === 'organizations') {
        return { status: 200, body: { ...this.metadata(tenantSeg), issuer: `${this.baseUrl}/{tenantid}/v2.0` } }
      }
      const tenant = this.tenants.get(tenantSeg.toLowerCase())
      if (!tenant) return this.tenantNotFound(tenantSeg, 'invalid_tenant')
      return { status: 200, body: this.metadata(tenant.tenantId) }
    }
    if (rest === 'oauth2/v2.0/token') {
      if (req.method !== 'POST') {
        return aadError(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.')
      }
      return this.token(tenantSeg, req)
    }
    return { status: 404, body: '' }
  }

  private instanceDiscovery(req: EmuRequest, host: string): EmuResponse {
    const authz = req.query.get('authorization_endpoint')
    if (!authz) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'authorization_endpoint'.")
    let url: URL
    try {
      url = new URL(authz)
    } catch {
      return aadError(400, 'invalid_instance', 50049, "Unknown or invalid instance.")
    }
    if (url.host !== host) return aadError(400, 'invalid_instance', 50049, "Unknown or invalid instance.")
    const tenant = url.pathname.split('/').filter(Boolean)[0] ?? 'common'
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${this.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }]
      }
    }
  }

  private async token(tenantSeg: string, req: EmuRequest): Promise<EmuResponse> {
    const tenant = this.tenants.get(tenantSeg.toLowerCase())
    if (!tenant) return this.tenantNotFound(tenantSeg, 'invalid_request')
    const form = new URLSearchParams(req.body.toString('utf8'))
    const grantType = form.get('grant_type')
    if (!grantType) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.")
    if (grantType !== 'client_credentials') {
      return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`)
    }
    const clientId = form.get('client_id')
    if (!clientId) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.")
    const app = tenant.apps.get(clientId.toLowerCase())
    if (!app) {
      return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`)
    }
    const scopeParam = form.get('scope')
    if (!scopeParam) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.")
    const scopes = scopeParam.split(' ').filter(s => s && !OIDC_SCOPES.has(s))
    if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
      return aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scopeParam} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`)
    }
    // `https://x//.default` asks for resource `https://x/`: the usual trailing-slash trick.
    const resource = scopes[0].slice(0, -'/.default'.length)
    const assertion = form.get('client_assertion')
    if (!assertion && !form.get('client_secret')) {
      return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    }
    if (!assertion) {
      return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app \'' + app.clientId + '\'.')
    }
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return aadError(400, 'invalid_request', 700023, "Client assertion type is invalid. The value of 'client_assertion_type' must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.")
    }
    const refusal = await this.checkAssertion(app, assertion)
    if (refusal) return refusal
    if (!this.resources.has(resource.replace(/\/+$/, '').toLowerCase())) {
      return aadError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`)
    }
    const lifetime = app.accessTokenLifetimeSeconds
    const accessToken = await this.sign({ tenantId: tenant.tenantId, resource, clientId: app.clientId, objectId: app.objectId, lifetime })
    return { status: 200, body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken } }
  }

  /** Entra's federated-credential checks, in its order. Returns the refusal, or undefined. */
  private async checkAssertion(app: App, assertion: string): Promise<EmuResponse | undefined> {
    let claims: JWTPayload
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(assertion)
      claims = decodeJwt(assertion)
    } catch {
      return aadError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.')
    }
    const iss = String(claims.iss ?? '')
    const sub = String(claims.sub ?? '')
    const auds = Array.isArray(claims.aud) ? claims.aud.map(String) : claims.aud === undefined ? [] : [String(claims.aud)]
    const audText = auds.join(',')
    if (app.federatedCredentials.length === 0) {
      return aadError(401, 'invalid_client', 70021, `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audText}'. ${FIC_DOC}`)
    }
    const byIssuer = app.federatedCredentials.filter(f => f.issuer === iss)
    if (byIssuer.length === 0) {
      return aadError(401, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`)
    }
    // Keys come from the issuer's jwks_uri; only GitHub's is reachable from this emulator.
    const keys = iss === GITHUB_ISSUER ? this.github.jwks() : { keys: [] }
    try {
      await compactVerify(assertion, createLocalJWKSet(keys))
    } catch (err) {
      const notFound = (err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY'
      const reason = notFound ? 'The key was not found.' : 'Key was found, but use of the key to verify the signature failed.'
      return aadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - ${reason}, Thumbprint of key used by client: '${String(header.kid ?? header.x5t ?? '')}']`)
    }
    const now = Date.now() / 1000
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined
    if (exp === undefined || now > exp + ENTRA_CLOCK_SKEW_SECONDS || (nbf !== undefined && now < nbf - ENTRA_CLOCK_SKEW_SECONDS)) {
      const current = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
      return aadError(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${current}, assertion valid from ${dotnetRoundTrip(nbf)}, expiry time of assertion ${dotnetRoundTrip(exp)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`)
    }
    const byAudience = byIssuer.filter(f => f.audiences.some(a => auds.includes(a)))
    if (byAudience.length === 0) {
      return aadError(401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${audText}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`)
    }
    if (byAudience.some(f => f.subject === sub)) return undefined
    if (byAudience.some(f => f.subject.toLowerCase() === sub.toLowerCase())) {
      return aadError(401, 'invalid_client', 7002138, `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: ${FIC_DOC}. See breaking change notification and remediation at: https://learn.microsoft.com/en-us/entra/identity-platform/reference-breaking-changes#august-2024.`)
    }
    return aadError(401, 'invalid_client', 700213, `No matching federated identity record found for presented assertion subject '${sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${FIC_DOC}`)
  }
}
