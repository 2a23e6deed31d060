export const id = 624;
export const ids = [624];
export const modules = {

/***/ 243:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  preview: () => (/* reexport */ preview),
  prune: () => (/* reexport */ prune),
  teardown: () => (/* reexport */ teardown)
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

// EXTERNAL MODULE: ./src/kube/apply.ts
var apply = __webpack_require__(9501);
// EXTERNAL MODULE: ./src/kube/client.ts
var client = __webpack_require__(1934);
// EXTERNAL MODULE: ./src/kube/manifests.ts
var manifests = __webpack_require__(4483);
// EXTERNAL MODULE: ./node_modules/@kubernetes/client-node/dist/index.js + 879 modules
var dist = __webpack_require__(6663);
// EXTERNAL MODULE: ./src/preview/naming.ts
var naming = __webpack_require__(8826);
;// CONCATENATED MODULE: ./src/kube/previews.ts
/**
 * The cluster side of previews: whose a namespace and objects are, removing a preview (its own
 * namespace, or only its labelled objects), and finding previews for prune.
 */




function isPreviewOf(labels, preview) {
    return labels?.[naming/* PREVIEW_LABEL */.W7.repository] === (0,naming/* repositoryLabel */.v7)(preview.repository) && labels?.[naming/* PREVIEW_LABEL */.W7.pullRequest] === String(preview.pullRequest);
}
/** `instance`: the preview's object base name (`name`); another gateway of the same pull request counts as other. */
async function inspectNamespace(kube, name, preview, instance) {
    let namespace;
    try {
        namespace = await kube.core.readNamespace({ name });
    }
    catch (error) {
        const code = (0,kube_errors/* kubeStatus */.i)(error).code;
        if (code === 404)
            return { state: 'missing', created: false, others: [], foreign: false };
        // An identity that may not read namespaces did not create this one: previews in a shared
        // namespace need only a Role there.
        if (code === 403)
            return { state: 'shared', created: false, others: [], foreign: false };
        throw (0,kube_errors/* kubeError */.k)(`Reading namespace '${name}'`, error, kube.server);
    }
    if (!isPreviewOf(namespace.metadata?.labels, preview))
        return { state: 'shared', created: false, others: [], foreign: false };
    const gatewayResource = namespace.metadata?.annotations?.[naming/* PREVIEW_ANNOTATION */.RQ.gatewayResource];
    const others = await otherObjects(kube, name, preview, instance);
    return { state: others.length > 0 ? 'shared' : 'owned', created: true, gatewayResource, others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) };
}
/**
 * The four kinds a preview creates, in one namespace. The Deployment first, so that deleting them
 * in this order never restarts a pod on a Secret or ConfigMap that is going away.
 */
function previewKinds(kube, namespace) {
    const apps = kube.config.makeApiClient(dist/* AppsV1Api */.eY6);
    const core = kube.core;
    return [
        {
            kind: 'Deployment',
            read: name => apps.readNamespacedDeployment({ name, namespace }),
            list: labelSelector => apps.listNamespacedDeployment({ namespace, labelSelector }),
            remove: name => apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' })
        },
        {
            kind: 'Service',
            read: name => core.readNamespacedService({ name, namespace }),
            list: labelSelector => core.listNamespacedService({ namespace, labelSelector }),
            remove: name => core.deleteNamespacedService({ name, namespace })
        },
        {
            kind: 'ConfigMap',
            read: name => core.readNamespacedConfigMap({ name, namespace }),
            list: labelSelector => core.listNamespacedConfigMap({ namespace, labelSelector }),
            remove: name => core.deleteNamespacedConfigMap({ name, namespace })
        },
        {
            kind: 'Secret',
            read: name => core.readNamespacedSecret({ name, namespace }),
            list: labelSelector => core.listNamespacedSecret({ namespace, labelSelector }),
            remove: name => core.deleteNamespacedSecret({ name, namespace })
        }
    ];
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
    const found = await Promise.all(previewKinds(kube, namespace).map(async ({ kind, list }) => {
        try {
            return (await list()).items
                .filter(i => !isPreviewOf(i.metadata?.labels, preview) || i.metadata?.labels?.['app.kubernetes.io/instance'] !== instance)
                .filter(i => !(kind === 'ConfigMap' && INJECTED_CONFIGMAPS.has(i.metadata?.name ?? '')) && i.type !== 'kubernetes.io/service-account-token')
                .map(i => ({ name: `${kind}/${i.metadata?.name}`, samePullRequest: isPreviewOf(i.metadata?.labels, preview) }));
        }
        catch (error) {
            throw (0,kube_errors/* kubeError */.k)(`Listing the ${kind}s in namespace '${namespace}'`, error, kube.server);
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
async function foreignObjects(kube, namespace, names, preview) {
    const nameOf = { Deployment: names.deployment, Service: names.service, ConfigMap: names.configMap, Secret: names.secret };
    const found = await Promise.all(previewKinds(kube, namespace).map(async ({ kind, read }) => {
        const name = nameOf[kind];
        try {
            return isPreviewOf((await read(name)).metadata?.labels, preview) ? undefined : `${kind} '${name}'`;
        }
        catch (error) {
            const code = (0,kube_errors/* kubeStatus */.i)(error).code;
            // Missing is what a first preview expects; refused is explained by the permission check.
            if (code === 404 || code === 403)
                return undefined;
            throw (0,kube_errors/* kubeError */.k)(`Reading ${kind} '${name}' in namespace '${namespace}'`, error, kube.server);
        }
    }));
    return found.filter((f) => f !== undefined);
}
/** The gateway resource a preview's Deployment records, or undefined. */
async function recordedGateway(kube, namespace, name) {
    try {
        const deployment = await kube.config.makeApiClient(dist/* AppsV1Api */.eY6).readNamespacedDeployment({ name, namespace });
        return deployment.metadata?.annotations?.[naming/* PREVIEW_ANNOTATION */.RQ.gatewayResource];
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
            labels: { [naming/* PREVIEW_LABEL */.W7.repository]: null, [naming/* PREVIEW_LABEL */.W7.pullRequest]: null },
            annotations: { [naming/* PREVIEW_ANNOTATION */.RQ.previewOf]: null, [naming/* PREVIEW_ANNOTATION */.RQ.gatewayResource]: null }
        }
    };
    try {
        await kube.core.patchNamespace({ name, body }, dist/* setHeaderOptions */.OkF('Content-Type', dist/* PatchStrategy */.Qve.MergePatch));
    }
    catch (error) {
        throw (0,kube_errors/* kubeError */.k)(`Removing the preview's labels from namespace '${name}'`, error, kube.server);
    }
}
/** Deletes the namespace and waits (up to `timeoutMs`) until it is gone; false when it is still terminating. */
async function deleteNamespace(kube, name, timeoutMs) {
    try {
        await kube.core.deleteNamespace({ name });
    }
    catch (error) {
        if ((0,kube_errors/* kubeStatus */.i)(error).code !== 404)
            throw (0,kube_errors/* kubeError */.k)(`Deleting namespace '${name}'`, error, kube.server);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            await kube.core.readNamespace({ name });
        }
        catch (error) {
            if ((0,kube_errors/* kubeStatus */.i)(error).code === 404)
                return true;
            throw (0,kube_errors/* kubeError */.k)(`Reading namespace '${name}'`, error, kube.server);
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
    const labelSelector = `${(0,naming/* previewSelector */.kO)(preview.repository, preview.pullRequest)},app.kubernetes.io/instance=${name}`;
    /** The call's result; undefined when what it acts on is already gone. */
    const attempt = async (what, fn) => {
        try {
            return await fn();
        }
        catch (error) {
            if ((0,kube_errors/* kubeStatus */.i)(error).code === 404)
                return undefined;
            throw (0,kube_errors/* kubeError */.k)(what, error, kube.server);
        }
    };
    const deleted = [];
    for (const { kind, list, remove } of previewKinds(kube, namespace)) {
        const found = await attempt(`Listing ${kind}s labelled ${labelSelector} in namespace '${namespace}'`, () => list(labelSelector));
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
    const apps = kube.config.makeApiClient(dist/* AppsV1Api */.eY6);
    const labelSelector = (0,naming/* previewSelector */.kO)(repository);
    const where = namespace ? `namespace '${namespace}'` : 'all namespaces';
    let list;
    try {
        list = namespace ? await apps.listNamespacedDeployment({ namespace, labelSelector }) : await apps.listDeploymentForAllNamespaces({ labelSelector });
    }
    catch (error) {
        const status = (0,kube_errors/* kubeStatus */.i)(error);
        if (status.code === 403) {
            throw new errors/* ActionError */.lZ(`Listing preview Deployments in ${where} was refused: ${status.message}\nFix: grant the identity the ClusterRole in examples/kubernetes-preview-clusterrole.yaml${namespace ? ", or 'list' on deployments in that namespace" : ", or set 'namespace' when every preview shares one namespace"}.`);
        }
        throw (0,kube_errors/* kubeError */.k)(`Listing preview Deployments in ${where}`, error, kube.server);
    }
    const found = list.items.map(d => toFound(d.metadata, d.metadata.labels?.['app.kubernetes.io/instance'] ?? d.metadata.name));
    if (!namespace) {
        let namespaces;
        try {
            namespaces = await kube.core.listNamespace({ labelSelector });
        }
        catch (error) {
            // Without 'list namespaces' only Deployments are found; say so, do not fail.
            if ((0,kube_errors/* kubeStatus */.i)(error).code !== 403)
                throw (0,kube_errors/* kubeError */.k)('Listing preview namespaces', error, kube.server);
        }
        for (const ns of namespaces?.items ?? []) {
            const pr = ns.metadata?.labels?.[naming/* PREVIEW_LABEL */.W7.pullRequest];
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
        pullRequest: Number(metadata.labels?.[naming/* PREVIEW_LABEL */.W7.pullRequest]),
        createdAt: new Date(metadata.creationTimestamp ?? 0),
        gatewayResource: metadata.annotations?.[naming/* PREVIEW_ANNOTATION */.RQ.gatewayResource]
    };
}

;// CONCATENATED MODULE: ./src/preview/comment.ts
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

// EXTERNAL MODULE: ./src/steps.ts + 2 modules
var steps = __webpack_require__(1760);
;// CONCATENATED MODULE: ./src/preview/shared.ts



function previewSettings(settings) {
    if (!settings.preview || settings.token.source !== 'arm')
        throw new errors/* ActionError */.lZ(`'command: ${settings.command}' needs the Azure sign-in inputs.`);
    return { ...settings.preview, token: settings.token };
}
function identityOf(settings) {
    return { repository: settings.preview.repository, pullRequest: settings.preview.pullRequest };
}
async function connectAzure(token) {
    const [credential, { previewGatewayApi }] = await Promise.all([(0,steps/* signInToAzure */.hQ)(token), Promise.all(/* import() */[__webpack_require__.e(738), __webpack_require__.e(893), __webpack_require__.e(280)]).then(__webpack_require__.bind(__webpack_require__, 2280))]);
    return { credential, preview: apim => previewGatewayApi(credential, token, apim) };
}
async function connectGitHub(preview) {
    // Loaded on demand: deploys and rotations never pay for Octokit.
    const { previewGitHub } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(943)]).then(__webpack_require__.bind(__webpack_require__, 8943));
    return previewGitHub(preview.githubToken, preview.repository);
}
function commentFacts(settings) {
    return {
        marker: (0,naming/* commentMarker */.Ql)(settings.apim.serviceName, settings.apim.gatewayName),
        gatewayName: settings.apim.gatewayName,
        serviceName: settings.apim.serviceName,
        namespace: settings.kube.namespace,
        apis: settings.preview.apis,
        runUrl: settings.preview.context.runUrl,
        at: new Date()
    };
}

// EXTERNAL MODULE: ./src/report.ts
var report = __webpack_require__(665);
;// CONCATENATED MODULE: ./src/preview.ts
/**
 * `command: preview`: a pull request's own gateway. Everything that can refuse is asked first
 * (sign-in, API ids, gateway ownership, cluster access, GitHub permissions), then:
 *   gateway resource → API associations → namespace + objects → Ready → address → comment + deployment.
 */














async function preview(settings) {
    const p = previewSettings(settings);
    const identity = identityOf(settings);
    const { apim } = settings;
    const kube = (0,client/* connect */.N)(settings.kube);
    // --- checks: nothing is created until every one has passed
    const azure = await connectAzure(p.token);
    const gateways = azure.preview(apim);
    const [existing, unknown] = await Promise.all([gateways.getGateway(), gateways.unknownApis(p.apis)]);
    if (unknown.length > 0) {
        throw new errors/* ActionError */.lZ(`API Management service '${apim.serviceName}' has no API with the id ${unknown.map(a => `'${a}'`).join(', ')} (input 'gateway-apis'). Nothing was created.\nFix: give API ids — the last segment of the API's resource id, e.g. 'echo-api' — not display names or URL paths.`);
    }
    if (existing && !(0,naming/* ownsGateway */.c6)(existing.description, identity)) {
        const description = existing.description ? `its description: "${existing.description.slice(0, 200)}"` : 'it has no description';
        throw new errors/* ActionError */.lZ(`Gateway '${apim.gatewayName}' already exists in API Management service '${apim.serviceName}' and is not the preview of ${(0,naming/* previewOf */.oW)(identity)} (${description}). Nothing was changed.\nFix: give this preview a gateway name no other gateway has — one per pull request, and unique across the repositories that share this service, e.g. \`gateway-name: ${p.repository.split('/')[1]}-pr-\${{ github.event.number }}\`. The action never takes over, or deletes, a gateway it did not create for this pull request.`);
    }
    if (p.apis.length === 0)
        core/* warning */.$e("'gateway-apis' is empty: the preview gateway will serve no API. List the ids of the APIs under review.");
    const { namespace } = settings.kube;
    await checkNamespace(kube, settings, identity);
    const check = await (0,steps/* checkCluster */.zc)(kube, settings, (0,access/* deployPermissions */._1)(settings.wait));
    // --- GitHub first: proves the token may comment and deploy before anything is changed
    const github = await connectGitHub(p);
    const state = await github.pullRequestState(p.pullRequest);
    if (state === 'missing')
        throw new errors/* ActionError */.lZ(`${p.repository} has no pull request #${p.pullRequest} that \`github-token\` can see. Nothing was changed.\nFix: check 'pull-request' (and that the token belongs to ${p.repository}).`);
    if (state === 'closed') {
        // A re-run of an old push after the pull request closed must not bring its preview back.
        const message = `Pull request #${p.pullRequest} is closed: no preview is created for it (its teardown removes previews). Nothing was changed.`;
        core/* notice */.lm(message);
        await (0,report/* writeSkipped */.y8)(message);
        return;
    }
    const facts = commentFacts(settings);
    const commit = p.context.pullRequest?.number === p.pullRequest ? p.context.pullRequest.headSha : undefined;
    const environment = (0,naming/* environmentName */.VE)(apim.serviceName, apim.gatewayName);
    const comment = await github.upsertComment(p.pullRequest, facts.marker, renderComment(facts, { state: 'deploying', commit }));
    core/* info */.pq(`Pull-request comment ${comment}.`);
    const deploymentId = await github.createDeployment(commit ?? `refs/pull/${p.pullRequest}/head`, environment, `API Management gateway preview of ${(0,naming/* previewOf */.oW)(identity)}`);
    await github.setStatus(deploymentId, 'in_progress', { description: 'Deploying the API Management gateway preview', logUrl: p.context.runUrl });
    // Which step failed is what the pull request shows; the cause and its fix stay in the run's log,
    // where the runner masks the workflow's secrets (a comment is not masked, and may be public).
    let step = 'creating the namespace';
    try {
        if (check.createNamespace) {
            // First, so that prune finds this preview by its namespace whatever fails next.
            await (0,apply/* createNamespace */.YX)(kube, namespace, { 'app.kubernetes.io/managed-by': manifests/* FIELD_MANAGER */.vy, ...(0,naming/* previewLabels */.wH)(identity) }, { [naming/* PREVIEW_ANNOTATION */.RQ.previewOf]: (0,naming/* previewOf */.oW)(identity), [naming/* PREVIEW_ANNOTATION */.RQ.gatewayResource]: p.gatewayResource });
        }
        step = 'creating the gateway resource in API Management';
        await gateways.putGateway((0,naming/* gatewayLocation */.Wj)(identity), (0,naming/* gatewayDescription */.lA)(identity, p.context.serverUrl));
        core/* info */.pq(`Gateway resource '${apim.gatewayName}' ${existing ? 'updated' : 'created'} in API Management service '${apim.serviceName}'.`);
        step = 'associating the APIs with the gateway';
        await syncApis(gateways, p.apis);
        step = 'rolling out the gateway';
        const rolled = await (0,deploy/* rollOut */.Of)(kube, settings, {
            token: async () => {
                step = 'minting the gateway token';
                const { gatewayApi } = await Promise.all(/* import() */[__webpack_require__.e(738), __webpack_require__.e(893), __webpack_require__.e(533)]).then(__webpack_require__.bind(__webpack_require__, 9533));
                const minted = await (0,steps/* mint */.Xx)(gatewayApi(azure.credential, p.token, apim), p.token);
                step = 'rolling out the gateway';
                return minted;
            }
        });
        step = 'reporting the preview';
        let gatewayUrl;
        if (settings.wait && settings.gateway.serviceType === 'LoadBalancer') {
            const service = (0,manifests/* objectNames */.Wd)(settings.gateway.name).service;
            gatewayUrl = await core/* group */.Os(`Waiting for Service '${service}' to get a load-balancer address`, () => waitForAddress(kube, settings.kube.namespace, service, p.addressTimeoutMs));
            if (gatewayUrl)
                core/* info */.pq(`Gateway URL: ${gatewayUrl}`);
            else
                core/* warning */.$e(`Service '${service}' got no load-balancer address within ${Math.round(p.addressTimeoutMs / 1000)} s (input 'address-timeout'). The gateway is Ready; the cluster may have no load-balancer controller (MetalLB, a cloud provider), or it is slow. 'gateway-url' is empty.`);
        }
        const description = settings.wait ? 'API Management gateway preview is Ready' : 'API Management gateway preview applied (not waited for)';
        await github.setStatus(deploymentId, 'success', { description, environmentUrl: gatewayUrl, logUrl: p.context.runUrl });
        const address = gatewayUrl ?? (settings.gateway.serviceType !== 'LoadBalancer' ? `none (service-type ${settings.gateway.serviceType})` : !settings.wait ? 'not waited for (wait: false)' : undefined);
        await github.upsertComment(p.pullRequest, facts.marker, renderComment({ ...facts, at: new Date() }, { state: 'ready', gatewayUrl, address, readyReplicas: settings.wait ? rolled.ready : undefined, tokenExpiresOn: rolled.minted.token.expiresOn.toISOString(), commit }));
        await (0,report/* writeReport */.u5)({ ...(0,deploy/* deployReport */.yQ)(settings, rolled), preview: { pullRequest: p.pullRequest, gatewayName: apim.gatewayName, apis: p.apis, gatewayUrl } });
    }
    catch (error) {
        // The pull request shows the failure too; reporting it must not hide the error itself.
        const reason = `The preview failed while ${step}. The run's log says why, and how to fix it.`;
        await github.setStatus(deploymentId, 'failure', { description: 'The API Management gateway preview failed', logUrl: p.context.runUrl }).catch(e => core/* warning */.$e(`Could not mark the GitHub deployment failed: ${(0,errors/* describeError */.Uc)(e)}`));
        await github.upsertComment(p.pullRequest, facts.marker, renderComment({ ...facts, at: new Date() }, { state: 'failed', reason, commit })).catch(e => core/* warning */.$e(`Could not update the pull-request comment: ${(0,errors/* describeError */.Uc)(e)}`));
        throw error;
    }
}
/**
 * The preview's namespace can take it: not being deleted, and no object of the preview's names that
 * is someone else's (a production gateway, another preview, another service's preview of this pull
 * request) — applying over it would take it over, and teardown would then delete it.
 */
async function checkNamespace(kube, settings, identity) {
    const { namespace } = settings.kube;
    const { apim } = settings;
    const p = settings.preview;
    if (await namespaceTerminating(kube, namespace)) {
        throw new errors/* ActionError */.lZ(`Namespace '${namespace}' is still being deleted (a teardown of this preview has not finished). Nothing was changed.\nFix: re-run this job once the namespace is gone (\`kubectl get namespace ${namespace}\`); a finalizer that never completes keeps it terminating.`);
    }
    const foreign = await foreignObjects(kube, namespace, (0,manifests/* objectNames */.Wd)(settings.gateway.name), identity);
    if (foreign.length > 0) {
        throw new errors/* ActionError */.lZ(`Namespace '${namespace}' already holds ${foreign.join(', ')}, not labelled as the preview of ${(0,naming/* previewOf */.oW)(identity)}: applying the preview would take ${foreign.length === 1 ? 'it' : 'them'} over, and its teardown would delete ${foreign.length === 1 ? 'it' : 'them'}. Nothing was changed.\nFix: give each preview its own namespace (e.g. \`namespace: apim-pr-\${{ github.event.number }}\`) or, in a shared namespace, its own object names (\`name: pr-\${{ github.event.number }}\`).`);
    }
    // Same names, same pull request, another gateway (another API Management service): its objects.
    const recorded = await recordedGateway(kube, namespace, settings.gateway.name);
    if (recorded && recorded.toLowerCase() !== p.gatewayResource.toLowerCase()) {
        throw new errors/* ActionError */.lZ(`Namespace '${namespace}' already holds a preview of this pull request for another gateway resource (${recorded}) under the object name '${settings.gateway.name}'. Nothing was changed.\nFix: give each gateway's preview its own namespace (e.g. \`namespace: apim-${apim.serviceName}-pr-\${{ github.event.number }}\`) or its own \`name\`.`);
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

// EXTERNAL MODULE: ./src/duration.ts
var duration = __webpack_require__(7607);
;// CONCATENATED MODULE: ./src/teardown.ts
/**
 * `command: teardown`: removes what `preview` created for a pull request — the namespace it created
 * (or, in a namespace it did not create, only the objects with its labels), the gateway resource
 * (only when its description says it is this pull request's preview) and its API associations —
 * then marks the GitHub deployment inactive and updates the comment. Re-runnable: what is already
 * gone is reported as such.
 */









async function teardown(settings) {
    const p = previewSettings(settings);
    const kube = (0,client/* connect */.N)(settings.kube);
    const [azure, github] = await Promise.all([connectAzure(p.token), connectGitHub(p)]);
    const removals = await removePreview(kube, azure.preview(settings.apim), github, settings);
    const nothing = removals.every(r => !r.removed);
    core/* info */.pq(nothing ? 'Nothing to do: the preview was already gone.' : 'Preview removed.');
    await (0,report/* writeRemovalReport */.ke)(`API Management gateway preview of pull request #${p.pullRequest} ${nothing ? 'was already gone' : 'removed'}`, removals, { skipped: 'false' });
}
/**
 * Removes one preview; also used by prune. Everything that can refuse is asked first. Then GitHub
 * (which proves the token's permissions), then API Management, then the cluster last: a preview
 * whose removal stops half-way keeps its labelled namespace, through which prune finds it again.
 */
async function removePreview(kube, gateways, github, settings) {
    const identity = identityOf(settings);
    const { namespace } = settings.kube;
    const { gatewayName, serviceName } = settings.apim;
    // --- checks, before anything is removed
    const [facts, gateway] = await Promise.all([inspectNamespace(kube, namespace, identity, settings.gateway.name), gateways.getGateway()]);
    if (gateway && !(0,naming/* ownsGateway */.c6)(gateway.description, identity)) {
        throw new errors/* ActionError */.lZ(`Gateway '${gatewayName}' in API Management service '${serviceName}' is not the preview of ${(0,naming/* previewOf */.oW)(identity)} (its description does not say so), so teardown does not delete it. Nothing was removed.\nFix: check 'gateway-name' and 'pull-request'; teardown only deletes gateways that 'command: preview' created for this pull request.`);
    }
    if (facts.state !== 'missing') {
        // The preview records its gateway; another gateway-name would delete the namespace and leave
        // the real gateway (and its APIs) behind for good.
        const recorded = (await recordedGateway(kube, namespace, settings.gateway.name)) ?? facts.gatewayResource;
        const given = settings.preview.gatewayResource;
        if (recorded && given && recorded.toLowerCase() !== given.toLowerCase()) {
            throw new errors/* ActionError */.lZ(`The preview in namespace '${namespace}' was created for gateway resource ${recorded}, but this teardown was given ${given}. Nothing was removed.\nFix: use the same 'gateway-name', 'service-name', 'resource-group' and 'subscription-id' as the preview step.`);
        }
        const missing = await (0,access/* missingPermissions */.HR)(kube, namespace, (0,access/* teardownPermissions */.pb)(facts.state === 'owned' ? 'owned' : facts.created ? 'created-shared' : 'shared'));
        if (missing.length > 0) {
            throw new errors/* ActionError */.lZ(`The Kubernetes identity may not ${missing.map(access/* describePermission */.D).join(', ')} in namespace '${namespace}', which teardown needs. Nothing was removed.\nFix: grant it the ClusterRole in examples/kubernetes-preview-clusterrole.yaml (README: "Pull-request previews").`);
        }
    }
    const removals = [];
    const note = (what, outcome, removed) => {
        core/* info */.pq(`${what}: ${outcome}`);
        removals.push({ what, outcome, removed });
    };
    const commentOf = commentFacts(settings);
    const commented = await github.updateComment(identity.pullRequest, commentOf.marker, renderComment(commentOf, { state: 'removing' }));
    const environment = (0,naming/* environmentName */.VE)(serviceName, gatewayName);
    const deactivated = await github.deactivate(environment, 'The API Management gateway preview was removed');
    note(`GitHub deployments of environment ${environment}`, deactivated > 0 ? `${deactivated} marked inactive` : 'already inactive (or none)', deactivated > 0);
    if (gateway) {
        const apis = await gateways.gatewayApis();
        await Promise.all(apis.map(api => gateways.removeApi(api)));
        note(`API associations of gateway ${gatewayName}`, apis.length > 0 ? `removed ${apis.join(', ')}` : 'none', apis.length > 0);
        // Just read above: it exists, so this is the call that deletes it.
        await gateways.deleteGateway();
        note(`Gateway resource ${gatewayName} in ${serviceName}`, 'deleted', true);
    }
    else {
        note(`Gateway resource ${gatewayName} in ${serviceName}`, 'already gone', false);
    }
    // Asked again right before: something may have moved in while GitHub and Azure were answering.
    if (facts.state === 'owned') {
        const others = await otherObjects(kube, namespace, identity, settings.gateway.name);
        if (others.length > 0)
            Object.assign(facts, { state: 'shared', others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) });
    }
    if (facts.state === 'owned') {
        const gone = await deleteNamespace(kube, namespace, settings.timeoutMs);
        note(`Namespace ${namespace}`, gone ? 'deleted' : 'deletion started; still terminating', true);
    }
    else if (facts.state === 'shared') {
        const deleted = await deleteLabelled(kube, namespace, settings.gateway.name, identity);
        // A namespace this pull request's preview created that others now use stays, no longer labelled
        // as its own; one that only holds its other gateways keeps the labels, for their teardown.
        if (facts.created && facts.foreign)
            await releaseNamespace(kube, namespace);
        const kept = facts.created
            ? `; the namespace stays${facts.foreign ? ", without the preview's labels" : ''}: it also holds ${facts.others.slice(0, 5).join(', ')}${facts.others.length > 5 ? ', …' : ''}`
            : '';
        note(`Preview objects in namespace ${namespace}`, deleted.length > 0 ? `deleted ${deleted.join(', ')} (objects without this preview's labels left alone${kept})` : `already gone (nothing there carries this preview's labels${kept})`, deleted.length > 0);
    }
    else {
        note(`Namespace ${namespace}`, 'already gone', false);
    }
    if (commented) {
        const body = renderComment({ ...commentOf, at: new Date() }, 
        // What only, not the outcome: that can name other teams' objects, and the comment may be public.
        { state: 'removed', removed: removals.filter(r => r.removed).map(r => r.what), alreadyGone: removals.filter(r => !r.removed).map(r => r.what) });
        await github.updateComment(identity.pullRequest, commentOf.marker, body);
    }
    core/* info */.pq(commented ? 'Pull-request comment updated.' : 'No preview comment on the pull request to update.');
    return removals;
}

;// CONCATENATED MODULE: ./src/prune.ts
/**
 * `command: prune` (nightly): finds this repository's previews through the action's labels and
 * tears down those whose pull request is closed, or which are older than `max-age`.
 */









async function prune(settings) {
    const p = previewSettings(settings);
    const kube = (0,client/* connect */.N)(settings.kube);
    const [found, github] = await Promise.all([listPreviews(kube, p.repository, settings.kube.namespace || undefined, settings.gateway.name), connectGitHub(p)]);
    core/* info */.pq(`Found ${found.length} preview(s) of ${p.repository}.`);
    const rows = [];
    const failures = [];
    const doomed = [];
    for (const preview of found) {
        const what = `#${preview.pullRequest}: ${preview.namespace}/${preview.name}`;
        let state;
        try {
            state = await github.pullRequestState(preview.pullRequest);
        }
        catch (error) {
            // One pull request GitHub cannot tell about must not keep the others.
            const message = (0,errors/* describeError */.Uc)(error);
            failures.push(`${what}: ${message}`);
            rows.push({ what, outcome: `kept: ${message.split('\n')[0]}` });
            continue;
        }
        const ageMs = Date.now() - preview.createdAt.getTime();
        const reason = state === 'closed' ? 'pull request closed' : state === 'open' && ageMs > p.maxAgeMs ? `older than max-age (${(0,duration/* formatDuration */.a)(ageMs)})` : undefined;
        if (!reason) {
            const why = state === 'missing' ? `kept: ${p.repository} has no pull request #${preview.pullRequest} that github-token can see` : `kept: pull request open, ${(0,duration/* formatDuration */.a)(ageMs)} old`;
            if (state === 'missing')
                core/* warning */.$e(`${what} ${why}.`);
            rows.push({ what, outcome: why });
            continue;
        }
        const gateway = preview.gatewayResource ? (0,naming/* parseGatewayResourceId */.nC)(preview.gatewayResource) : undefined;
        const sameService = gateway &&
            gateway.subscriptionId.toLowerCase() === p.token.azure.subscriptionId.toLowerCase() &&
            gateway.resourceGroup.toLowerCase() === settings.apim.resourceGroup.toLowerCase() &&
            gateway.serviceName.toLowerCase() === settings.apim.serviceName.toLowerCase();
        if (!gateway || !sameService) {
            const outcome = `not removed (${reason}): it belongs to ${gateway ? `API Management service '${gateway.serviceName}' (resource group '${gateway.resourceGroup}')` : 'an unrecorded API Management service'}; prune it with that service's inputs`;
            core/* warning */.$e(`${what} ${outcome}.`);
            rows.push({ what, outcome });
            continue;
        }
        doomed.push({ preview, reason, gatewayName: gateway.gatewayName });
    }
    const pruned = [];
    if (doomed.length > 0) {
        const azure = await connectAzure(p.token);
        for (const { preview, reason, gatewayName } of doomed) {
            const what = `#${preview.pullRequest}: ${preview.namespace}/${preview.name}`;
            const one = {
                ...settings,
                apim: { ...settings.apim, gatewayName },
                kube: { ...settings.kube, namespace: preview.namespace },
                gateway: { ...settings.gateway, name: preview.name },
                preview: { ...settings.preview, pullRequest: preview.pullRequest, gatewayResource: preview.gatewayResource ?? '' }
            };
            try {
                const removals = await core/* group */.Os(`Removing the preview of pull request #${preview.pullRequest} (${reason})`, () => removePreview(kube, azure.preview(one.apim), github, one));
                if (removals.some(r => r.removed)) {
                    pruned.push(preview.pullRequest);
                    rows.push({ what, outcome: `removed (${reason})` });
                }
                else {
                    rows.push({ what, outcome: `already gone (${reason})` });
                }
            }
            catch (error) {
                // One preview that cannot go must not keep the others.
                const message = (0,errors/* describeError */.Uc)(error);
                failures.push(`${what}: ${message}`);
                rows.push({ what, outcome: `FAILED: ${message.split('\n')[0]}` });
            }
        }
    }
    await (0,report/* writeRemovalReport */.ke)(`API Management gateway previews pruned: ${pruned.length} removed, ${found.length - pruned.length} kept or already gone`, rows, { pruned: pruned.join(',') });
    if (failures.length > 0)
        throw new errors/* ActionError */.lZ(`${failures.length} preview(s) could not be removed:\n${failures.join('\n')}`);
}

;// CONCATENATED MODULE: ./src/previews.ts
/** The pull-request preview life cycle, loaded as one piece only when one of its commands runs. */





/***/ })

};
