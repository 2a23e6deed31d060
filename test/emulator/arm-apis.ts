/**
 * API Management's APIs and gateway–API associations, as the 2024-05-01 spec
 * (apimapis.json, apimgateways.json "GatewayApi_*") defines them:
 *
 *   GET  …/service/{svc}/apis                     Api_ListByService     ApiCollection
 *   GET  …/service/{svc}/apis/{apiId}             Api_Get               ApiContract + ETag
 *   HEAD …/service/{svc}/apis/{apiId}             Api_GetEntityTag
 *   GET  …/gateways/{gw}/apis                     GatewayApi_ListByService  ApiCollection
 *   HEAD …/gateways/{gw}/apis/{apiId}             GatewayApi_GetEntityTag   200 + ETag
 *   PUT  …/gateways/{gw}/apis/{apiId}             GatewayApi_CreateOrUpdate 201 added / 200 already there
 *   DELETE …/gateways/{gw}/apis/{apiId}           GatewayApi_Delete         200 removed / 204 was not there
 *
 * The spec has no GET on a single association (arm.ts answers 405), and no If-Match on its DELETE.
 */
import type { EmuRequest, EmuResponse } from './http.js'
import { etagOf, serviceId, type Api, type Gateway, type Service } from './apim.js'
import { entityNotFound, parseJson, validationError } from './arm-common.js'

export type ApiOp = 'apiList' | 'apiGet' | 'apiHead' | 'gatewayApiList' | 'gatewayApiHead' | 'gatewayApiPut' | 'gatewayApiDelete'

/** The page size when the caller gives no `$top` (the emulator's choice; the spec names none). */
export const DEFAULT_PAGE_SIZE = 100

export function apiBody(svc: Service, api: Api, gateway?: Gateway): Record<string, unknown> {
  const properties: Record<string, unknown> = { displayName: api.displayName, apiRevision: '1' }
  if (api.description !== undefined) properties.description = api.description
  properties.subscriptionRequired = true
  if (api.serviceUrl !== undefined) properties.serviceUrl = api.serviceUrl
  Object.assign(properties, {
    path: api.path, protocols: ['https'],
    subscriptionKeyParameterNames: { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' },
    isCurrent: true
  })
  const parent = gateway ? `${serviceId(svc)}/gateways/${gateway.name}` : serviceId(svc)
  return {
    id: `${parent}/apis/${api.name}`,
    type: gateway ? 'Microsoft.ApiManagement/service/gateways/apis' : 'Microsoft.ApiManagement/service/apis',
    name: api.name, properties
  }
}

function intParam(req: EmuRequest, name: string, min: number): number | undefined | 'invalid' {
  const raw = req.query.get(name)
  if (raw === null) return undefined
  const n = Number(raw)
  return Number.isInteger(n) && n >= min ? n : 'invalid'
}

/**
 * An ApiCollection page: `$top` is the page size, `$skip` the offset, and `nextLink` (absolute,
 * with api-version) is present while items remain — the SDK pagers follow it.
 */
function collection(req: EmuRequest, armUrl: string, items: Record<string, unknown>[]): EmuResponse {
  // A filter the emulator ignored would silently return too much; refuse it instead.
  if (req.query.has('$filter')) return validationError('$filter', 'The API Management emulator does not evaluate $filter.')
  const top = intParam(req, '$top', 1)
  if (top === 'invalid') return validationError('$top', '$top must be an integer of at least 1.')
  const skip = intParam(req, '$skip', 0)
  if (skip === 'invalid') return validationError('$skip', '$skip must be a non-negative integer.')
  const size = top ?? DEFAULT_PAGE_SIZE
  const from = skip ?? 0
  const value = items.slice(from, from + size)
  const body: Record<string, unknown> = { value, count: items.length }
  if (from + size < items.length) {
    const next = new URLSearchParams({ 'api-version': req.query.get('api-version') ?? '', $top: String(size), $skip: String(from + size) })
    body.nextLink = `${armUrl.replace(/\/+$/, '')}${req.url.pathname}?${next.toString()}`
  }
  return { status: 200, body }
}

function sortedApis(svc: Service, keys?: Iterable<string>): Api[] {
  const list = keys ? [...keys].map(k => svc.apis.get(k)).filter((a): a is Api => a !== undefined) : [...svc.apis.values()]
  return list.sort((a, b) => a.name.localeCompare(b.name))
}

export function apiOperation(op: ApiOp, req: EmuRequest, svc: Service, apiId: string | undefined, armUrl: string): EmuResponse {
  if (op === 'apiList') return collection(req, armUrl, sortedApis(svc).map(a => apiBody(svc, a)))
  const api = svc.apis.get((apiId ?? '').toLowerCase())
  if (!api) return op === 'apiHead' ? { status: 404 } : entityNotFound('Api')
  return { status: 200, headers: { etag: etagOf(api.version) }, body: op === 'apiGet' ? apiBody(svc, api) : undefined }
}

export function gatewayApiOperation(op: ApiOp, req: EmuRequest, svc: Service, gwName: string, apiId: string | undefined, armUrl: string): EmuResponse {
  const g = svc.gateways.get(gwName.toLowerCase())
  if (!g) return op === 'gatewayApiHead' ? { status: 404 } : entityNotFound('Gateway')
  if (op === 'gatewayApiList') return collection(req, armUrl, sortedApis(svc, g.apis).map(a => apiBody(svc, a, g)))

  const key = (apiId ?? '').toLowerCase()
  const api = svc.apis.get(key)
  switch (op) {
    case 'gatewayApiHead':
      return api && g.apis.has(key) ? { status: 200, headers: { etag: etagOf(api.version) } } : { status: 404 }
    case 'gatewayApiDelete':
      // 204: "API successfully removed by previous request or does not exist in Gateway".
      if (!g.apis.delete(key)) return { status: 204 }
      return { status: 200 }
    case 'gatewayApiPut': {
      const parsed = parseJson(req)
      if (!parsed.ok) return parsed.response
      const invalid = validateAssociation(parsed.value)
      if (invalid) return invalid
      if (!api) return entityNotFound('Api')
      const existed = g.apis.has(key)
      g.apis.add(key)
      return { status: existed ? 200 : 201, body: apiBody(svc, api, g) }
    }
  }
  return entityNotFound('Api')
}

/** The body is optional; when given it is an AssociationContract whose only state is `created`. */
function validateAssociation(body: unknown): EmuResponse | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body !== 'object' || Array.isArray(body)) return validationError('parameters', 'The request body must be an association contract.')
  const props = (body as { properties?: unknown }).properties
  if (props === undefined || props === null) return undefined
  if (typeof props !== 'object') return validationError('properties', 'properties must be an object.')
  const state = (props as { provisioningState?: unknown }).provisioningState
  if (state !== undefined && state !== 'created') return validationError('provisioningState', "provisioningState must be 'created'.")
  return undefined
}
