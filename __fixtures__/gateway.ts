/** Test data shaped like the real thing: gateway tokens and the action's inputs with action.yml's defaults. */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

/** `yyyyMMddHHmm` in UTC, the token's middle field. */
export function stamp(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}`
}

/**
 * A token as ARM returns it: `<gateway>&<yyyyMMddHHmm>&<base64 signature>`. The signature is random
 * (64 bytes, so it contains `+`, `/` or `=` as real ones do — retried until it has at least one).
 */
export function makeToken(gateway: string, expiresOn: Date): string {
  let signature: string
  do signature = randomBytes(64).toString('base64')
  while (!/[+/]/.test(signature))
  return `${gateway}&${stamp(expiresOn)}&${signature}`
}

export const DAY_MS = 86_400_000

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
}

export const actionYml = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as ActionYml

/** The defaults the runner fills in from action.yml (strings, as core.getInput returns them). */
export function actionDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {}
  for (const [name, input] of Object.entries(actionYml.inputs)) defaults[name] = input.default === undefined ? '' : String(input.default)
  return defaults
}

export const CLIENT_ID = '11111111-2222-3333-4444-555555555555'
export const TENANT_ID = '66666666-7777-8888-9999-aaaaaaaaaaaa'
export const SUBSCRIPTION_ID = 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff'

/** A minimal valid OIDC configuration on top of action.yml's defaults. */
export const MINIMAL_OIDC: Record<string, string> = {
  'client-id': CLIENT_ID,
  'tenant-id': TENANT_ID,
  'subscription-id': SUBSCRIPTION_ID,
  'resource-group': 'rg-apim',
  'service-name': 'contoso-apim',
  'gateway-name': 'gw-eu',
  namespace: 'apim'
}

/**
 * An input reader like `name => core.getInput(name)`: action.yml's defaults, then `overrides`.
 * Reading an input that action.yml does not declare fails the test (a typo in src or here).
 */
export function inputs(overrides: Record<string, string> = {}): (name: string) => string {
  for (const name of Object.keys(overrides)) if (!(name in actionYml.inputs)) throw new Error(`test override '${name}' is not an input of action.yml`)
  const values = { ...actionDefaults(), ...overrides }
  return name => {
    if (!(name in actionYml.inputs)) throw new Error(`the action read input '${name}', which action.yml does not declare`)
    return values[name] ?? ''
  }
}
