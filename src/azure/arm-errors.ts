import { ActionError, firstLine } from '../errors.js'
import { redactor } from '../redact.js'

export type ArmOperation =
  | 'generateToken'
  | 'regenerateKey'
  | 'getGateway'
  | 'createGateway'
  | 'deleteGateway'
  | 'getApi'
  | 'listGatewayApis'
  | 'addGatewayApi'
  | 'removeGatewayApi'

const ACTIONS: Record<ArmOperation, string> = {
  generateToken: 'Microsoft.ApiManagement/service/gateways/generateToken/action',
  regenerateKey: 'Microsoft.ApiManagement/service/gateways/regenerateKey/action',
  getGateway: 'Microsoft.ApiManagement/service/gateways/read',
  createGateway: 'Microsoft.ApiManagement/service/gateways/write',
  deleteGateway: 'Microsoft.ApiManagement/service/gateways/delete',
  getApi: 'Microsoft.ApiManagement/service/apis/read',
  listGatewayApis: 'Microsoft.ApiManagement/service/gateways/apis/read',
  addGatewayApi: 'Microsoft.ApiManagement/service/gateways/apis/write',
  removeGatewayApi: 'Microsoft.ApiManagement/service/gateways/apis/delete'
}

const API_OPERATIONS: ArmOperation[] = ['getApi', 'addGatewayApi', 'removeGatewayApi']
const PREVIEW_OPERATIONS: ArmOperation[] = ['getGateway', 'createGateway', 'deleteGateway', 'getApi', 'listGatewayApis', 'addGatewayApi', 'removeGatewayApi']

interface Target {
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  gatewayName: string
  clientId: string
}

/**
 * Explains a failed ARM call from its status, code and message only: a RestError also carries the
 * request and response, which must never be printed.
 */
export function describeArmError(error: unknown, operation: ArmOperation, target: Target): ActionError {
  const where = `gateway '${target.gatewayName}' of API Management service '${target.serviceName}' (resource group '${target.resourceGroup}', subscription '${target.subscriptionId}')`
  if (!isRestError(error)) {
    const message = error instanceof Error ? firstLine(error.message) : String(error)
    return new ActionError(redactor.redact(`${operation} on ${where} failed: ${message}`))
  }
  const status = error.statusCode
  const code = error.code ?? ''
  const message = firstLine(error.message)
  const said = `API Management answered ${status ?? 'no response'}${code ? ` ${code}` : ''}: ${message}`
  let fix: string
  if (status === undefined) {
    fix = 'Could not reach Azure Resource Manager. Check `environment` / `arm-endpoint` and the runner\'s network.'
  } else if (status === 404) {
    fix = code === 'ResourceGroupNotFound'
      ? 'Check `resource-group` and `subscription-id`.'
      : /Microsoft\.ApiManagement\/service\/[^/'"\s]+'/.test(message)
        ? 'Check `service-name`, `resource-group` and `subscription-id`.'
        : API_OPERATIONS.includes(operation)
          ? 'Check `gateway-apis`: the API (or the gateway) no longer exists in API Management; it may have been deleted meanwhile.'
          : 'Check `gateway-name`; the gateway resource must exist in API Management (Deployment and infrastructure > Gateways) before a token can be minted.'
  } else if (status === 403) {
    const tokenRole = 'the README\'s custom role "API Management Gateway Token Operator" grants exactly that and \'Microsoft.ApiManagement/service/gateways/read\''
    const previewRole = 'the README\'s custom role "API Management Gateway Preview Operator" (examples/azure-preview-role.json) grants every action previews need'
    const role = PREVIEW_OPERATIONS.includes(operation)
      ? previewRole
      : operation === 'generateToken'
        ? `${tokenRole} (deploy, rotate); for previews, ${previewRole}`
        : tokenRole
    fix = `The identity${target.clientId ? ` (client ID '${target.clientId}')` : ''} lacks '${ACTIONS[operation]}'. Assign it a role that allows it on the gateway or service scope — ${role}.`
  } else if (status === 401) {
    fix = 'Resource Manager did not accept the access token. Check that `environment` (or `arm-endpoint`) names the cloud the tenant belongs to.'
  } else if (status === 400) {
    fix = operation === 'generateToken'
      ? 'Check `token-lifetime` (at most 30 days) and `key-type`.'
      : operation === 'regenerateKey'
        ? 'Check `key-type`.'
        : 'API Management refused the request; its message above names the field (for a new gateway: `gateway-name` at most 80 characters).'
  } else if (status === 429 || status >= 500) {
    fix = 'Resource Manager kept failing after the SDK\'s retries. Nothing was changed by this call; re-run the job later.'
  } else {
    fix = 'See the message above.'
  }
  return new ActionError(redactor.redact(`${operation} on ${where} failed. ${said}\nFix: ${fix}`))
}

/** The fields of @azure/core-rest-pipeline's RestError this module reads (and nothing else of it). */
interface RestErrorFields extends Error {
  statusCode?: number
  code?: string
}

function isRestError(error: unknown): error is RestErrorFields {
  return error instanceof Error && error.name === 'RestError'
}
