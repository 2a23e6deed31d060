import * as core from '@actions/core'
import { ApiManagementClient } from '@azure/arm-apimanagement'
import type { TokenCredential } from '@azure/identity'
import { ActionError } from '../errors.js'
import { redactor } from '../redact.js'
import type { ArmTokenSettings, KeyType, Settings } from '../settings.js'
import { parseGatewayToken, type GatewayToken } from '../token.js'
import { describeArmError, type ArmOperation } from './arm-errors.js'

const ARM_CALL_TIMEOUT_MS = 2 * 60_000

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
  const { azure } = settings
  const client = new ApiManagementClient(credential, azure.subscriptionId, {
    endpoint: azure.armEndpoint,
    credentialScopes: [`${azure.armEndpoint}/.default`]
  })
  const target = { ...apim, subscriptionId: azure.subscriptionId, clientId: azure.clientId }
  // The SDK honours any Retry-After and retries; bound each call so a throttled run fails with
  // an explanation instead of hanging silently.
  const call = async <T>(operation: ArmOperation, fn: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> => {
    const abortSignal = AbortSignal.timeout(ARM_CALL_TIMEOUT_MS)
    try {
      return await fn({ abortSignal })
    } catch (error) {
      if (abortSignal.aborted) {
        throw new ActionError(`${operation} on gateway '${apim.gatewayName}' got no answer within ${ARM_CALL_TIMEOUT_MS / 60_000} minutes (Resource Manager kept throttling or failing, and the SDK kept retrying). Nothing was changed by this call; re-run later.`)
      }
      throw describeArmError(error, operation, target)
    }
  }
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
