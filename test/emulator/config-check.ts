/**
 * What a self-hosted gateway container does at start: read `config.service.endpoint` and
 * `config.service.auth` (plus `config.service.auth.key` in the spec layout) from its environment
 * and authenticate to the configuration endpoint. Reasons read like the gateway's log and never
 * contain the token or a key.
 */
import type { Apim } from './apim.js'

export interface ConfigCheck {
  ok: boolean
  reason: string
}

const ENDPOINT = 'config.service.endpoint'
const AUTH = 'config.service.auth'
const AUTH_KEY = 'config.service.auth.key'
const PREFIX = 'GatewayKey '

export function checkGatewayConfig(apim: Apim, env: Record<string, string>): ConfigCheck {
  const endpointRaw = env[ENDPOINT]?.trim()
  if (!endpointRaw) return { ok: false, reason: `configuration endpoint is not set: ${ENDPOINT} is missing from the environment` }
  if (/^http:\/\//i.test(endpointRaw)) return { ok: false, reason: `configuration endpoint ${endpointRaw} is not HTTPS: the gateway only connects over TLS` }
  const hostPart = endpointRaw.replace(/^https:\/\//i, '').split('/')[0]
  const host = hostPart.replace(/:443$/, '').toLowerCase()
  const url = `https://${host}`

  const auth = env[AUTH]
  let token: string
  if (auth === undefined || auth.trim() === '') {
    return { ok: false, reason: `no token configured: ${AUTH} is not set` }
  } else if (auth === 'key') {
    const key = env[AUTH_KEY]
    if (key === undefined || key.trim() === '') return { ok: false, reason: `no token configured: ${AUTH} is 'key' but ${AUTH_KEY} is missing` }
    token = key.trim().startsWith(PREFIX) ? key.trim().slice(PREFIX.length) : key.trim()
  } else if (auth.startsWith(PREFIX)) {
    token = auth.slice(PREFIX.length).trim()
  } else if (auth === 'azureAdApp' || auth === 'workloadIdentity') {
    return { ok: false, reason: `${AUTH} is '${auth}': Microsoft Entra authentication is not set up for this gateway (config.service.auth.azureAd.* settings missing); only token authentication is available` }
  } else {
    // Never echo the value: it may be a raw token or key put in the wrong place.
    return { ok: false, reason: `${AUTH} is neither 'key', 'azureAdApp', 'workloadIdentity' nor a value starting with '${PREFIX}' (${auth.length} characters); the gateway cannot authenticate` }
  }

  const svc = apim.serviceByHost(host)
  if (!svc) return { ok: false, reason: `cannot reach configuration endpoint ${url}: unknown host '${host}' (name resolution failed)` }
  const check = apim.checkToken(svc, token)
  if (!check.valid) return { ok: false, reason: `configuration endpoint ${url} responded 401 Unauthorized: ${check.reason}` }
  const declared = env['gateway.name']
  const note = declared && check.gateway && declared.toLowerCase() !== check.gateway.toLowerCase() ? ` (gateway.name '${declared}' differs; the token decides)` : ''
  return { ok: true, reason: `connected to configuration endpoint ${url} as gateway '${check.gateway}' of service '${svc.name}': ${check.reason}${note}` }
}

/**
 * Startup lines in the style of the gateway's console log (the same shape as the fake kubelet's
 * own gateway lines: `[Level] <time> [EventName], message: …`), for the container log.
 */
export function gatewayLog(env: Record<string, string>, result: ConfigCheck, now = new Date()): string[] {
  const line = (level: 'Info' | 'Error', event: string, message: string) => `[${level}] ${now.toISOString()} [${event}], message: ${message}`
  const lines = [line('Info', 'GatewayStarting', `configuration endpoint: ${env[ENDPOINT] ?? '(not set)'}`)]
  if (result.ok) {
    lines.push(line('Info', 'ConfigurationLoaded', result.reason), line('Info', 'GatewayListening', 'listening on 8080 (http) and 8081 (https)'))
  } else {
    lines.push(line('Error', 'ConfigurationLoadFailed', `Failed to load configuration: ${result.reason}`))
  }
  return lines
}
