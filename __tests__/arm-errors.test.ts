import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { CLIENT_ID, makeToken, SUBSCRIPTION_ID } from '../__fixtures__/gateway.js'

jest.unstable_mockModule('@actions/core', () => core)
const { describeArmError } = await import('../src/azure/arm-errors.js')
const { ActionError } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')
const { RestError, createHttpHeaders, createPipelineRequest } = await import('@azure/core-rest-pipeline')

const target = { subscriptionId: SUBSCRIPTION_ID, resourceGroup: 'rg-apim', serviceName: 'contoso-apim', gatewayName: 'gw-eu', clientId: CLIENT_ID }
const TOKEN = makeToken('gw-eu', new Date(Date.UTC(2031, 0, 1)))

/** The fields of RestError the module reads, plus request and response carrying the token. */
function restError(statusCode: number | undefined, code: string | undefined, message: string): Error {
  const error = new Error(message) as Error & Record<string, unknown>
  error.name = 'RestError'
  error.statusCode = statusCode
  error.code = code
  error.request = { url: 'https://management.azure.com/…/generateToken', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ keyType: 'primary' }) }
  error.response = { status: statusCode, bodyAsText: JSON.stringify({ value: TOKEN }), parsedBody: { value: TOKEN }, headers: { 'x-ms-request-id': 'r1' } }
  error.details = { error: { code, message, innererror: TOKEN } }
  return error
}

const armMessage = (status: number, code: string, message: string): Error => restError(status, code, message)

beforeEach(() => core.resetCore())

describe('describeArmError', () => {
  it('says which gateway, service, resource group and subscription the call was for', () => {
    const error = describeArmError(armMessage(404, 'ResourceNotFound', 'Gateway not found.'), 'generateToken', target)
    expect(error).toBeInstanceOf(ActionError)
    for (const part of ["gateway 'gw-eu'", "service 'contoso-apim'", "resource group 'rg-apim'", `subscription '${SUBSCRIPTION_ID}'`]) expect(error.message).toContain(part)
    expect(error.message).toMatch(/^generateToken on /)
    expect(error.message).toContain('API Management answered 404 ResourceNotFound: Gateway not found.')
  })

  describe('404', () => {
    it('a missing gateway points at gateway-name', () => {
      const error = describeArmError(armMessage(404, 'ResourceNotFound', "The Resource 'Microsoft.ApiManagement/service/contoso-apim/gateways/gw-eu' under resource group 'rg-apim' was not found."), 'generateToken', target)
      expect(error.message).toMatch(/Fix: Check `gateway-name`/)
    })

    it('a missing service points at service-name, resource-group and subscription-id', () => {
      const error = describeArmError(armMessage(404, 'ResourceNotFound', "The Resource 'Microsoft.ApiManagement/service/contoso-apim' under resource group 'rg-apim' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"), 'generateToken', target)
      expect(error.message).toMatch(/Fix: Check `service-name`, `resource-group` and `subscription-id`\./)
    })

    it('a missing resource group points at resource-group and subscription-id', () => {
      const error = describeArmError(armMessage(404, 'ResourceGroupNotFound', "Resource group 'rg-apim' could not be found."), 'generateToken', target)
      expect(error.message).toMatch(/Fix: Check `resource-group` and `subscription-id`\./)
      expect(error.message).not.toContain('gateway-name')
    })
  })

  describe('403', () => {
    it.each([
      ['generateToken', 'Microsoft.ApiManagement/service/gateways/generateToken/action'],
      ['regenerateKey', 'Microsoft.ApiManagement/service/gateways/regenerateKey/action']
    ] as const)('%s: names the missing action and the client ID', (operation, action) => {
      const error = describeArmError(
        armMessage(403, 'AuthorizationFailed', `The client '${CLIENT_ID}' with object id 'o1' does not have authorization to perform action '${action}' over scope '/subscriptions/…' or the scope is invalid.`),
        operation,
        target
      )
      expect(error.message).toMatch(new RegExp(`Fix: The identity \\(client ID '${CLIENT_ID}'\\) lacks '${action.replace(/\//g, '\\/')}'`))
      expect(error.message).toContain('Microsoft.ApiManagement/service/gateways/read')
    })
  })

  it('400 on generateToken points at token-lifetime and key-type; on regenerateKey at key-type', () => {
    const e1 = describeArmError(armMessage(400, 'ValidationError', 'Expiry is more than 30 days in the future.'), 'generateToken', target)
    expect(e1.message).toMatch(/Fix: Check `token-lifetime` \(at most 30 days\) and `key-type`\./)
    const e2 = describeArmError(armMessage(400, 'ValidationError', 'Invalid keyType.'), 'regenerateKey', target)
    expect(e2.message).toMatch(/Fix: Check `key-type`\.$/)
  })

  it('401 points at the cloud', () => {
    expect(describeArmError(armMessage(401, 'InvalidAuthenticationTokenTenant', 'The access token is from the wrong issuer.'), 'generateToken', target).message).toMatch(/Fix: Resource Manager did not accept the access token/)
  })

  it.each([429, 500, 503])('%i says nothing was changed and to re-run later', status => {
    const error = describeArmError(armMessage(status, status === 429 ? 'TooManyRequests' : 'InternalServerError', 'Try again later.'), 'regenerateKey', target)
    expect(error.message).toContain(`answered ${status}`)
    expect(error.message).toMatch(/Nothing was changed by this call; re-run the job later\./)
  })

  it('a RestError without status (network) says Resource Manager could not be reached', () => {
    const error = describeArmError(restError(undefined, 'REQUEST_SEND_ERROR', 'getaddrinfo ENOTFOUND management.azure.com'), 'generateToken', target)
    expect(error.message).toContain('answered no response REQUEST_SEND_ERROR: getaddrinfo ENOTFOUND management.azure.com')
    expect(error.message).toMatch(/Fix: Could not reach Azure Resource Manager/)
  })

  it('an error that is not a RestError keeps its first line', () => {
    const error = describeArmError(new TypeError('fetch failed\n    at stack frame'), 'generateToken', target)
    expect(error.message).toMatch(/^generateToken on gateway 'gw-eu'.* failed: fetch failed$/)
    expect(describeArmError('boom', 'regenerateKey', target).message).toMatch(/failed: boom$/)
  })

  it('never prints the request or response of a RestError, which carry the token', () => {
    for (const status of [undefined, 400, 403, 404, 409, 429, 500]) {
      const error = describeArmError(restError(status, 'Code', 'Something failed.'), 'generateToken', target)
      expect(error.message).not.toContain(TOKEN)
      expect(error.message).not.toContain(TOKEN.split('&')[2])
      expect(error.message).not.toContain('Bearer')
      expect(error.message).not.toContain('bodyAsText')
    }
  })

  it('never prints them for the real RestError class either', () => {
    const request = createPipelineRequest({ url: 'https://management.azure.com/x/generateToken', method: 'POST', headers: createHttpHeaders({ authorization: `Bearer ${TOKEN}` }), body: TOKEN })
    const response = { status: 400, headers: createHttpHeaders({}), request, bodyAsText: JSON.stringify({ value: TOKEN }) }
    const error = new RestError('Bad request.', { statusCode: 400, code: 'ValidationError', request, response })
    expect(error.name).toBe('RestError')
    const described = describeArmError(error, 'generateToken', target)
    expect(described.message).toContain('answered 400 ValidationError: Bad request.')
    expect(described.message).not.toContain(TOKEN)
  })

  it('redacts a registered token that the message itself echoes', () => {
    redactor.add(TOKEN)
    const error = describeArmError(armMessage(400, 'ValidationError', `Token '${TOKEN}' is not valid.`), 'generateToken', target)
    expect(error.message).not.toContain(TOKEN)
    expect(error.message).not.toContain(TOKEN.split('&')[2])
    expect(error.message).toContain("Token '***' is not valid.")
  })
})

describe('describeArmError for the preview operations', () => {
  it('points a refused preview call at the preview role, including reading the gateway', () => {
    for (const op of ['getGateway', 'createGateway', 'deleteGateway', 'addGatewayApi'] as const) {
      const error = describeArmError(armMessage(403, 'AuthorizationFailed', 'The client does not have authorization.'), op, target)
      expect(error.message).toContain('API Management Gateway Preview Operator')
      expect(error.message).not.toContain('Token Operator')
    }
  })

  it('names gateway-apis, not the token, for a missing API', () => {
    const error = describeArmError(armMessage(404, 'ResourceNotFound', 'Api not found.'), 'addGatewayApi', target)
    expect(error.message).toContain('Check `gateway-apis`')
    expect(error.message).not.toContain('before a token can be minted')
  })

  it('does not blame key-type for a refused gateway creation', () => {
    const error = describeArmError(armMessage(400, 'ValidationError', 'One or more fields contain incorrect values.'), 'createGateway', target)
    expect(error.message).not.toContain('key-type')
    expect(error.message).toContain('One or more fields contain incorrect values.')
  })
})
