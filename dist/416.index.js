export const id = 416;
export const ids = [416];
export const modules = {

/***/ 416:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  signIn: () => (/* binding */ signIn)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 15 modules
var core = __webpack_require__(4116);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 155 modules
var esm = __webpack_require__(3952);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/redact.ts
var redact = __webpack_require__(6670);
// EXTERNAL MODULE: ./src/azure/clouds.ts
var clouds = __webpack_require__(681);
;// CONCATENATED MODULE: ./src/azure/entra-errors.ts


const SUBJECT_FORMS = 'The subject must equal the ID token\'s `sub` exactly (case-sensitive): `repo:<owner>/<repo>:ref:refs/heads/<branch>` for a branch, ' +
    '`repo:<owner>/<repo>:environment:<name>` when the job has `environment:`, `repo:<owner>/<repo>:pull_request` for pull requests.';
/** Hints for the AADSTS codes a GitHub OIDC sign-in meets in practice. */
const HINTS = {
    '700213': (_a, c) => `No federated credential of the app matches the subject GitHub presented${c ? ` ('${c.subject}')` : ''}. Add a federated credential with exactly that subject, or run the job where it matches. ${SUBJECT_FORMS}`,
    '70021': (_a, c) => `No federated credential matches what GitHub presented${c ? ` (subject '${c.subject}', issuer '${c.issuer}', audience '${c.audience}')` : ''}. ${SUBJECT_FORMS}`,
    '7002138': (_a, c) => `A federated credential matches the subject${c ? ` '${c.subject}'` : ''} only when case is ignored. Subjects are case-sensitive: fix the owner, repository, branch or environment name's case in the federated credential.`,
    '700212': (a, c) => `No federated credential accepts the audience${c ? ` '${c.audience}'` : ''}. The credential's audience must equal the action's \`audience\` input ('${a.audience}'); the usual value is api://AzureADTokenExchange.`,
    '700211': (_a, c) => `No federated credential has the issuer${c ? ` '${c.issuer}'` : ''}. For GitHub.com it is https://token.actions.githubusercontent.com (GitHub Enterprise Cloud with a custom issuer adds your enterprise slug).`,
    '700016': a => `Entra found no application with client ID '${a.clientId}' in tenant '${a.tenantId}'. Check \`client-id\` (the application/client ID, not the object ID) and \`tenant-id\`.`,
    '90002': a => `Entra found no tenant '${a.tenantId}'. Check \`tenant-id\` and \`environment\` (sovereign clouds have their own tenants).`,
    '700024': () => 'The ID token was outside its valid time when Entra checked it. Check the runner\'s clock; the action fetches a fresh ID token for every Azure token, so this is not caused by a long job.',
    '50013': () => 'Entra could not verify the ID token\'s signature. The issuer in the federated credential must be the one GitHub uses for this repository.'
};
/** Turns a refused sign-in into a message with the cause, what GitHub presented, and the fix. */
function describeEntraError(error, azure, claims) {
    if (error instanceof errors/* ActionError */.lZ)
        return error;
    const raw = error instanceof Error ? error.message : String(error);
    const code = /AADSTS(\d+)/.exec(raw)?.[1];
    const summary = code ? (0,errors/* firstLine */.TM)(raw.slice(raw.indexOf(`AADSTS${code}`))).replace(/\s*Trace ID:.*$/, '') : (0,errors/* firstLine */.TM)(raw);
    const lines = [`Azure sign-in was refused (tenant '${azure.tenantId}', client ID '${azure.clientId}', authority ${azure.authorityHost}): ${summary}`];
    if (claims)
        lines.push(`GitHub presented: subject '${claims.subject}', issuer '${claims.issuer}', audience '${claims.audience}'.`);
    const hint = code ? HINTS[code] : undefined;
    if (hint)
        lines.push(`Fix: ${hint(azure, claims)}`);
    else if (!code)
        lines.push(`Fix: check that ${azure.authorityHost} is reachable from the runner and that \`environment\` / \`authority-host\` name the right cloud.`);
    return new errors/* ActionError */.lZ(redact/* redactor */.$p.redact(lines.join('\n')));
}

;// CONCATENATED MODULE: ./src/azure/credential.ts







/**
 * Signs in and proves it by getting a Resource Manager token, so that a refused sign-in is reported
 * as such and not as a failed API call later.
 */
async function signIn(azure) {
    const presented = {};
    const credential = masked(azure.authType === 'oidc' ? oidcCredential(azure, presented) : new esm/* AzureCliCredential */.nG({ tenantId: azure.tenantId || undefined }));
    try {
        await credential.getToken(`${azure.armEndpoint}/.default`);
    }
    catch (error) {
        throw describeEntraError(error, azure, presented.claims);
    }
    return { credential, claims: presented.claims };
}
/** Azure access tokens are secrets too: masked before any library could print one. */
function masked(credential) {
    return {
        getToken: async (scopes, options) => {
            const token = await credential.getToken(scopes, options);
            redact/* redactor */.$p.add(token?.token);
            return token;
        }
    };
}
function oidcCredential(azure, presented) {
    assertIdTokenAvailable();
    // The callback runs for every Azure token, so a long wait never presents an ID token older than
    // its ~10 minutes of validity (AADSTS700024).
    const getAssertion = async () => {
        const idToken = await core/* getIDToken */.V9(azure.audience);
        redact/* redactor */.$p.add(idToken);
        presented.claims = readClaims(idToken);
        return idToken;
    };
    return new esm/* ClientAssertionCredential */.XI(azure.tenantId, azure.clientId, getAssertion, {
        authorityHost: azure.authorityHost,
        disableInstanceDiscovery: !(0,clouds/* isKnownAuthority */.pc)(azure.authorityHost)
    });
}
function readClaims(jwt) {
    try {
        const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
        const text = (v) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
        return { subject: text(payload.sub), issuer: text(payload.iss), audience: text(payload.aud) };
    }
    catch {
        return undefined;
    }
}
/** Fails before any call when the job cannot get an ID token, with the reason that applies. */
function assertIdTokenAvailable() {
    if (process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
        return;
    const event = process.env.GITHUB_EVENT_NAME ?? '';
    const actor = process.env.GITHUB_ACTOR ?? '';
    if (actor === 'dependabot[bot]') {
        throw new errors/* ActionError */.lZ('This run was started by Dependabot, and GitHub gives Dependabot runs no OIDC ID token, so the action cannot sign in to Azure. Skip this step for Dependabot (`if: github.actor != \'dependabot[bot]\'`), or pass a `gateway-token` from a Dependabot secret.');
    }
    if (event.startsWith('pull_request') && isForkPullRequest()) {
        throw new errors/* ActionError */.lZ('This pull request comes from a fork, and GitHub gives workflows of fork pull requests no OIDC ID token (and no secrets), so the action cannot sign in to Azure. Run this step only for pull requests from branches of this repository (`if: github.event.pull_request.head.repo.full_name == github.repository`). Do not switch to `pull_request_target` with a checkout of the pull request\'s code: that hands your Azure access to untrusted code.');
    }
    throw new errors/* ActionError */.lZ("The job has no OIDC ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not set. Give the job `permissions: id-token: write` (and `contents: read`) in the workflow, or use `auth-type: azure-cli` after an azure/login step.");
}
function isForkPullRequest() {
    const path = process.env.GITHUB_EVENT_PATH;
    if (!path)
        return false;
    try {
        const event = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
        const pr = event.pull_request;
        return Boolean(pr?.head?.repo?.fork || (pr?.head?.repo?.full_name && pr.head.repo.full_name !== pr.base?.repo?.full_name));
    }
    catch {
        return false;
    }
}


/***/ })

};
