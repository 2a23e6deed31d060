import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { CLIENT_ID, DAY_MS, makeToken, SUBSCRIPTION_ID, TENANT_ID } from '../__fixtures__/gateway.js'
import type { ArmTokenSettings, KeyType } from '../src/settings.js'

/** The SDK client, replaced: records constructor arguments and gateway calls. */
const sdk = {
  constructed: [] as unknown[][],
  generateToken: jest.fn<(rg: string, svc: string, gw: string, params: { keyType: KeyType; expiry: Date }, options?: { abortSignal?: AbortSignal }) => Promise<{ value?: string }>>(),
  regenerateKey: jest.fn<(rg: string, svc: string, gw: string, params: { keyType: KeyType }, options?: { abortSignal?: AbortSignal }) => Promise<void>>()
}
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('@azure/arm-apimanagement', () => ({
  ApiManagementClient: class {
    gateway = { generateToken: sdk.generateToken, regenerateKey: sdk.regenerateKey }
    constructor(...args: unknown[]) {
      sdk.constructed.push(args)
    }
  }
}))
const { gatewayApi, mintToken } = await import('../src/azure/gateway-token.js')
const { ActionError } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')
type GatewayApi = import('../src/azure/gateway-token.js').GatewayApi

const NOW = new Date(Date.UTC(2030, 2, 10, 8, 0, 30, 250))

function settings(mode: 'generate' | 'regenerate', keyType: KeyType = 'primary', lifetimeMs = 29 * DAY_MS): ArmTokenSettings {
  return {
    source: 'arm',
    mode,
    keyType,
    lifetimeMs,
    azure: {
      authType: 'oidc',
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      subscriptionId: SUBSCRIPTION_ID,
      audience: 'api://AzureADTokenExchange',
      environment: 'AzureUSGovernment',
      authorityHost: 'https://login.microsoftonline.us',
      armEndpoint: 'https://management.usgovcloudapi.net'
    }
  }
}
const apim = { resourceGroup: 'rg-apim', serviceName: 'contoso-apim', gatewayName: 'gw-eu' }

/** A stub GatewayApi that records every call in order; generateToken answers like ARM (token with the asked expiry). */
function stubApi(overrides: Partial<GatewayApi> = {}): GatewayApi & { calls: Array<[string, ...unknown[]]>; issued: string[] } {
  const calls: Array<[string, ...unknown[]]> = []
  const issued: string[] = []
  return {
    calls,
    issued,
    generateToken: async (keyType, expiry) => {
      calls.push(['generateToken', keyType, expiry])
      if (overrides.generateToken) return overrides.generateToken(keyType, expiry)
      const token = makeToken('gw-eu', expiry)
      issued.push(token)
      return token
    },
    regenerateKey: async keyType => {
      calls.push(['regenerateKey', keyType])
      if (overrides.regenerateKey) return overrides.regenerateKey(keyType)
    }
  }
}

beforeEach(() => {
  core.resetCore()
  sdk.constructed.length = 0
  sdk.generateToken.mockReset()
  sdk.regenerateKey.mockReset()
})

describe('mintToken', () => {
  it('generate: one generateToken with expiry now + lifetime, and the token it returned', async () => {
    const api = stubApi()
    const minted = await mintToken(api, settings('generate', 'secondary', 7 * DAY_MS), NOW)
    expect(api.calls).toEqual([['generateToken', 'secondary', new Date(NOW.getTime() + 7 * DAY_MS)]])
    expect(minted.token.value).toBe(api.issued[0])
    expect(minted.token.gateway).toBe('gw-eu')
    // the token's own expiry is the minute asked for (ARM keeps minutes)
    expect(minted.token.expiresOn.getTime()).toBe(Math.floor((NOW.getTime() + 7 * DAY_MS) / 60_000) * 60_000)
    expect(minted).toMatchObject({ keyType: 'secondary', regenerated: false })
  })

  it('regenerate: generateToken (probe), regenerateKey, generateToken — in that order, all on the same key', async () => {
    const api = stubApi()
    const minted = await mintToken(api, settings('regenerate', 'primary', DAY_MS), NOW)
    const expiry = new Date(NOW.getTime() + DAY_MS)
    expect(api.calls).toEqual([
      ['generateToken', 'primary', expiry],
      ['regenerateKey', 'primary'],
      ['generateToken', 'primary', expiry]
    ])
    // the token deployed is the one minted after the regeneration, not the probe
    expect(minted.token.value).toBe(api.issued[1])
    expect(minted).toMatchObject({ keyType: 'primary', regenerated: true })
    expect(core.info).toHaveBeenCalledWith(expect.stringContaining('Regenerating the primary key'))
  })

  it('a refused regenerateKey (403) stops there: no new token is minted or returned', async () => {
    const refused = new ActionError("regenerateKey on gateway 'gw-eu' failed. API Management answered 403 AuthorizationFailed")
    const api = stubApi({ regenerateKey: async () => Promise.reject(refused) })
    await expect(mintToken(api, settings('regenerate'), NOW)).rejects.toBe(refused)
    expect(api.calls.map(c => c[0])).toEqual(['generateToken', 'regenerateKey'])
  })

  it('a refused probe stops before the key is regenerated', async () => {
    const refused = new ActionError('generateToken failed: 404')
    const api = stubApi({ generateToken: async () => Promise.reject(refused) })
    await expect(mintToken(api, settings('regenerate'), NOW)).rejects.toBe(refused)
    expect(api.calls.map(c => c[0])).toEqual(['generateToken'])
  })

  it.each([
    ['a value without expiry', 'gw-eu&c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl'],
    ['a value with an impossible expiry', 'gw-eu&203013011200&c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl'],
    ['a JSON body instead of the value', '{"value":"gw-eu&203001011200&c2lnbmF0dXJlc2lnbmF0dXJl"}']
  ])('a malformed token (%s) is an error that does not contain the value', async (_what, value) => {
    const api = stubApi({ generateToken: async () => value })
    const error = await mintToken(api, settings('generate'), NOW).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionError)
    const message = (error as Error).message
    expect(message).toMatch(/unexpected format/)
    expect(message).not.toContain(value)
    expect(message).not.toContain('c2lnbmF0dXJl')
  })
})

describe('gatewayApi (on the SDK client)', () => {
  const credential = { getToken: async () => ({ token: 'arm-access-token', expiresOnTimestamp: 0 }) }

  it('targets the settings cloud: endpoint and token scope of the arm endpoint', () => {
    gatewayApi(credential, settings('generate'), apim)
    expect(sdk.constructed).toEqual([[credential, SUBSCRIPTION_ID, { endpoint: 'https://management.usgovcloudapi.net', credentialScopes: ['https://management.usgovcloudapi.net/.default'] }]])
  })

  it('calls generateToken on the gateway with key type and expiry, and registers the token as a secret first', async () => {
    const token = makeToken('gw-eu', new Date(NOW.getTime() + DAY_MS))
    sdk.generateToken.mockResolvedValue({ value: token })
    const expiry = new Date(NOW.getTime() + DAY_MS)
    const value = await gatewayApi(credential, settings('generate'), apim).generateToken('secondary', expiry)
    expect(value).toBe(token)
    expect(sdk.generateToken).toHaveBeenCalledWith('rg-apim', 'contoso-apim', 'gw-eu', { keyType: 'secondary', expiry }, { abortSignal: expect.any(AbortSignal) })
    expect(core.setSecret).toHaveBeenCalledWith(token)
    expect(core.setSecret).toHaveBeenCalledWith(`GatewayKey ${token}`)
    expect(redactor.redact(`x ${token} y`)).toBe('x *** y')
  })

  it('an answer without a value is an ActionError', async () => {
    sdk.generateToken.mockResolvedValue({})
    await expect(gatewayApi(credential, settings('generate'), apim).generateToken('primary', NOW)).rejects.toThrow(/without a token value/)
  })

  it('calls regenerateKey on the gateway with the key type', async () => {
    sdk.regenerateKey.mockResolvedValue(undefined)
    await gatewayApi(credential, settings('regenerate'), apim).regenerateKey('secondary')
    expect(sdk.regenerateKey).toHaveBeenCalledWith('rg-apim', 'contoso-apim', 'gw-eu', { keyType: 'secondary' }, { abortSignal: expect.any(AbortSignal) })
  })

  it('turns a RestError into an explanation naming the operation, the missing action and the client ID', async () => {
    const error = Object.assign(new Error('The client does not have authorization to perform action.'), { name: 'RestError', statusCode: 403, code: 'AuthorizationFailed' })
    sdk.regenerateKey.mockRejectedValue(error)
    const thrown = await gatewayApi(credential, settings('regenerate'), apim).regenerateKey('primary').catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(ActionError)
    expect((thrown as Error).message).toMatch(/^regenerateKey on gateway 'gw-eu'/)
    expect((thrown as Error).message).toContain('Microsoft.ApiManagement/service/gateways/regenerateKey/action')
    expect((thrown as Error).message).toContain(CLIENT_ID)
  })
})
