export const id = 280;
export const ids = [280];
export const modules = {

/***/ 6879:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  E: () => (/* binding */ armClient),
  r: () => (/* binding */ restStatus)
});

// EXTERNAL MODULE: ./node_modules/@azure/arm-apimanagement/dist/esm/index.js + 155 modules
var esm = __webpack_require__(7893);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/redact.ts
var redact = __webpack_require__(6670);
;// CONCATENATED MODULE: ./src/azure/arm-errors.ts


const ACTIONS = {
    generateToken: 'Microsoft.ApiManagement/service/gateways/generateToken/action',
    regenerateKey: 'Microsoft.ApiManagement/service/gateways/regenerateKey/action',
    getGateway: 'Microsoft.ApiManagement/service/gateways/read',
    createGateway: 'Microsoft.ApiManagement/service/gateways/write',
    deleteGateway: 'Microsoft.ApiManagement/service/gateways/delete',
    getApi: 'Microsoft.ApiManagement/service/apis/read',
    listGatewayApis: 'Microsoft.ApiManagement/service/gateways/apis/read',
    addGatewayApi: 'Microsoft.ApiManagement/service/gateways/apis/write',
    removeGatewayApi: 'Microsoft.ApiManagement/service/gateways/apis/delete'
};
const API_OPERATIONS = ['getApi', 'addGatewayApi', 'removeGatewayApi'];
const PREVIEW_OPERATIONS = ['getGateway', 'createGateway', 'deleteGateway', 'getApi', 'listGatewayApis', 'addGatewayApi', 'removeGatewayApi'];
/**
 * Explains a failed ARM call from its status, code and message only: a RestError also carries the
 * request and response, which must never be printed.
 */
function describeArmError(error, operation, target) {
    const where = `gateway '${target.gatewayName}' of API Management service '${target.serviceName}' (resource group '${target.resourceGroup}', subscription '${target.subscriptionId}')`;
    if (!isRestError(error)) {
        const message = error instanceof Error ? (0,errors/* firstLine */.TM)(error.message) : String(error);
        return new errors/* ActionError */.lZ(redact/* redactor */.$p.redact(`${operation} on ${where} failed: ${message}`));
    }
    const status = error.statusCode;
    const code = error.code ?? '';
    const message = (0,errors/* firstLine */.TM)(error.message);
    const said = `API Management answered ${status ?? 'no response'}${code ? ` ${code}` : ''}: ${message}`;
    let fix;
    if (status === undefined) {
        fix = 'Could not reach Azure Resource Manager. Check `environment` / `arm-endpoint` and the runner\'s network.';
    }
    else if (status === 404) {
        fix = code === 'ResourceGroupNotFound'
            ? 'Check `resource-group` and `subscription-id`.'
            : /Microsoft\.ApiManagement\/service\/[^/'"\s]+'/.test(message)
                ? 'Check `service-name`, `resource-group` and `subscription-id`.'
                : API_OPERATIONS.includes(operation)
                    ? 'Check `gateway-apis`: the API (or the gateway) no longer exists in API Management; it may have been deleted meanwhile.'
                    : 'Check `gateway-name`; the gateway resource must exist in API Management (Deployment and infrastructure > Gateways) before a token can be minted.';
    }
    else if (status === 403) {
        const tokenRole = 'the README\'s custom role "API Management Gateway Token Operator" grants exactly that and \'Microsoft.ApiManagement/service/gateways/read\'';
        const previewRole = 'the README\'s custom role "API Management Gateway Preview Operator" (examples/azure-preview-role.json) grants every action previews need';
        const role = PREVIEW_OPERATIONS.includes(operation)
            ? previewRole
            : operation === 'generateToken'
                ? `${tokenRole} (deploy, rotate); for previews, ${previewRole}`
                : tokenRole;
        fix = `The identity${target.clientId ? ` (client ID '${target.clientId}')` : ''} lacks '${ACTIONS[operation]}'. Assign it a role that allows it on the gateway or service scope — ${role}.`;
    }
    else if (status === 401) {
        fix = 'Resource Manager did not accept the access token. Check that `environment` (or `arm-endpoint`) names the cloud the tenant belongs to.';
    }
    else if (status === 400) {
        fix = operation === 'generateToken'
            ? 'Check `token-lifetime` (at most 30 days) and `key-type`.'
            : operation === 'regenerateKey'
                ? 'Check `key-type`.'
                : 'API Management refused the request; its message above names the field (for a new gateway: `gateway-name` at most 80 characters).';
    }
    else if (status === 429 || status >= 500) {
        fix = 'Resource Manager kept failing after the SDK\'s retries. Nothing was changed by this call; re-run the job later.';
    }
    else {
        fix = 'See the message above.';
    }
    return new errors/* ActionError */.lZ(redact/* redactor */.$p.redact(`${operation} on ${where} failed. ${said}\nFix: ${fix}`));
}
function isRestError(error) {
    return error instanceof Error && error.name === 'RestError';
}

;// CONCATENATED MODULE: ./src/azure/arm.ts



const ARM_CALL_TIMEOUT_MS = 2 * 60_000;
/** The SDK client for the configured cloud, and a wrapper that turns every failure into an explanation. */
function armClient(credential, settings, apim) {
    const { azure } = settings;
    const client = new esm/* ApiManagementClient */.TM(credential, azure.subscriptionId, {
        endpoint: azure.armEndpoint,
        credentialScopes: [`${azure.armEndpoint}/.default`]
    });
    const target = { ...apim, subscriptionId: azure.subscriptionId, clientId: azure.clientId };
    // The SDK honours any Retry-After and retries; bound each call so a throttled run fails with
    // an explanation instead of hanging silently.
    const call = async (operation, fn) => {
        const abortSignal = AbortSignal.timeout(ARM_CALL_TIMEOUT_MS);
        try {
            return await fn({ abortSignal });
        }
        catch (error) {
            if (abortSignal.aborted) {
                throw new errors/* ActionError */.lZ(`${operation} on gateway '${apim.gatewayName}' got no answer within ${ARM_CALL_TIMEOUT_MS / 60_000} minutes (Resource Manager kept throttling or failing, and the SDK kept retrying). Nothing was changed by this call; re-run later.`);
            }
            throw describeArmError(error, operation, target);
        }
    };
    return { client, call };
}
/** The status of a failed SDK call (RestError), to tell "not there" apart from a failure. */
function restStatus(error) {
    return error instanceof Error && error.name === 'RestError' ? error.statusCode : undefined;
}


/***/ }),

/***/ 2280:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   previewGatewayApi: () => (/* binding */ previewGatewayApi)
/* harmony export */ });
/* harmony import */ var _arm_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6879);

function previewGatewayApi(credential, settings, apim) {
    const { client, call } = (0,_arm_js__WEBPACK_IMPORTED_MODULE_0__/* .armClient */ .E)(credential, settings, apim);
    const { resourceGroup: rg, serviceName: service, gatewayName: gateway } = apim;
    /** The call's result, or undefined when the gateway or API it reads does not exist. */
    const orMissing = async (operation, fn) => call(operation, async (options) => {
        try {
            return await fn(options);
        }
        catch (error) {
            if (isMissingChild(error))
                return undefined;
            throw error;
        }
    });
    return {
        getGateway: async () => {
            const found = await orMissing('getGateway', options => client.gateway.get(rg, service, gateway, options));
            return found ? { description: found.description } : undefined;
        },
        unknownApis: async (apiIds) => {
            const found = await Promise.all(apiIds.map(apiId => orMissing('getApi', options => client.api.get(rg, service, apiId, options))));
            return apiIds.filter((_, i) => !found[i]);
        },
        putGateway: async (locationName, description) => {
            await call('createGateway', options => client.gateway.createOrUpdate(rg, service, gateway, { locationData: { name: locationName }, description }, options));
        },
        gatewayApis: async () => {
            const ids = [];
            await call('listGatewayApis', async (options) => {
                for await (const api of client.gatewayApi.listByService(rg, service, gateway, options))
                    if (api.name)
                        ids.push(api.name);
            });
            return ids;
        },
        addApi: async (apiId) => {
            await call('addGatewayApi', options => client.gatewayApi.createOrUpdate(rg, service, gateway, apiId, { ...options, parameters: { provisioningState: 'created' } }));
        },
        removeApi: async (apiId) => {
            await call('removeGatewayApi', options => client.gatewayApi.delete(rg, service, gateway, apiId, options));
        },
        deleteGateway: async () => {
            await call('deleteGateway', options => client.gateway.delete(rg, service, gateway, '*', options));
        }
    };
}
/**
 * A 404 about the gateway or API itself ("Gateway not found.", "Api not found."), not about the
 * resource group or service above it — those stay errors that name the input to fix.
 */
function isMissingChild(error) {
    if ((0,_arm_js__WEBPACK_IMPORTED_MODULE_0__/* .restStatus */ .r)(error) !== 404)
        return false;
    const { code, message } = error;
    return code !== 'ResourceGroupNotFound' && !/Microsoft\.ApiManagement\/service\/[^/'"\s]+'/.test(message);
}


/***/ })

};
