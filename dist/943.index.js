export const id = 943;
export const ids = [943];
export const modules = {

/***/ 8943:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   previewGitHub: () => (/* binding */ previewGitHub)
/* harmony export */ });
/* unused harmony export describeGitHubError */
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6670);



/** Who comments with the workflow's GITHUB_TOKEN. */
const WORKFLOW_BOT = 'github-actions[bot]';
/**
 * `GITHUB_API_URL` (set by the runner; GitHub Enterprise Server's `/api/v3`) is read by
 * @actions/github itself, so previews work against any GitHub.
 */
function previewGitHub(token, repository) {
    _redact_js__WEBPACK_IMPORTED_MODULE_2__/* .redactor */ .$p.add(token);
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token);
    const [owner, repo] = repository.split('/');
    const call = async (what, permission, fn) => {
        try {
            return await fn();
        }
        catch (error) {
            throw describeGitHubError(error, what, permission, repository);
        }
    };
    let self;
    /** The token's own login; undefined for an installation token (GITHUB_TOKEN), which cannot ask. */
    const selfLogin = () => (self ??= octokit.rest.users.getAuthenticated().then(r => r.data.login, () => undefined));
    /**
     * The comment holding the marker that this action wrote: anyone can paste the marker into a
     * comment of their own, and the action must never edit (and vouch for) a stranger's comment.
     */
    const findComment = async (pullRequest, marker) => {
        const comments = await call(`Listing the comments of pull request #${pullRequest}`, 'pull-requests: read', () => octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pullRequest, per_page: 100 }));
        for (const comment of comments.filter(c => c.body?.includes(marker))) {
            // The workflow token comments as github-actions[bot]; a personal token as its own user.
            const author = comment.user?.login;
            if (author && (author === WORKFLOW_BOT || author === (await selfLogin())))
                return comment.id;
        }
        return undefined;
    };
    const edit = (id, body) => call('Updating the preview comment', 'pull-requests: write', () => octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }));
    return {
        upsertComment: async (pullRequest, marker, body) => {
            const id = await findComment(pullRequest, marker);
            if (id !== undefined) {
                await edit(id, body);
                return 'updated';
            }
            await call(`Commenting on pull request #${pullRequest}`, 'pull-requests: write', () => octokit.rest.issues.createComment({ owner, repo, issue_number: pullRequest, body }));
            return 'created';
        },
        updateComment: async (pullRequest, marker, body) => {
            const id = await findComment(pullRequest, marker);
            if (id === undefined)
                return false;
            await edit(id, body);
            return true;
        },
        createDeployment: async (ref, environment, description) => {
            const response = await call(`Creating a GitHub deployment of '${ref}' to environment '${environment}'`, 'deployments: write', () => octokit.rest.repos.createDeployment({
                owner,
                repo,
                ref,
                environment,
                description,
                auto_merge: false,
                // Checks still running on the commit must not block its preview.
                required_contexts: [],
                production_environment: false
            }));
            const data = response.data;
            if (typeof data.id !== 'number')
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(`GitHub did not create the deployment of '${ref}': ${data.message ?? 'no deployment in the answer'}.`);
            return data.id;
        },
        setStatus: async (deploymentId, state, details) => {
            await call(`Setting the GitHub deployment's status to '${state}'`, 'deployments: write', () => octokit.rest.repos.createDeploymentStatus({
                owner,
                repo,
                deployment_id: deploymentId,
                state,
                description: details.description.slice(0, 140),
                ...(details.environmentUrl ? { environment_url: details.environmentUrl } : {}),
                ...(details.logUrl ? { log_url: details.logUrl } : {})
            }));
        },
        deactivate: async (environment, description) => {
            const deployments = await call(`Listing the GitHub deployments of environment '${environment}'`, 'deployments: read', () => octokit.paginate(octokit.rest.repos.listDeployments, { owner, repo, environment, per_page: 100 }));
            let count = 0;
            for (const deployment of deployments) {
                const { data: statuses } = await call('Reading a GitHub deployment status', 'deployments: read', () => octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 1 }));
                if (statuses[0]?.state === 'inactive')
                    continue;
                await call("Setting the GitHub deployment's status to 'inactive'", 'deployments: write', () => octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: deployment.id, state: 'inactive', description: description.slice(0, 140) }));
                count++;
            }
            return count;
        },
        pullRequestState: async (pullRequest) => {
            try {
                const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullRequest });
                return data.state === 'open' ? 'open' : 'closed';
            }
            catch (error) {
                if (error.status === 404)
                    return 'missing';
                throw describeGitHubError(error, `Reading pull request #${pullRequest}`, 'pull-requests: read', repository);
            }
        }
    };
}
/**
 * Explains a failed GitHub call from its status and GitHub's message only: an Octokit RequestError
 * also carries the request (headers included), which is never printed.
 */
function describeGitHubError(error, what, permission, repository) {
    const status = error.status;
    const data = error.response?.data;
    const said = typeof data === 'object' && data && typeof data.message === 'string'
        ? (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .firstLine */ .TM)(data.message)
        : error instanceof Error ? (0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .firstLine */ .TM)(error.message) : String(error);
    let fix;
    if (typeof status !== 'number')
        fix = 'Could not reach the GitHub API (GITHUB_API_URL). Check the runner\'s network; re-run the job.';
    else if (status === 401)
        fix = "GitHub did not accept `github-token`. Leave it at its default (`${{ github.token }}`) or pass a valid token.";
    else if (status === 403 && /rate limit/i.test(said))
        fix = 'GitHub is rate-limiting this token; re-run the job later.';
    else if (status === 403)
        fix = `The token lacks a permission. Give the job \`permissions:\` with \`${permission.replace('read', 'write')}\` (README: "Pull-request previews").`;
    else if (status === 404)
        fix = `\`github-token\` cannot see ${repository} (or the pull request does not exist there). Use the workflow's own token, or one with access to ${repository}.`;
    else if (status === 422)
        fix = 'GitHub refused the request; see its message. For a deployment, the pull request\'s commit must exist in this repository.';
    else
        fix = 'GitHub kept failing; re-run the job later.';
    return new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .lZ(_redact_js__WEBPACK_IMPORTED_MODULE_2__/* .redactor */ .$p.redact(`${what} failed: GitHub answered ${typeof status === 'number' ? status : 'nothing'}: ${said}\nFix: ${fix}`));
}


/***/ })

};
