import * as core from '@actions/core'
import type { TokenCredential } from '@azure/identity'
import { ActionError } from '../errors.js'
import { redactor } from '../redact.js'
import type { ArmTokenSettings, KeyType, Settings } from '../settings.js'
import { parseGatewayToken, type GatewayToken } from '../token.js'
import { armClient } from './arm.js'

export interface MintedToken {
  token: GatewayToken
  /** `unknown` for a token given as input. */
  keyType: KeyType | 'unknown'
  regenerated: boolean
}

export interface GatewayApi {
  generateToken(keyType: KeyType, expiry: Date): Promise<string>
  regenerateKey(keyType: KeyType): Promise<void>
}

/** The two gateway operations, on the SDK, with every failure turned into an explanation. */
export function gatewayApi(credential: TokenCredential, settings: ArmTokenSettings, apim: Settings['apim']): GatewayApi {
  const { client, call } = armClient(credential, settings, apim)
  return {
    generateToken: async (keyType, expiry) => {
      const response = await call('generateToken', options => client.gateway.generateToken(apim.resourceGroup, apim.serviceName, apim.gatewayName, { keyType, expiry }, options))
      // Masked before anything else can see it.
      redactor.add(response.value)
      if (!response.value) throw new ActionError('API Management answered generateToken without a token value. Try again; if it persists, check the service health of the API Management instance.')
      return response.value
    },
    regenerateKey: keyType => call('regenerateKey', options => client.gateway.regenerateKey(apim.resourceGroup, apim.serviceName, apim.gatewayName, { keyType }, options))
  }
}

/**
 * Mints a token. With `regenerate`, a token is minted first from the same key: that proves the
 * gateway exists and the identity may mint, before anything is revoked.
 */
export async function mintToken(api: GatewayApi, settings: Pick<ArmTokenSettings, 'mode' | 'keyType' | 'lifetimeMs'>, now: Date = new Date()): Promise<MintedToken & { keyType: KeyType }> {
  const expiry = new Date(now.getTime() + settings.lifetimeMs)
  if (settings.mode === 'regenerate') {
    await api.generateToken(settings.keyType, expiry)
    core.info(`Regenerating the ${settings.keyType} key: every token minted from it so far stops working.`)
    await api.regenerateKey(settings.keyType)
  }
  const value = await api.generateToken(settings.keyType, expiry)
  const token = parseGatewayToken(value)
  if (!token) throw new ActionError('API Management returned a token in an unexpected format (not `<gateway>&<expiry>&<signature>`). The action did not deploy it.')
  return { token, keyType: settings.keyType, regenerated: settings.mode === 'regenerate' }
}
