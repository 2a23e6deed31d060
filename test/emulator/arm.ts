/**
 * Azure Resource Manager for Microsoft.ApiManagement gateway resources, APIs and gateway–API
 * associations, at their real paths and api-versions. ARM's own checks come first (bearer token,
 * api-version, subscription, RBAC, resource group, service); then API Management answers for the
 * entity itself with its own error bodies (`"details": null`, ValidationError with details).
 */
import { randomUUID } from 'node:crypto'
import type { EmuRequest, EmuResponse } from './http.js'
import { bearer } from './http.js'
import type { Entra } from './entra.js'
import type { Rbac } from './rbac.js'
import { Apim, etagOf, newGateway, serviceId, type Gateway, type LocationData, type Service } from './apim.js'
import { KEY_TYPES, mintToken, newGatewayKey, type KeyType } from './gateway-token.js'
import { apimError, armError, entityNotFound, ifMatchOk, parseJson, validationError } from './arm-common.js'
import { apiOperation, gatewayApiOperation, type ApiOp } from './arm-apis.js'

/** ARM's tolerance for clock skew when it checks an access token's expiry. */
export const ARM_CLOCK_SKEW_SECONDS = 300
export const MAX_TOKEN_DAYS = 30

/** Every api-version of Microsoft.ApiManagement that has the gateway operations. */
export const GATEWAY_API_VERSIONS = [
  '2019-12-01', '2019-12-01-preview', '2020-06-01-preview', '2020-12-01', '2021-01-01-preview', '2021-04-01-preview',
  '2021-08-01', '2021-12-01-preview', '2022-04-01-preview', '2022-08-01', '2022-09-01-preview', '2023-03-01-preview',
  '2023-05-01-preview', '2023-09-01-preview', '2024-05-01', '2024-06-01-preview'
]
// What ARM lists for the `service` type (older versions predate gateways but are still registered).
const SERVICE_API_VERSIONS = ['2014-02-14', '2015-09-15', '2016-07-07', '2016-10-10', '2017-03-01', '2018-01-01', '2018-06-01-preview', '2019-01-01', ...GATEWAY_API_VERSIONS]

type GatewayOp = 'list' | 'get' | 'head' | 'put' | 'patch' | 'delete' | 'listKeys' | 'regenerateKey' | 'generateToken'
type Op = GatewayOp | ApiOp

const ACTIONS: Record<Op, string> = {
  list: 'Microsoft.ApiManagement/service/gateways/read',
  get: 'Microsoft.ApiManagement/service/gateways/read',
  head: 'Microsoft.ApiManagement/service/gateways/read',
  put: 'Microsoft.ApiManagement/service/gateways/write',
  patch: 'Microsoft.ApiManagement/service/gateways/write',
  delete: 'Microsoft.ApiManagement/service/gateways/delete',
  listKeys: 'Microsoft.ApiManagement/service/gateways/listKeys/action',
  regenerateKey: 'Microsoft.ApiManagement/service/gateways/regenerateKey/action',
  generateToken: 'Microsoft.ApiManagement/service/gateways/generateToken/action',
  gatewayApiList: 'Microsoft.ApiManagement/service/gateways/apis/read',
  gatewayApiHead: 'Microsoft.ApiManagement/service/gateways/apis/read',
  gatewayApiPut: 'Microsoft.ApiManagement/service/gateways/apis/write',
  gatewayApiDelete: 'Microsoft.ApiManagement/service/gateways/apis/delete',
  apiList: 'Microsoft.ApiManagement/service/apis/read',
  apiGet: 'Microsoft.ApiManagement/service/apis/read',
  apiHead: 'Microsoft.ApiManagement/service/apis/read'
}

/** .NET's en-US general date-time ("8/12/2020 5:50:28 PM"), the format ARM prints token times in. */
function dotnetUtc(d: Date): string {
  const h = d.getUTCHours()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
}

interface Route {
  sub: string
  rg: string
  svc: string
  /** Path segments after `service/{svc}`, e.g. ['gateways', 'gw1', 'apis', 'echo-api']. */
  rest: string[]
}

// /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{svc}/<rest>
function parseRoute(path: string): Route | { sub: string } | undefined {
  const s = path.split('/').filter(Boolean)
  if (s.length < 2 || s[0].toLowerCase() !== 'subscriptions') return undefined
  const sub = s[1]
  if (s.length < 9 || s[2].toLowerCase() !== 'resourcegroups' || s[4].toLowerCase() !== 'providers' ||
      s[5].toLowerCase() !== 'microsoft.apimanagement' || s[6].toLowerCase() !== 'service') return { sub }
  return { sub, rg: s[3], svc: s[7], rest: s.slice(8) }
}

interface Resolved {
  op: Op
  gw?: string
  apiId?: string
  /** The resource the request acts on: what RBAC is evaluated against. */
  scopeSegments: string[]
}

function byMethod(methods: Record<string, Op>, method: string): Op | undefined {
  return Object.hasOwn(methods, method) ? methods[method] : undefined
}

const GATEWAY_ACTIONS: Record<string, Op> = { listkeys: 'listKeys', regeneratekey: 'regenerateKey', generatetoken: 'generateToken' }

/** The operation a method and path name: 'notFound' for paths not served here, undefined for a wrong method. */
function resolve(method: string, rest: string[]): Resolved | 'notFound' | undefined {
  const [kind, id, sub, apiId, ...extra] = rest
  if (extra.length > 0) return 'notFound'
  const k = kind?.toLowerCase()
  if (k === 'apis' && sub === undefined) {
    const op = id === undefined ? byMethod({ GET: 'apiList' }, method) : byMethod({ GET: 'apiGet', HEAD: 'apiHead' }, method)
    return op && { op, apiId: id, scopeSegments: rest }
  }
  if (k !== 'gateways') return 'notFound'
  let op: Op | undefined
  if (id === undefined) {
    op = byMethod({ GET: 'list' }, method)
  } else if (sub === undefined) {
    op = byMethod({ GET: 'get', HEAD: 'head', PUT: 'put', PATCH: 'patch', DELETE: 'delete' }, method)
  } else if (sub.toLowerCase() === 'apis') {
    // The spec has HEAD, PUT and DELETE on one association, no GET.
    op = apiId === undefined ? byMethod({ GET: 'gatewayApiList' }, method)
      : byMethod({ HEAD: 'gatewayApiHead', PUT: 'gatewayApiPut', DELETE: 'gatewayApiDelete' }, method)
  } else {
    const action = apiId === undefined ? GATEWAY_ACTIONS[sub.toLowerCase()] : undefined
    if (!action) return 'notFound'
    // POST actions are authorized on the gateway itself.
    return method === 'POST' ? { op: action, gw: id, scopeSegments: rest.slice(0, 2) } : undefined
  }
  return op && { op, gw: id, apiId, scopeSegments: rest }
}

export interface ArmContext {
  apim: Apim
  rbac: Rbac
  entra: Entra
  /** The ARM listener's URL: tokens must carry it as audience (with or without trailing slash). */
  armUrl: () => string
  entraUrl: () => string
}

export function gatewayBody(svc: Service, g: Gateway): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  if (g.locationData) properties.locationData = g.locationData
  if (g.description !== undefined) properties.description = g.description
  return { id: `${serviceId(svc)}/gateways/${g.name}`, type: 'Microsoft.ApiManagement/service/gateways', name: g.name, properties }
}

function validateGatewayBody(body: unknown): { ok: true; description?: string; locationData?: LocationData } | { ok: false; response: EmuResponse } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, response: validationError('parameters', 'The request body must be a gateway contract.') }
  }
  const props = (body as { properties?: unknown }).properties
  if (props === undefined) return { ok: true }
  if (props === null || typeof props !== 'object') return { ok: false, response: validationError('properties', 'properties must be an object.') }
  const { description, locationData } = props as { description?: unknown; locationData?: unknown }
  if (description !== undefined && (typeof description !== 'string' || description.length > 1000)) {
    return { ok: false, response: validationError('description', 'The field description must be a string with a maximum length of 1000.') }
  }
  if (locationData !== undefined) {
    const ld = locationData as Partial<LocationData> | null
    if (!ld || typeof ld !== 'object' || typeof ld.name !== 'string' || !ld.name || ld.name.length > 256) {
      return { ok: false, response: validationError('locationData.name', 'The locationData.name field is required and must be at most 256 characters.') }
    }
    return { ok: true, description: description as string | undefined, locationData: { ...ld } as LocationData }
  }
  return { ok: true, description: description as string | undefined }
}

export function createArmHandler(ctx: ArmContext): (req: EmuRequest) => Promise<EmuResponse> {
  return async req => {
    const requestId = randomUUID()
    const common: Record<string, string> = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': typeof req.headers['x-ms-client-request-id'] === 'string' ? req.headers['x-ms-client-request-id'] : requestId,
      'x-ms-routing-request-id': `WESTEUROPE:${new Date().toISOString().replace(/[-:.]/g, '')}:${requestId}`
    }
    const res = await handle(ctx, req)
    const rl = req.method === 'GET' || req.method === 'HEAD' ? 'x-ms-ratelimit-remaining-subscription-reads' : 'x-ms-ratelimit-remaining-subscription-writes'
    return { ...res, headers: { ...common, [rl]: req.method === 'GET' || req.method === 'HEAD' ? '11999' : '1199', ...res.headers } }
  }
}

async function handle(ctx: ArmContext, req: EmuRequest): Promise<EmuResponse> {
  const entraHost = ctx.entraUrl()
  const challenge = (desc: string) => ({ 'www-authenticate': `Bearer authorization_uri="${entraHost}/", error="invalid_token", error_description="${desc}"` })

  // 1. Authentication, before anything about the request is looked at.
  const token = bearer(req)
  if (token === undefined) {
    return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", challenge("The authentication failed because of missing 'Authorization' header."))
  }
  if (token === '') {
    return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", challenge("The authentication failed because of invalid 'Authorization' header."))
  }
  const checked = await ctx.entra.checkAccessToken(token)
  if (!checked.ok) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'))
  const claims = checked.claims
  const tid = claims.tid ?? ''
  if (claims.iss !== ctx.entra.issuerFor(tid)) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge('The access token is invalid.'))
  }
  const now = Date.now()
  if (typeof claims.exp !== 'number' || claims.exp * 1000 + ARM_CLOCK_SKEW_SECONDS * 1000 < now) {
    const exp = new Date((claims.exp ?? 0) * 1000)
    return armError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time '${dotnetUtc(exp)}' is earlier than current UTC time '${dotnetUtc(new Date(now))}'.`, challenge('The access token expiry UTC time is earlier than current UTC time.'))
  }
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 - ARM_CLOCK_SKEW_SECONDS * 1000 > now) {
    return armError(401, 'InvalidAuthenticationToken', 'The access token is not yet valid.', challenge('The access token is not yet valid.'))
  }
  const arm = ctx.armUrl().replace(/\/+$/, '')
  const allowed = [`${arm}/`, arm]
  const aud = typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) ? claims.aud[0] : ''
  if (!allowed.includes(aud ?? '')) {
    return armError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${allowed.map(a => `'${a}'`).join(',')}.`, challenge('The access token has been obtained for wrong audience or resource.'))
  }

  // 2. ARM request validation and routing.
  const apiVersion = req.query.get('api-version')
  if (!apiVersion) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.")
  const route = parseRoute(req.path)
  if (!route) return armError(404, 'NotFound', `The requested resource '${req.path}' is not handled by this Resource Manager emulator.`)
  const sub = ctx.apim.subscription(route.sub)
  if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${route.sub}' could not be found.`)
  if (sub.tenantId && sub.tenantId.toLowerCase() !== tid.toLowerCase()) {
    return armError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${claims.iss}'. It must match the tenant '${ctx.entra.issuerFor(sub.tenantId)}' associated with this subscription. Please use the authority (URL) '${entraHost}/${sub.tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`, challenge('The access token is from the wrong issuer.'))
  }
  const notHandled = () => armError(404, 'NotFound', `The requested resource '${req.path}' is not handled by this Resource Manager emulator.`)
  if (!('rg' in route)) return notHandled()
  const resolved = resolve(req.method, route.rest)
  if (resolved === 'notFound') return notHandled()
  if (!resolved) {
    return armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`)
  }
  const op = resolved.op
  if (!GATEWAY_API_VERSIONS.includes(apiVersion)) {
    const svcLoc = ctx.apim.service(route.sub, route.rg, route.svc)?.location ?? 'westeurope'
    return armError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location '${svcLoc}' and API version '${apiVersion}' for type 'service'. The supported api-versions are '${SERVICE_API_VERSIONS.join(', ')}'. The supported locations are 'westeurope, northeurope, eastus, eastus2, westus2, uksouth, swedencentral, centralindia, australiaeast, japaneast'.`)
  }

  // 3. Authorization, on the scope of the request, whether or not the resource exists.
  const scope = `/subscriptions/${route.sub}/resourceGroups/${route.rg}/providers/Microsoft.ApiManagement/service/${route.svc}/${resolved.scopeSegments.join('/')}`
  const oid = claims.oid ?? ''
  if (!ctx.rbac.allowed(oid, ACTIONS[op], scope)) {
    return armError(403, 'AuthorizationFailed', `The client '${claims.appid ?? oid}' with object id '${oid}' does not have authorization to perform action '${ACTIONS[op]}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`)
  }

  // 4. Existence of the parents.
  const rg = ctx.apim.resourceGroup(route.sub, route.rg)
  if (!rg) return armError(404, 'ResourceGroupNotFound', `Resource group '${route.rg}' could not be found.`)
  const svc = ctx.apim.service(route.sub, route.rg, route.svc)
  if (!svc) {
    return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.ApiManagement/service/${route.svc}' under resource group '${route.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`)
  }

  // 5. API Management itself.
  if (op === 'apiList' || op === 'apiGet' || op === 'apiHead') return apiOperation(op, req, svc, resolved.apiId, ctx.armUrl())
  if (op === 'gatewayApiList' || op === 'gatewayApiHead' || op === 'gatewayApiPut' || op === 'gatewayApiDelete') {
    return gatewayApiOperation(op, req, svc, resolved.gw ?? '', resolved.apiId, ctx.armUrl())
  }
  return gatewayOperation(op, req, svc, resolved.gw)
}

function gatewayOperation(op: GatewayOp, req: EmuRequest, svc: Service, gwName: string | undefined): EmuResponse {
  if (op === 'list') {
    const value = [...svc.gateways.values()].map(g => gatewayBody(svc, g))
    return { status: 200, body: { value, count: value.length } }
  }
  const name = gwName ?? ''
  const key = name.toLowerCase()
  const g = svc.gateways.get(key)

  if (op === 'put') {
    if (name.length < 1 || name.length > 80) return validationError('gatewayId', 'The gateway identifier must be between 1 and 80 characters long.')
    if (key === 'managed') return validationError('gatewayId', "Gateway identifier 'managed' is reserved.")
    const parsed = parseJson(req)
    if (!parsed.ok) return parsed.response
    const body = validateGatewayBody(parsed.value)
    if (!body.ok) return body.response
    if (g) {
      if (!ifMatchOk(req.headers['if-match'], etagOf(g.version))) return apimError(412, 'PreconditionFailed', 'The specified entity version does not match the current entity version.')
      g.description = body.description
      g.locationData = body.locationData
      g.version++
      return { status: 200, headers: { etag: etagOf(g.version) }, body: gatewayBody(svc, g) }
    }
    const created = newGateway(name, { description: body.description, locationData: body.locationData })
    svc.gateways.set(key, created)
    return { status: 201, headers: { etag: etagOf(created.version) }, body: gatewayBody(svc, created) }
  }

  if (!g) return op === 'delete' ? { status: 204 } : op === 'head' ? { status: 404 } : entityNotFound('Gateway')

  switch (op) {
    case 'get':
    case 'head':
      return { status: 200, headers: { etag: etagOf(g.version) }, body: op === 'get' ? gatewayBody(svc, g) : undefined }
    case 'patch': {
      if (req.headers['if-match'] === undefined) return apimError(400, 'ValidationError', "The 'If-Match' header is required.")
      if (!ifMatchOk(req.headers['if-match'], etagOf(g.version))) return apimError(412, 'PreconditionFailed', 'The specified entity version does not match the current entity version.')
      const parsed = parseJson(req)
      if (!parsed.ok) return parsed.response
      const body = validateGatewayBody(parsed.value)
      if (!body.ok) return body.response
      if (body.description !== undefined) g.description = body.description
      if (body.locationData !== undefined) g.locationData = body.locationData
      g.version++
      return { status: 200, headers: { etag: etagOf(g.version) }, body: gatewayBody(svc, g) }
    }
    case 'delete':
      if (req.headers['if-match'] === undefined) return apimError(400, 'ValidationError', "The 'If-Match' header is required.")
      if (!ifMatchOk(req.headers['if-match'], etagOf(g.version))) return apimError(412, 'PreconditionFailed', 'The specified entity version does not match the current entity version.')
      svc.gateways.delete(key)
      return { status: 200 }
    case 'listKeys':
      return { status: 200, headers: { etag: etagOf(g.version) }, body: { primary: g.keys.primary, secondary: g.keys.secondary } }
    case 'regenerateKey': {
      const parsed = parseJson(req)
      if (!parsed.ok) return parsed.response
      const kt = keyTypeOf(parsed.value)
      if (!kt) return validationError('keyType', "keyType is required and must be 'primary' or 'secondary'.")
      g.keys[kt] = newGatewayKey()
      g.keyVersions[kt]++
      g.regenerations[kt]++
      return { status: 204 }
    }
    case 'generateToken': {
      const parsed = parseJson(req)
      if (!parsed.ok) return parsed.response
      const kt = keyTypeOf(parsed.value)
      if (!kt) return validationError('keyType', "keyType is required and must be 'primary' or 'secondary'.")
      const raw = (parsed.value as { expiry?: unknown } | undefined)?.expiry
      if (raw === undefined || raw === null || raw === '') return validationError('expiry', 'expiry is required.')
      const expiry = typeof raw === 'string' ? new Date(raw) : new Date(NaN)
      // Never echo the value: a caller could have put a token in the wrong field.
      if (Number.isNaN(expiry.getTime())) return validationError('expiry', 'The value is not a valid date-time.')
      const now = Date.now()
      if (expiry.getTime() <= now) return validationError('expiry', 'Token expiry must be in the future.')
      if (expiry.getTime() > now + MAX_TOKEN_DAYS * 86400_000) return validationError('expiry', `Token expiry must be within ${MAX_TOKEN_DAYS} days from now.`)
      g.tokensIssued[kt]++
      return { status: 200, body: { value: mintToken(g.name, expiry, g.keys[kt]) } }
    }
  }
  return entityNotFound('Gateway')
}

function keyTypeOf(body: unknown): KeyType | undefined {
  const v = (body as { keyType?: unknown } | undefined)?.keyType
  if (typeof v !== 'string') return undefined
  return KEY_TYPES.find(k => k === v.toLowerCase())
}
