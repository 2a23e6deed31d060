export const id = 747;
export const ids = [747];
export const modules = {

/***/ 5540:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $x: () => (/* binding */ deleteLabelled),
/* harmony export */   AT: () => (/* binding */ listPreviews),
/* harmony export */   BK: () => (/* binding */ deleteNamespace),
/* harmony export */   Fo: () => (/* binding */ recordedGateway),
/* harmony export */   H4: () => (/* binding */ otherObjects),
/* harmony export */   Md: () => (/* binding */ namespaceTerminating),
/* harmony export */   ft: () => (/* binding */ releaseNamespace),
/* harmony export */   ux: () => (/* binding */ inspectNamespace),
/* harmony export */   xc: () => (/* binding */ foreignObjects)
/* harmony export */ });
/* harmony import */ var _kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6663);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/* harmony import */ var _preview_naming_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8826);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3646);
/**
 * The cluster side of previews: whose a namespace and objects are, removing a preview (its own
 * namespace, or only its labelled objects), and finding previews for prune.
 */




function isPreviewOf(labels, preview) {
    return labels?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.repository] === (0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .repositoryLabel */ .v7)(preview.repository) && labels?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.pullRequest] === String(preview.pullRequest);
}
/** `instance`: the preview's object base name (`name`); another gateway of the same pull request counts as other. */
async function inspectNamespace(kube, name, preview, instance) {
    let namespace;
    try {
        namespace = await kube.core.readNamespace({ name });
    }
    catch (error) {
        const code = (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code;
        if (code === 404)
            return { state: 'missing', created: false, others: [], foreign: false };
        // An identity that may not read namespaces did not create this one: previews in a shared
        // namespace need only a Role there.
        if (code === 403)
            return { state: 'shared', created: false, others: [], foreign: false };
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Reading namespace '${name}'`, error, kube.server);
    }
    if (!isPreviewOf(namespace.metadata?.labels, preview))
        return { state: 'shared', created: false, others: [], foreign: false };
    const gatewayResource = namespace.metadata?.annotations?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_ANNOTATION */ .RQ.gatewayResource];
    const others = await otherObjects(kube, name, preview, instance);
    return { state: others.length > 0 ? 'shared' : 'owned', created: true, gatewayResource, others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) };
}
/**
 * ConfigMaps the cluster itself puts in every namespace: Kubernetes' root CA, Istio's (also the AKS
 * add-on's) and OpenShift's service CA. They never keep a preview's namespace alive.
 */
const INJECTED_CONFIGMAPS = new Set(['kube-root-ca.crt', 'istio-ca-root-cert', 'openshift-service-ca.crt']);
/**
 * `Kind/name` of the Deployments, Services, ConfigMaps and Secrets in the namespace that are not
 * this preview's (this pull request's, with this instance name) — what deleting the namespace would
 * take with it. What the cluster puts in every namespace does not count.
 */
async function otherObjects(kube, namespace, preview, instance) {
    const apps = kube.config.makeApiClient(_kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .AppsV1Api */ .eY6);
    const lists = [
        ['Deployment', () => apps.listNamespacedDeployment({ namespace })],
        ['Service', () => kube.core.listNamespacedService({ namespace })],
        ['ConfigMap', () => kube.core.listNamespacedConfigMap({ namespace })],
        ['Secret', () => kube.core.listNamespacedSecret({ namespace })]
    ];
    const found = await Promise.all(lists.map(async ([kind, list]) => {
        try {
            return (await list()).items
                .filter(i => !isPreviewOf(i.metadata?.labels, preview) || i.metadata?.labels?.['app.kubernetes.io/instance'] !== instance)
                .filter(i => !(kind === 'ConfigMap' && INJECTED_CONFIGMAPS.has(i.metadata?.name ?? '')) && i.type !== 'kubernetes.io/service-account-token')
                .map(i => ({ name: `${kind}/${i.metadata?.name}`, samePullRequest: isPreviewOf(i.metadata?.labels, preview) }));
        }
        catch (error) {
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Listing the ${kind}s in namespace '${namespace}'`, error, kube.server);
        }
    }));
    return found.flat();
}
/** True while the namespace is being deleted (a teardown that has not finished). */
async function namespaceTerminating(kube, name) {
    try {
        return Boolean((await kube.core.readNamespace({ name })).metadata?.deletionTimestamp);
    }
    catch {
        // Missing or not readable: the checks that follow explain either.
        return false;
    }
}
/**
 * Objects with the preview's names that exist without this pull request's labels: a production
 * gateway or another preview in a shared namespace. Applying over them would take them over, and
 * teardown would then delete them.
 */
async function foreignObjects(kube, namespace, objects, preview) {
    const apps = kube.config.makeApiClient(_kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .AppsV1Api */ .eY6);
    const read = (kind, name) => kind === 'Deployment'
        ? apps.readNamespacedDeployment({ name, namespace })
        : kind === 'Service'
            ? kube.core.readNamespacedService({ name, namespace })
            : kind === 'ConfigMap'
                ? kube.core.readNamespacedConfigMap({ name, namespace })
                : kube.core.readNamespacedSecret({ name, namespace });
    const found = await Promise.all(objects.map(async ({ kind, name }) => {
        try {
            return isPreviewOf((await read(kind, name)).metadata?.labels, preview) ? undefined : `${kind} '${name}'`;
        }
        catch (error) {
            const code = (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code;
            // Missing is what a first preview expects; refused is explained by the permission check.
            if (code === 404 || code === 403)
                return undefined;
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Reading ${kind} '${name}' in namespace '${namespace}'`, error, kube.server);
        }
    }));
    return found.filter((f) => f !== undefined);
}
/** The gateway resource a preview's Deployment records, or undefined. */
async function recordedGateway(kube, namespace, name) {
    try {
        const deployment = await kube.config.makeApiClient(_kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .AppsV1Api */ .eY6).readNamespacedDeployment({ name, namespace });
        return deployment.metadata?.annotations?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_ANNOTATION */ .RQ.gatewayResource];
    }
    catch {
        return undefined;
    }
}
/**
 * Takes the preview's labels off a namespace it created but that now holds other objects too: it
 * stays, and is no longer taken for this preview (by prune, or by a later teardown).
 */
async function releaseNamespace(kube, name) {
    const body = {
        metadata: {
            labels: { [_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.repository]: null, [_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.pullRequest]: null },
            annotations: { [_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_ANNOTATION */ .RQ.previewOf]: null, [_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_ANNOTATION */ .RQ.gatewayResource]: null }
        }
    };
    try {
        await kube.core.patchNamespace({ name, body }, _kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .setHeaderOptions */ .OkF('Content-Type', _kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .PatchStrategy */ .Qve.MergePatch));
    }
    catch (error) {
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Removing the preview's labels from namespace '${name}'`, error, kube.server);
    }
}
/** Deletes the namespace and waits (up to `timeoutMs`) until it is gone; false when it is still terminating. */
async function deleteNamespace(kube, name, timeoutMs) {
    try {
        await kube.core.deleteNamespace({ name });
    }
    catch (error) {
        if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code !== 404)
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Deleting namespace '${name}'`, error, kube.server);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            await kube.core.readNamespace({ name });
        }
        catch (error) {
            if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code === 404)
                return true;
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Reading namespace '${name}'`, error, kube.server);
        }
        await new Promise(resolve => setTimeout(resolve, 250));
    }
    return false;
}
/**
 * Deletes the Deployments, Services, ConfigMaps and Secrets that carry this pull request's labels
 * and the instance name — nothing without them. Returns `Kind/name` of each deleted object.
 */
async function deleteLabelled(kube, namespace, name, preview) {
    const labelSelector = `${(0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .previewSelector */ .kO)(preview.repository, preview.pullRequest)},app.kubernetes.io/instance=${name}`;
    const apps = kube.config.makeApiClient(_kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .AppsV1Api */ .eY6);
    const kinds = [
        // The Deployment first, so that no pod restarts on a Secret or ConfigMap that is going away.
        { kind: 'Deployment', list: () => apps.listNamespacedDeployment({ namespace, labelSelector }), remove: n => apps.deleteNamespacedDeployment({ name: n, namespace, propagationPolicy: 'Background' }) },
        { kind: 'Service', list: () => kube.core.listNamespacedService({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedService({ name: n, namespace }) },
        { kind: 'ConfigMap', list: () => kube.core.listNamespacedConfigMap({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedConfigMap({ name: n, namespace }) },
        { kind: 'Secret', list: () => kube.core.listNamespacedSecret({ namespace, labelSelector }), remove: n => kube.core.deleteNamespacedSecret({ name: n, namespace }) }
    ];
    /** The call's result; undefined when what it acts on is already gone. */
    const attempt = async (what, fn) => {
        try {
            return await fn();
        }
        catch (error) {
            if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code === 404)
                return undefined;
            throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(what, error, kube.server);
        }
    };
    const deleted = [];
    for (const { kind, list, remove } of kinds) {
        const found = await attempt(`Listing ${kind}s labelled ${labelSelector} in namespace '${namespace}'`, list);
        for (const item of found?.items ?? []) {
            const objectName = item.metadata?.name ?? '';
            const done = await attempt(`Deleting ${kind} '${objectName}' in namespace '${namespace}'`, () => remove(objectName));
            if (done !== undefined)
                deleted.push(`${kind}/${objectName}`);
        }
    }
    return deleted;
}
/**
 * Every preview of the repository (for prune), found through the labels: its Deployments — in
 * `namespace` when one is given (previews sharing a namespace), else in every namespace — and, in
 * the latter case, also the namespaces previews created, so that a preview that failed before its
 * Deployment existed is found too (its objects are then named `defaultName`).
 */
async function listPreviews(kube, repository, namespace, defaultName) {
    const apps = kube.config.makeApiClient(_kubernetes_client_node__WEBPACK_IMPORTED_MODULE_0__/* .AppsV1Api */ .eY6);
    const labelSelector = (0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .previewSelector */ .kO)(repository);
    const where = namespace ? `namespace '${namespace}'` : 'all namespaces';
    let list;
    try {
        list = namespace ? await apps.listNamespacedDeployment({ namespace, labelSelector }) : await apps.listDeploymentForAllNamespaces({ labelSelector });
    }
    catch (error) {
        const status = (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error);
        if (status.code === 403) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`Listing preview Deployments in ${where} was refused: ${status.message}\nFix: grant the identity the ClusterRole in examples/kubernetes-preview-clusterrole.yaml${namespace ? ", or 'list' on deployments in that namespace" : ", or set 'namespace' when every preview shares one namespace"}.`);
        }
        throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)(`Listing preview Deployments in ${where}`, error, kube.server);
    }
    const found = list.items.map(d => toFound(d.metadata, d.metadata.labels?.['app.kubernetes.io/instance'] ?? d.metadata.name));
    if (!namespace) {
        let namespaces;
        try {
            namespaces = await kube.core.listNamespace({ labelSelector });
        }
        catch (error) {
            // Without 'list namespaces' only Deployments are found; say so, do not fail.
            if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeStatus */ .i)(error).code !== 403)
                throw (0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .kubeError */ .k)('Listing preview namespaces', error, kube.server);
        }
        for (const ns of namespaces?.items ?? []) {
            const pr = ns.metadata?.labels?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.pullRequest];
            if (!found.some(f => f.namespace === ns.metadata.name && String(f.pullRequest) === pr))
                found.push({ ...toFound(ns.metadata, defaultName), namespace: ns.metadata.name });
        }
    }
    return found.filter(p => Number.isInteger(p.pullRequest) && p.pullRequest > 0).sort((a, b) => a.pullRequest - b.pullRequest || a.namespace.localeCompare(b.namespace));
}
function toFound(metadata, name) {
    return {
        namespace: metadata.namespace ?? '',
        name,
        pullRequest: Number(metadata.labels?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_LABEL */ .W7.pullRequest]),
        createdAt: new Date(metadata.creationTimestamp ?? 0),
        gatewayResource: metadata.annotations?.[_preview_naming_js__WEBPACK_IMPORTED_MODULE_2__/* .PREVIEW_ANNOTATION */ .RQ.gatewayResource]
    };
}


/***/ }),

/***/ 2309:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ renderComment)
/* harmony export */ });
/** A table cell: a `|` would end it early. */
function cell(text) {
    return text.replace(/\|/g, '\\|');
}
function renderComment(facts, state) {
    const time = facts.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const run = facts.runUrl ? ` ([run](${facts.runUrl}))` : '';
    const commit = 'commit' in state && state.commit ? ` for ${state.commit.slice(0, 7)}` : '';
    const apis = facts.apis.length > 0 ? facts.apis.map(a => `\`${a}\``).join(', ') : '_none_';
    const rows = (extra) => [
        '| | |',
        '|---|---|',
        ...extra.map(([k, v]) => `| ${k} | ${cell(v)} |`),
        `| Gateway resource | ${cell(`\`${facts.gatewayName}\``)} in API Management \`${facts.serviceName}\` |`,
        `| APIs | ${cell(apis)} |`,
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
                    ['URL', state.gatewayUrl ?? (state.address ? `_${state.address}_` : '_no load-balancer address yet_ (see the run\'s warning)')],
                    ['Replicas Ready', state.readyReplicas === undefined ? '_not waited for_' : String(state.readyReplicas)],
                    ['Token expires (UTC)', state.tokenExpiresOn]
                ]),
                '',
                `_Updated ${time}${run}. Removed when this pull request closes._`
            ];
            break;
        case 'failed':
            lines = [`### ❌ API gateway preview: failed${commit}`, '', state.reason.slice(0, 1000), '', ...rows([]), '', `_Updated ${time}${run}._`];
            break;
        case 'removing':
            lines = ['### 🧹 API gateway preview: being removed', '', `_Started ${time}${run}._`];
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


/***/ }),

/***/ 2747:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   removePreview: () => (/* binding */ removePreview),
/* harmony export */   teardown: () => (/* binding */ teardown)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4116);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/* harmony import */ var _kube_access_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4979);
/* harmony import */ var _kube_client_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1934);
/* harmony import */ var _kube_previews_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5540);
/* harmony import */ var _preview_comment_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(2309);
/* harmony import */ var _preview_naming_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(8826);
/* harmony import */ var _preview_shared_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4115);
/* harmony import */ var _report_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(665);
/**
 * `command: teardown`: removes what `preview` created for a pull request — the namespace it created
 * (or, in a namespace it did not create, only the objects with its labels), the gateway resource
 * (only when its description says it is this pull request's preview) and its API associations —
 * then marks the GitHub deployment inactive and updates the comment. Re-runnable: what is already
 * gone is reported as such.
 */









async function teardown(settings) {
    const p = (0,_preview_shared_js__WEBPACK_IMPORTED_MODULE_6__/* .previewSettings */ .af)(settings);
    const kube = (0,_kube_client_js__WEBPACK_IMPORTED_MODULE_3__/* .connect */ .N)(settings.kube);
    const [azure, github] = await Promise.all([(0,_preview_shared_js__WEBPACK_IMPORTED_MODULE_6__/* .connectAzure */ .CS)(p.token), (0,_preview_shared_js__WEBPACK_IMPORTED_MODULE_6__/* .connectGitHub */ .UY)(p)]);
    const removals = await removePreview(kube, azure.preview(settings.apim), github, settings);
    const nothing = removals.every(r => !r.removed);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(nothing ? 'Nothing to do: the preview was already gone.' : 'Preview removed.');
    await (0,_report_js__WEBPACK_IMPORTED_MODULE_7__/* .writeRemovalReport */ .ke)(`API Management gateway preview of pull request #${p.pullRequest} ${nothing ? 'was already gone' : 'removed'}`, removals, { skipped: 'false' });
}
/**
 * Removes one preview; also used by prune. Everything that can refuse is asked first. Then GitHub
 * (which proves the token's permissions), then API Management, then the cluster last: a preview
 * whose removal stops half-way keeps its labelled namespace, through which prune finds it again.
 */
async function removePreview(kube, gateways, github, settings) {
    const identity = (0,_preview_shared_js__WEBPACK_IMPORTED_MODULE_6__/* .identityOf */ .cu)(settings);
    const { namespace } = settings.kube;
    const { gatewayName, serviceName } = settings.apim;
    // --- checks, before anything is removed
    const [facts, gateway] = await Promise.all([(0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .inspectNamespace */ .ux)(kube, namespace, identity, settings.gateway.name), gateways.getGateway()]);
    if (gateway && !(0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_5__/* .ownsGateway */ .c6)(gateway.description, identity)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`Gateway '${gatewayName}' in API Management service '${serviceName}' is not the preview of ${(0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_5__/* .previewOf */ .oW)(identity)} (its description does not say so), so teardown does not delete it. Nothing was removed.\nFix: check 'gateway-name' and 'pull-request'; teardown only deletes gateways that 'command: preview' created for this pull request.`);
    }
    if (facts.state !== 'missing') {
        // The preview records its gateway; another gateway-name would delete the namespace and leave
        // the real gateway (and its APIs) behind for good.
        const recorded = (await (0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .recordedGateway */ .Fo)(kube, namespace, settings.gateway.name)) ?? facts.gatewayResource;
        const given = settings.preview.gatewayResource;
        if (recorded && given && recorded.toLowerCase() !== given.toLowerCase()) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`The preview in namespace '${namespace}' was created for gateway resource ${recorded}, but this teardown was given ${given}. Nothing was removed.\nFix: use the same 'gateway-name', 'service-name', 'resource-group' and 'subscription-id' as the preview step.`);
        }
        const missing = await (0,_kube_access_js__WEBPACK_IMPORTED_MODULE_2__/* .missingPermissions */ .HR)(kube, namespace, (0,_kube_access_js__WEBPACK_IMPORTED_MODULE_2__/* .teardownPermissions */ .pb)(facts.state === 'owned' ? 'owned' : facts.created ? 'created-shared' : 'shared'));
        if (missing.length > 0) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`The Kubernetes identity may not ${missing.map(_kube_access_js__WEBPACK_IMPORTED_MODULE_2__/* .describePermission */ .D).join(', ')} in namespace '${namespace}', which teardown needs. Nothing was removed.\nFix: grant it the ClusterRole in examples/kubernetes-preview-clusterrole.yaml (README: "Pull-request previews").`);
        }
    }
    const removals = [];
    const note = (what, outcome, removed) => {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`${what}: ${outcome}`);
        removals.push({ what, outcome, removed });
    };
    const commentOf = (0,_preview_shared_js__WEBPACK_IMPORTED_MODULE_6__/* .commentFacts */ .$V)(settings);
    const commented = await github.updateComment(identity.pullRequest, commentOf.marker, (0,_preview_comment_js__WEBPACK_IMPORTED_MODULE_8__/* .renderComment */ .w)(commentOf, { state: 'removing' }));
    const environment = (0,_preview_naming_js__WEBPACK_IMPORTED_MODULE_5__/* .environmentName */ .VE)(serviceName, gatewayName);
    const deactivated = await github.deactivate(environment, 'The API Management gateway preview was removed');
    note(`GitHub deployments of environment ${environment}`, deactivated > 0 ? `${deactivated} marked inactive` : 'already inactive (or none)', deactivated > 0);
    if (gateway) {
        const apis = await gateways.gatewayApis();
        await Promise.all(apis.map(api => gateways.removeApi(api)));
        note(`API associations of gateway ${gatewayName}`, apis.length > 0 ? `removed ${apis.join(', ')}` : 'none', apis.length > 0);
        const deleted = await gateways.deleteGateway();
        note(`Gateway resource ${gatewayName} in ${serviceName}`, deleted ? 'deleted' : 'already gone', deleted);
    }
    else {
        note(`Gateway resource ${gatewayName} in ${serviceName}`, 'already gone', false);
    }
    // Asked again right before: something may have moved in while GitHub and Azure were answering.
    if (facts.state === 'owned') {
        const others = await (0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .otherObjects */ .H4)(kube, namespace, identity, settings.gateway.name);
        if (others.length > 0)
            Object.assign(facts, { state: 'shared', others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) });
    }
    if (facts.state === 'owned') {
        const gone = await (0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteNamespace */ .BK)(kube, namespace, settings.timeoutMs);
        note(`Namespace ${namespace}`, gone ? 'deleted' : 'deletion started; still terminating', true);
    }
    else if (facts.state === 'shared') {
        const deleted = await (0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .deleteLabelled */ .$x)(kube, namespace, settings.gateway.name, identity);
        // A namespace this pull request's preview created that others now use stays, no longer labelled
        // as its own; one that only holds its other gateways keeps the labels, for their teardown.
        if (facts.created && facts.foreign)
            await (0,_kube_previews_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseNamespace */ .ft)(kube, namespace);
        const kept = facts.created
            ? `; the namespace stays${facts.foreign ? ", without the preview's labels" : ''}: it also holds ${facts.others.slice(0, 5).join(', ')}${facts.others.length > 5 ? ', …' : ''}`
            : '';
        note(`Preview objects in namespace ${namespace}`, deleted.length > 0 ? `deleted ${deleted.join(', ')} (objects without this preview's labels left alone${kept})` : `already gone (nothing there carries this preview's labels${kept})`, deleted.length > 0);
    }
    else {
        note(`Namespace ${namespace}`, 'already gone', false);
    }
    if (commented) {
        const body = (0,_preview_comment_js__WEBPACK_IMPORTED_MODULE_8__/* .renderComment */ .w)({ ...commentOf, at: new Date() }, 
        // What only, not the outcome: that can name other teams' objects, and the comment may be public.
        { state: 'removed', removed: removals.filter(r => r.removed).map(r => r.what), alreadyGone: removals.filter(r => !r.removed).map(r => r.what) });
        await github.updateComment(identity.pullRequest, commentOf.marker, body);
    }
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(commented ? 'Pull-request comment updated.' : 'No preview comment on the pull request to update.');
    return removals;
}


/***/ })

};
