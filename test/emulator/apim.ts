/**
 * The API Management state behind the ARM listener: subscriptions, resource groups, services,
 * their APIs and their self-hosted gateway resources with keys and API associations. Names are
 * case-insensitive, as in ARM; service names are global (each owns a DNS name), so two tests
 * cannot collide on one by accident.
 */
import { KEY_TYPES, mintToken, newGatewayKey, parseToken, signingKey, type KeyType } from './gateway-token.js'

export interface LocationData {
  name: string
  city?: string
  district?: string
  countryOrRegion?: string
}

export interface Gateway {
  name: string
  description?: string
  locationData?: LocationData
  version: number
  keys: Record<KeyType, string>
  /** Starts at 1; +1 on every regenerateKey of that key. */
  keyVersions: Record<KeyType, number>
  regenerations: Record<KeyType, number>
  tokensIssued: Record<KeyType, number>
  /** Lower-cased ids of the service's APIs associated with this gateway. */
  apis: Set<string>
}

/** An API of the service (only what a gateway association and a list need). */
export interface Api {
  name: string
  displayName: string
  path: string
  serviceUrl?: string
  description?: string
  version: number
}

export interface Service {
  subscriptionId: string
  resourceGroup: string
  name: string
  location: string
  configurationHost: string
  gateways: Map<string, Gateway>
  apis: Map<string, Api>
}

interface ResourceGroup {
  name: string
  services: Map<string, Service>
}

interface Subscription {
  id: string
  tenantId?: string
  resourceGroups: Map<string, ResourceGroup>
}

export interface AddServiceOptions {
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  gateways?: string[]
  /** Default `<service>.configuration.azure-api.net`. */
  configurationHost?: string
  location?: string
  /** When set, ARM refuses tokens from other tenants (InvalidAuthenticationTokenTenant). */
  tenantId?: string
}

export interface AddApiOptions {
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  /** The API's resource name (1–80 characters), e.g. `echo-api`. */
  apiId: string
  /** Default: the apiId. */
  displayName?: string
  /** URL suffix under the gateway; unique in the service. Default: the apiId. */
  path?: string
  serviceUrl?: string
  description?: string
}

export interface GatewayRef {
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  gatewayName: string
}

export interface GatewayStateView {
  exists: boolean
  etag?: string
  description?: string
  locationData?: LocationData
  keyVersions?: Record<KeyType, number>
  regenerations?: Record<KeyType, number>
  tokensIssued?: Record<KeyType, number>
  /** Ids of the APIs associated with the gateway, sorted. */
  apis?: string[]
}

export interface TokenCheck {
  valid: boolean
  reason: string
  gateway?: string
  keyType?: KeyType
  expiresOn?: string
}

export function etagOf(version: number): string {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(version))
  return `"${b.toString('base64')}"`
}

export function newGateway(name: string, props: { description?: string; locationData?: LocationData } = {}): Gateway {
  return {
    name, description: props.description, locationData: props.locationData, version: 1,
    keys: { primary: newGatewayKey(), secondary: newGatewayKey() },
    keyVersions: { primary: 1, secondary: 1 }, regenerations: { primary: 0, secondary: 0 }, tokensIssued: { primary: 0, secondary: 0 },
    apis: new Set()
  }
}

export class Apim {
  private readonly subscriptions = new Map<string, Subscription>()
  private readonly byHost = new Map<string, Service>()
  private readonly byName = new Map<string, Service>()

  addService(o: AddServiceOptions): { configurationHost: string; resourceId: string } {
    if (!o?.subscriptionId || !o.resourceGroup || !o.serviceName) throw new Error('addService: subscriptionId, resourceGroup and serviceName are required')
    const host = (o.configurationHost ?? `${o.serviceName}.configuration.azure-api.net`).replace(/^https:\/\//i, '').replace(/\/+$/, '').toLowerCase()
    const existing = this.byName.get(o.serviceName.toLowerCase())
    if (existing && (existing.subscriptionId.toLowerCase() !== o.subscriptionId.toLowerCase() || existing.resourceGroup.toLowerCase() !== o.resourceGroup.toLowerCase())) {
      throw new Error(`addService: service name '${o.serviceName}' is already used by another subscription or resource group (names are global)`)
    }
    const hostOwner = this.byHost.get(host)
    if (hostOwner && hostOwner !== existing) throw new Error(`addService: configuration host '${host}' already belongs to service '${hostOwner.name}'`)
    let sub = this.subscriptions.get(o.subscriptionId.toLowerCase())
    if (!sub) {
      sub = { id: o.subscriptionId, tenantId: o.tenantId, resourceGroups: new Map() }
      this.subscriptions.set(o.subscriptionId.toLowerCase(), sub)
    } else if (o.tenantId) {
      sub.tenantId = o.tenantId
    }
    let rg = sub.resourceGroups.get(o.resourceGroup.toLowerCase())
    if (!rg) {
      rg = { name: o.resourceGroup, services: new Map() }
      sub.resourceGroups.set(o.resourceGroup.toLowerCase(), rg)
    }
    let svc = existing
    if (!svc) {
      svc = { subscriptionId: sub.id, resourceGroup: rg.name, name: o.serviceName, location: o.location ?? 'westeurope', configurationHost: host, gateways: new Map(), apis: new Map() }
      rg.services.set(o.serviceName.toLowerCase(), svc)
      this.byName.set(o.serviceName.toLowerCase(), svc)
    } else if (svc.configurationHost !== host) {
      this.byHost.delete(svc.configurationHost)
      svc.configurationHost = host
    }
    this.byHost.set(host, svc)
    for (const g of o.gateways ?? []) {
      if (!svc.gateways.has(g.toLowerCase())) svc.gateways.set(g.toLowerCase(), newGateway(g, { locationData: { name: 'emulator' } }))
    }
    return { configurationHost: host, resourceId: serviceId(svc) }
  }

  subscription(id: string): Subscription | undefined {
    return this.subscriptions.get(id.toLowerCase())
  }

  resourceGroup(sub: string, rg: string): ResourceGroup | undefined {
    return this.subscription(sub)?.resourceGroups.get(rg.toLowerCase())
  }

  service(sub: string, rg: string, name: string): Service | undefined {
    return this.resourceGroup(sub, rg)?.services.get(name.toLowerCase())
  }

  serviceByHost(host: string): Service | undefined {
    return this.byHost.get(host.toLowerCase())
  }

  addApi(o: AddApiOptions): { resourceId: string } {
    if (!o?.apiId || typeof o.apiId !== 'string' || o.apiId.length > 80) throw new Error('addApi: apiId (1-80 characters) is required')
    const svc = this.service(o.subscriptionId ?? '', o.resourceGroup ?? '', o.serviceName ?? '')
    if (!svc) throw new Error(`addApi: service '${o.serviceName}' not found (call addService first)`)
    const key = o.apiId.toLowerCase()
    const path = o.path ?? o.apiId
    const clash = [...svc.apis.values()].find(a => a.path.toLowerCase() === path.toLowerCase() && a.name.toLowerCase() !== key)
    // API Management refuses two APIs on one path (without versioning), so the emulator does too.
    if (clash) throw new Error(`addApi: path '${path}' is already used by API '${clash.name}'`)
    const existing = svc.apis.get(key)
    svc.apis.set(key, {
      name: existing?.name ?? o.apiId, displayName: o.displayName ?? o.apiId, path, serviceUrl: o.serviceUrl,
      description: o.description, version: (existing?.version ?? 0) + 1
    })
    return { resourceId: `${serviceId(svc)}/apis/${existing?.name ?? o.apiId}` }
  }

  /** Ids of the APIs associated with a gateway; [] when the gateway does not exist (any more). */
  gatewayApis(r: GatewayRef): string[] {
    if (!r?.subscriptionId || !r.resourceGroup || !r.serviceName || !r.gatewayName) throw new Error('gatewayApis: subscriptionId, resourceGroup, serviceName and gatewayName are required')
    const svc = this.service(r.subscriptionId, r.resourceGroup, r.serviceName)
    if (!svc) throw new Error(`gatewayApis: service '${r.serviceName}' not found`)
    const g = svc.gateways.get(r.gatewayName.toLowerCase())
    return g ? apiNames(svc, g) : []
  }

  private gatewayOf(r: GatewayRef): Gateway | undefined {
    return this.service(r.subscriptionId, r.resourceGroup, r.serviceName)?.gateways.get(r.gatewayName.toLowerCase())
  }

  gatewayState(r: GatewayRef): GatewayStateView {
    const g = this.gatewayOf(r)
    if (!g) return { exists: false }
    return {
      exists: true, etag: etagOf(g.version), description: g.description, locationData: g.locationData,
      keyVersions: { ...g.keyVersions }, regenerations: { ...g.regenerations }, tokensIssued: { ...g.tokensIssued },
      apis: apiNames(this.service(r.subscriptionId, r.resourceGroup, r.serviceName)!, g)
    }
  }

  /** For tests: a correctly signed token with any expiry, past ones included. */
  mintToken(r: GatewayRef & { keyType: KeyType; expiry: string }): string {
    const g = this.gatewayOf(r)
    if (!g) throw new Error(`mintGatewayToken: gateway '${r.gatewayName}' not found`)
    if (!KEY_TYPES.includes(r.keyType)) throw new Error('mintGatewayToken: keyType must be primary or secondary')
    const expiry = new Date(r.expiry)
    if (Number.isNaN(expiry.getTime())) throw new Error('mintGatewayToken: expiry is not a date')
    return mintToken(g.name, expiry, g.keys[r.keyType])
  }

  /** Would the configuration endpoint of this service accept the token now? */
  checkToken(svc: Service, token: string): TokenCheck {
    const t = parseToken(token)
    if (!t) return { valid: false, reason: 'malformed token: expected <gateway>&<yyyyMMddHHmm>&<signature>' }
    const g = svc.gateways.get(t.gateway.toLowerCase())
    if (!g) return { valid: false, reason: `gateway '${t.gateway}' not found in service '${svc.name}'`, gateway: t.gateway }
    const expiresOn = t.expiry.toISOString().replace(/\.000Z$/, 'Z')
    if (Date.now() >= t.expiry.getTime()) return { valid: false, reason: `token expired at ${expiresOn}`, gateway: g.name, expiresOn }
    const kt = signingKey(t, g.keys)
    if (!kt) {
      return { valid: false, reason: `token signature is not valid for gateway '${g.name}' with either current key (the key it was minted with was regenerated, or the token was altered)`, gateway: g.name, expiresOn }
    }
    return { valid: true, reason: `token for gateway '${g.name}' signed with the ${kt} key, expires at ${expiresOn}`, gateway: g.name, keyType: kt, expiresOn }
  }
}

function apiNames(svc: Service, g: Gateway): string[] {
  return [...g.apis].map(k => svc.apis.get(k)?.name ?? k).sort()
}

export function serviceId(s: Service): string {
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.ApiManagement/service/${s.name}`
}
