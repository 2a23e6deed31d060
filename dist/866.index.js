export const id = 866;
export const ids = [866];
export const modules = {

/***/ 7866:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  preview: () => (/* binding */ preview)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 15 modules
var core = __webpack_require__(4116);
// EXTERNAL MODULE: ./src/deploy.ts
var deploy = __webpack_require__(9880);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/kube/access.ts
var access = __webpack_require__(4979);
// EXTERNAL MODULE: ./src/kube/errors.ts
var kube_errors = __webpack_require__(3646);
;// CONCATENATED MODULE: ./src/kube/address.ts

const POLL_MS = 250;
/**
 * Waits for the Service's load-balancer address (a cloud controller or MetalLB sets it) and
 * returns it as a URL, or undefined once `timeoutMs` has passed without one.
 */
async function waitForAddress(kube, namespace, name, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        let service;
        try {
            service = await kube.core.readNamespacedService({ name, namespace });
        }
        catch (error) {
            throw (0,kube_errors/* kubeError */.k)(`Reading Service '${name}' in namespace '${namespace}'`, error, kube.server);
        }
        const ingress = service.status?.loadBalancer?.ingress?.find(i => i.ip || i.hostname);
        const host = ingress?.ip ?? ingress?.hostname;
        if (host)
            return `http://${host.includes(':') ? `[${host}]` : host}`;
        if (Date.now() >= deadline)
            return undefined;
        await new Promise(resolve => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    }
}

// EXTERNAL MODULE: ./src/kube/client.ts
var client = __webpack_require__(1934);
// EXTERNAL MODULE: ./src/kube/manifests.ts
var manifests = __webpack_require__(4483);
// EXTERNAL MODULE: ./src/preview/comment.ts
var preview_comment = __webpack_require__(2309);
// EXTERNAL MODULE: ./src/preview/naming.ts
var naming = __webpack_require__(8826);
// EXTERNAL MODULE: ./src/preview/shared.ts
var shared = __webpack_require__(4115);
// EXTERNAL MODULE: ./src/report.ts
var report = __webpack_require__(665);
// EXTERNAL MODULE: ./src/steps.ts + 2 modules
var steps = __webpack_require__(1760);
;// CONCATENATED MODULE: ./src/preview.ts
/**
 * `command: preview`: a pull request's own gateway. Everything that can refuse is asked first
 * (sign-in, API ids, gateway ownership, cluster access, GitHub permissions), then:
 *   gateway resource → API associations → namespace + objects → Ready → address → comment + deployment.
 */












async function preview(settings) {
    const p = (0,shared/* previewSettings */.af)(settings);
    const identity = (0,shared/* identityOf */.cu)(settings);
    const { apim } = settings;
    const kube = (0,client/* connect */.N)(settings.kube);
    // --- checks: nothing is created until every one has passed
    const azure = await (0,shared/* connectAzure */.CS)(p.token);
    const gateways = azure.preview(apim);
    const [existing, unknown] = await Promise.all([gateways.getGateway(), gateways.unknownApis(p.apis)]);
    if (unknown.length > 0) {
        throw new errors/* ActionError */.lZ(`API Management service '${apim.serviceName}' has no API with the id ${unknown.map(a => `'${a}'`).join(', ')} (input 'gateway-apis'). Nothing was created.\nFix: give API ids — the last segment of the API's resource id, e.g. 'echo-api' — not display names or URL paths.`);
    }
    if (existing && !(0,naming/* ownsGateway */.c6)(existing.description, identity)) {
        throw new errors/* ActionError */.lZ(`Gateway '${apim.gatewayName}' already exists in API Management service '${apim.serviceName}' and is not the preview of ${(0,naming/* previewOf */.oW)(identity)} (its description does not say so). Nothing was changed.\nFix: give each preview its own gateway, e.g. \`gateway-name: pr-\${{ github.event.number }}\`. The action never takes over, or deletes, a gateway it did not create for this pull request.`);
    }
    if (p.apis.length === 0)
        core/* warning */.$e("'gateway-apis' is empty: the preview gateway will serve no API. List the ids of the APIs under review.");
    const check = await (0,steps/* checkCluster */.zc)(kube, settings, (0,access/* deployPermissions */._1)(settings.wait));
    // --- GitHub first: proves the token may comment and deploy before anything is changed
    const github = await (0,shared/* connectGitHub */.UY)(p);
    const facts = (0,shared/* commentFacts */.$V)(settings);
    const commit = p.context.pullRequest?.number === p.pullRequest ? p.context.pullRequest.headSha : undefined;
    const environment = (0,naming/* environmentName */.VE)(apim.gatewayName);
    const comment = await github.upsertComment(p.pullRequest, facts.marker, (0,preview_comment/* renderComment */.w)(facts, { state: 'deploying', commit }));
    core/* info */.pq(`Pull-request comment ${comment}.`);
    const deploymentId = await github.createDeployment(commit ?? `refs/pull/${p.pullRequest}/head`, environment, `API Management gateway preview of ${(0,naming/* previewOf */.oW)(identity)}`);
    await github.setStatus(deploymentId, 'in_progress', { description: 'Deploying the API Management gateway preview', logUrl: p.context.runUrl });
    try {
        await gateways.putGateway((0,naming/* gatewayLocation */.Wj)(identity), (0,naming/* gatewayDescription */.lA)(identity, p.context.serverUrl));
        core/* info */.pq(`Gateway resource '${apim.gatewayName}' ${existing ? 'updated' : 'created'} in API Management service '${apim.serviceName}'.`);
        await syncApis(gateways, p.apis);
        const rolled = await (0,deploy/* rollOut */.Of)(kube, settings, {
            createNamespace: check.createNamespace
                ? { labels: { 'app.kubernetes.io/managed-by': manifests/* FIELD_MANAGER */.vy, ...(0,naming/* previewLabels */.wH)(identity) }, annotations: { [naming/* PREVIEW_ANNOTATION */.RQ.previewOf]: (0,naming/* previewOf */.oW)(identity) } }
                : undefined,
            token: async () => {
                const { gatewayApi } = await Promise.all(/* import() */[__webpack_require__.e(738), __webpack_require__.e(893), __webpack_require__.e(533)]).then(__webpack_require__.bind(__webpack_require__, 9533));
                return (0,steps/* mint */.Xx)(gatewayApi(azure.credential, p.token, apim), p.token);
            }
        });
        let gatewayUrl;
        if (settings.wait && settings.gateway.serviceType === 'LoadBalancer') {
            const service = (0,manifests/* objectNames */.Wd)(settings.gateway.name).service;
            gatewayUrl = await core/* group */.Os(`Waiting for Service '${service}' to get a load-balancer address`, () => waitForAddress(kube, settings.kube.namespace, service, p.addressTimeoutMs));
            if (gatewayUrl)
                core/* info */.pq(`Gateway URL: ${gatewayUrl}`);
            else
                core/* warning */.$e(`Service '${service}' got no load-balancer address within ${Math.round(p.addressTimeoutMs / 1000)} s (input 'address-timeout'). The gateway is Ready; the cluster may have no load-balancer controller (MetalLB, a cloud provider), or it is slow. 'gateway-url' is empty.`);
        }
        await github.setStatus(deploymentId, 'success', { description: 'API Management gateway preview is Ready', environmentUrl: gatewayUrl, logUrl: p.context.runUrl });
        await github.upsertComment(p.pullRequest, facts.marker, (0,preview_comment/* renderComment */.w)({ ...facts, at: new Date() }, { state: 'ready', gatewayUrl, readyReplicas: rolled.ready, tokenExpiresOn: rolled.minted.token.expiresOn.toISOString(), commit }));
        await (0,report/* writeReport */.u5)({ ...(0,deploy/* deployReport */.yQ)(settings, rolled), preview: { pullRequest: p.pullRequest, gatewayName: apim.gatewayName, apis: p.apis, gatewayUrl } });
    }
    catch (error) {
        // The pull request shows the failure too; reporting it must not hide the error itself.
        const reason = (0,errors/* describeError */.Uc)(error);
        await github.setStatus(deploymentId, 'failure', { description: 'The API Management gateway preview failed', logUrl: p.context.runUrl }).catch(e => core/* warning */.$e(`Could not mark the GitHub deployment failed: ${(0,errors/* describeError */.Uc)(e)}`));
        await github.upsertComment(p.pullRequest, facts.marker, (0,preview_comment/* renderComment */.w)({ ...facts, at: new Date() }, { state: 'failed', reason, commit })).catch(e => core/* warning */.$e(`Could not update the pull-request comment: ${(0,errors/* describeError */.Uc)(e)}`));
        throw error;
    }
}
/** Associates exactly the listed APIs: new ones added, ones no longer listed removed. */
async function syncApis(gateways, apis) {
    const current = await gateways.gatewayApis();
    const wanted = new Set(apis.map(a => a.toLowerCase()));
    const have = new Set(current.map(a => a.toLowerCase()));
    const add = apis.filter(a => !have.has(a.toLowerCase()));
    const remove = current.filter(a => !wanted.has(a.toLowerCase()));
    await Promise.all([...add.map(a => gateways.addApi(a)), ...remove.map(a => gateways.removeApi(a))]);
    core/* info */.pq(`APIs served by the gateway: ${apis.join(', ') || 'none'}${add.length ? ` (added ${add.join(', ')})` : ''}${remove.length ? ` (removed ${remove.join(', ')})` : ''}.`);
}


/***/ }),

/***/ 2309:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ renderComment)
/* harmony export */ });
function renderComment(facts, state) {
    const time = facts.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const run = facts.runUrl ? ` ([run](${facts.runUrl}))` : '';
    const commit = 'commit' in state && state.commit ? ` for ${state.commit.slice(0, 7)}` : '';
    const apis = facts.apis.length > 0 ? facts.apis.map(a => `\`${a}\``).join(', ') : '_none_';
    const rows = (extra) => [
        '| | |',
        '|---|---|',
        ...extra.map(([k, v]) => `| ${k} | ${v} |`),
        `| Gateway resource | \`${facts.gatewayName}\` in API Management \`${facts.serviceName}\` |`,
        `| APIs | ${apis} |`,
        `| Namespace | \`${facts.namespace}\` |`
    ];
    let lines;
    switch (state.state) {
        case 'deploying':
            lines = [`### ⏳ API gateway preview: deploying${commit}`, '', ...rows([]), '', `_Started ${time}${run}._`];
            break;
        case 'ready':
            lines = [
                `### ✅ API gateway preview: ready${commit}`,
                '',
                ...rows([
                    ['URL', state.gatewayUrl ? state.gatewayUrl : '_no load-balancer address yet_ (see the run\'s warning)'],
                    ['Replicas Ready', String(state.readyReplicas)],
                    ['Token expires (UTC)', state.tokenExpiresOn]
                ]),
                '',
                `_Updated ${time}${run}. Removed when this pull request closes._`
            ];
            break;
        case 'failed':
            lines = [`### ❌ API gateway preview: failed${commit}`, '', '```', state.reason.slice(0, 3000), '```', '', ...rows([]), '', `_Updated ${time}${run}._`];
            break;
        case 'removed':
            lines = [
                '### 🧹 API gateway preview: removed',
                '',
                ...(state.removed.length > 0 ? [`Removed: ${state.removed.join('; ')}.`] : []),
                ...(state.alreadyGone.length > 0 ? [`Already gone: ${state.alreadyGone.join('; ')}.`] : []),
                '',
                `_Updated ${time}${run}._`
            ];
            break;
    }
    return [facts.marker, ...lines].join('\n');
}


/***/ }),

/***/ 4115:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $V: () => (/* binding */ commentFacts),
/* harmony export */   CS: () => (/* binding */ connectAzure),
/* harmony export */   UY: () => (/* binding */ connectGitHub),
/* harmony export */   af: () => (/* binding */ previewSettings),
/* harmony export */   cu: () => (/* binding */ identityOf)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _steps_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1760);
/* harmony import */ var _naming_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8826);



function previewSettings(settings) {
    if (!settings.preview || settings.token.source !== 'arm')
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ(`'command: ${settings.command}' needs the Azure sign-in inputs.`);
    return { ...settings.preview, token: settings.token };
}
function identityOf(settings) {
    return { repository: settings.preview.repository, pullRequest: settings.preview.pullRequest };
}
async function connectAzure(token) {
    const [credential, { previewGatewayApi }] = await Promise.all([(0,_steps_js__WEBPACK_IMPORTED_MODULE_1__/* .signInToAzure */ .hQ)(token), Promise.all(/* import() */[__webpack_require__.e(738), __webpack_require__.e(893), __webpack_require__.e(280)]).then(__webpack_require__.bind(__webpack_require__, 2280))]);
    return { credential, preview: apim => previewGatewayApi(credential, token, apim) };
}
async function connectGitHub(preview) {
    // Loaded on demand: deploys and rotations never pay for Octokit.
    const { previewGitHub } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(943)]).then(__webpack_require__.bind(__webpack_require__, 8943));
    return previewGitHub(preview.githubToken, preview.repository);
}
function commentFacts(settings) {
    return {
        marker: (0,_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .commentMarker */ .Ql)(settings.apim.serviceName, settings.apim.gatewayName),
        gatewayName: settings.apim.gatewayName,
        serviceName: settings.apim.serviceName,
        namespace: settings.kube.namespace,
        apis: settings.preview.apis,
        runUrl: settings.preview.context.runUrl,
        at: new Date()
    };
}


/***/ })

};
