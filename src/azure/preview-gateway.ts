import type { TokenCredential } from '@azure/identity'
import type { ArmTokenSettings, Settings } from '../settings.js'
import { armClient, restStatus } from './arm.js'
import type { ArmOperation } from './arm-errors.js'

export interface GatewayResource {
  description?: string
}

/** The gateway-resource and API-association operations a preview's life cycle needs. */
export interface PreviewGatewayApi {
  /** The gateway resource, or undefined when it does not exist. */
  getGateway(): Promise<GatewayResource | undefined>
  /** The ids among `apiIds` that the service does not have. */
  unknownApis(apiIds: string[]): Promise<string[]>
  putGateway(locationName: string, description: string): Promise<void>
  gatewayApis(): Promise<string[]>
  addApi(apiId: string): Promise<void>
  removeApi(apiId: string): Promise<void>
  /** Deletes the gateway (one already gone is a 204, not an error). */
  deleteGateway(): Promise<void>
}

export function previewGatewayApi(credential: TokenCredential, settings: ArmTokenSettings, apim: Settings['apim']): PreviewGatewayApi {
  const { client, call } = armClient(credential, settings, apim)
  const { resourceGroup: rg, serviceName: service, gatewayName: gateway } = apim
  /** The call's result, or undefined when the gateway or API it reads does not exist. */
  const orMissing = async <T>(operation: ArmOperation, fn: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T | undefined> =>
    call(operation, async options => {
      try {
        return await fn(options)
      } catch (error) {
        if (isMissingChild(error)) return undefined
        throw error
      }
    })
  return {
    getGateway: async () => {
      const found = await orMissing('getGateway', options => client.gateway.get(rg, service, gateway, options))
      return found ? { description: found.description } : undefined
    },
    unknownApis: async apiIds => {
      const found = await Promise.all(apiIds.map(apiId => orMissing('getApi', options => client.api.get(rg, service, apiId, options))))
      return apiIds.filter((_, i) => !found[i])
    },
    putGateway: async (locationName, description) => {
      await call('createGateway', options => client.gateway.createOrUpdate(rg, service, gateway, { locationData: { name: locationName }, description }, options))
    },
    gatewayApis: async () => {
      const ids: string[] = []
      await call('listGatewayApis', async options => {
        for await (const api of client.gatewayApi.listByService(rg, service, gateway, options)) if (api.name) ids.push(api.name)
      })
      return ids
    },
    addApi: async apiId => {
      await call('addGatewayApi', options => client.gatewayApi.createOrUpdate(rg, service, gateway, apiId, { ...options, parameters: { provisioningState: 'created' } }))
    },
    removeApi: async apiId => {
      await call('removeGatewayApi', options => client.gatewayApi.delete(rg, service, gateway, apiId, options))
    },
    deleteGateway: async () => {
      await call('deleteGateway', options => client.gateway.delete(rg, service, gateway, '*', options))
    }
  }
}

/**
 * A 404 about the gateway or API itself ("Gateway not found.", "Api not found."), not about the
 * resource group or service above it — those stay errors that name the input to fix.
 */
function isMissingChild(error: unknown): boolean {
  if (restStatus(error) !== 404) return false
  const { code, message } = error as Error & { code?: string }
  return code !== 'ResourceGroupNotFound' && !/Microsoft\.ApiManagement\/service\/[^/'"\s]+'/.test(message)
}
