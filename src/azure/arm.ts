import { ApiManagementClient } from '@azure/arm-apimanagement'
import type { TokenCredential } from '@azure/identity'
import { ActionError } from '../errors.js'
import type { ArmTokenSettings, Settings } from '../settings.js'
import { describeArmError, type ArmOperation } from './arm-errors.js'

const ARM_CALL_TIMEOUT_MS = 2 * 60_000

export type ArmCall = <T>(operation: ArmOperation, fn: (options: { abortSignal: AbortSignal }) => Promise<T>) => Promise<T>

/** The SDK client for the configured cloud, and a wrapper that turns every failure into an explanation. */
export function armClient(credential: TokenCredential, settings: ArmTokenSettings, apim: Settings['apim']): { client: ApiManagementClient; call: ArmCall } {
  const { azure } = settings
  const client = new ApiManagementClient(credential, azure.subscriptionId, {
    endpoint: azure.armEndpoint,
    credentialScopes: [`${azure.armEndpoint}/.default`]
  })
  const target = { ...apim, subscriptionId: azure.subscriptionId, clientId: azure.clientId }
  // The SDK honours any Retry-After and retries; bound each call so a throttled run fails with
  // an explanation instead of hanging silently.
  const call: ArmCall = async (operation, fn) => {
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
  return { client, call }
}

/** The status of a failed SDK call (RestError), to tell "not there" apart from a failure. */
export function restStatus(error: unknown): number | undefined {
  return error instanceof Error && error.name === 'RestError' ? (error as Error & { statusCode?: number }).statusCode : undefined
}
