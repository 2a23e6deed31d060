/**
 * Previews that must not happen, or must touch only what is theirs: forks and Dependabot, unknown
 * APIs, gateways that are not the pull request's preview, a token without GitHub permissions, and a
 * shared namespace whose other objects teardown must leave alone.
 */
import { describe, expect, test } from '@jest/globals'
import { findLeaks } from '../runner.js'
import { createPreviewWorld, PREVIEW_ACTIONS, type PreviewWorld } from './preview-world.js'

async function nothingCreated(w: PreviewWorld, pr: number): Promise<void> {
  expect((await w.gateway(pr)).exists).toBe(false)
  expect(await w.namespaceExists(w.namespaceOf(pr))).toBe(false)
  expect(await w.emulator.issueComments(w.owner, w.repo, pr)).toEqual([])
  expect(await w.emulator.deployments(w.owner, w.repo)).toEqual([])
}

describe('preview refusals', () => {
  test('a fork pull request fails with the explanation before any sign-in; skip-on-fork skips it', async () => {
    const w = await createPreviewWorld('fork', { pulls: [{ number: 21, headRepo: 'stranger/app-fork' }] })
    const event = await w.pullRequestEvent(21, { headRepo: 'stranger/app-fork' })
    // As on GitHub: no ID-token request variables for a fork's pull_request run.
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined }
    // Variables and secrets are withheld from such runs too: empty sign-in inputs must not hide the cause.
    const failed = await w.run({ command: 'preview', pr: 21, event, env, inputs: { 'gateway-apis': 'echo-api', 'client-id': '', 'tenant-id': '' } })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/::error::Pull request #21 comes from the fork 'stranger\/app-fork'.*no OIDC ID token/)
    expect(failed.stdout).toContain('skip-on-fork: true')
    expect(failed.stdout).not.toContain("input 'client-id'")
    expect(failed.stdout).toContain('Do not switch the workflow to `pull_request_target` with a checkout')
    expect(await w.emulator.calls({ subscriptionId: w.subscriptionId })).toEqual([])
    await nothingCreated(w, 21)

    const skipped = await w.run({ command: 'preview', pr: 21, event, env, inputs: { 'gateway-apis': 'echo-api', 'skip-on-fork': 'true' } })
    expect(skipped.code).toBe(0)
    expect(skipped.outputs.skipped).toBe('true')
    expect(skipped.stdout).toMatch(/::notice::Pull request #21 comes from the fork/)
    expect(skipped.summary).toContain('skipped')
    const teardown = await w.run({ command: 'teardown', pr: 21, event, env, inputs: { 'skip-on-fork': 'true' } })
    expect(teardown.code).toBe(0)
    expect(teardown.outputs.skipped).toBe('true')
    await nothingCreated(w, 21)
    expect(findLeaks(skipped, [...w.secrets])).toEqual([])
  })

  test('a Dependabot pull request is explained the same way', async () => {
    const w = await createPreviewWorld('bot', { pulls: [{ number: 22, author: 'dependabot[bot]' }] })
    const event = await w.pullRequestEvent(22, { author: 'dependabot[bot]' })
    const run = await w.run({ command: 'preview', pr: 22, event, env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::Pull request #22 was opened by Dependabot/)
    await nothingCreated(w, 22)
  })

  test('an unknown API id fails before anything is created, naming it', async () => {
    const w = await createPreviewWorld('noapi', { pulls: [{ number: 23 }] })
    const run = await w.run({ command: 'preview', pr: 23, inputs: { 'gateway-apis': 'echo-api, Echo API, missing-api' } })
    expect(run.code).toBe(1)
    // A display name is not an id (input check); an id the service lacks is found through ARM.
    expect(run.stdout).toContain("'Echo API' is not an API id")
    const second = await w.run({ command: 'preview', pr: 23, inputs: { 'gateway-apis': 'echo-api, missing-api' } })
    expect(second.code).toBe(1)
    expect(second.stdout).toMatch(/::error::API Management service '[^']+' has no API with the id 'missing-api'.*Nothing was created/)
    await nothingCreated(w, 23)
  })

  test("a gateway that is not this pull request's preview is neither taken over nor deleted", async () => {
    const w = await createPreviewWorld('owned', { pulls: [{ number: 24 }], gateways: ['pr-24'] })
    const before = await w.gateway(24)
    const run = await w.run({ command: 'preview', pr: 24, inputs: { 'gateway-apis': 'echo-api' } })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::Gateway 'pr-24' already exists .* is not the preview of .*#24/)
    const down = await w.run({ command: 'teardown', pr: 24 })
    expect(down.code).toBe(1)
    expect(down.stdout).toMatch(/::error::Gateway 'pr-24' .* is not the preview of .*teardown does not delete it\. Nothing was removed\./)
    const after = await w.gateway(24)
    expect(after.exists).toBe(true)
    expect(after.description).toEqual(before.description)
    expect(after.apis).toEqual([])
    expect(await w.namespaceExists(w.namespaceOf(24))).toBe(false)
  })

  test('a GitHub token without write permissions fails before anything is created, naming the permission', async () => {
    const w = await createPreviewWorld('ghperm', { pulls: [{ number: 25 }] })
    const readOnly = await w.emulator.addRepo({ owner: w.owner, repo: w.repo, permissions: { issues: 'read', pull_requests: 'read', deployments: 'read' } })
    w.secrets.add(readOnly.token)
    const run = await w.run({ command: 'preview', pr: 25, inputs: { 'gateway-apis': 'echo-api', 'github-token': readOnly.token } })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::Commenting on pull request #25 failed: GitHub answered 403: Resource not accessible by integration/)
    expect(run.stdout).toContain('pull-requests: write')
    await nothingCreated(w, 25)
    expect(findLeaks(run, [...w.secrets])).toEqual([])
  })
})

describe('a preview that failed half-way', () => {
  test('is reported failed on the pull request, and teardown removes what exists and names what was never there', async () => {
    const w = await createPreviewWorld('half', { pulls: [{ number: 27 }, { number: 28 }] })
    // The gateway resource and its APIs are created; minting its token is then refused.
    for (const pr of [27, 28]) {
      await w.emulator.injectFault({
        listener: 'arm',
        method: 'POST',
        pathIncludes: `${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.ApiManagement/service/${w.serviceName}/gateways/pr-${pr}/generateToken`,
        status: 403,
        body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action generateToken.' } },
        times: 5
      })
    }
    const up = await w.run({ command: 'preview', pr: 27, inputs: { 'gateway-apis': 'echo-api' } })
    expect(up.code).toBe(1)
    expect(up.stdout).toMatch(/::error::generateToken on gateway 'pr-27' .* failed\. API Management answered 403 AuthorizationFailed/)
    expect((await w.gateway(27)).exists).toBe(true)
    const comments = await w.emulator.issueComments(w.owner, w.repo, 27)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('The preview failed while minting the gateway token')
    // The cause (with ids the workflow may keep in secrets) stays in the run's log.
    expect(comments[0].body).not.toContain(w.subscriptionId)
    expect(comments[0].body).not.toContain('AuthorizationFailed')
    const [deployment] = await w.emulator.deployments(w.owner, w.repo)
    expect(deployment.statuses.map(status => status.state)).toEqual(['failure', 'in_progress'])
    // The namespace was created (labelled) before the token was refused; the objects never were.
    expect(await w.namespaceExists(w.namespaceOf(27))).toBe(true)
    expect((await w.apps.listNamespacedDeployment({ namespace: w.namespaceOf(27) })).items).toEqual([])

    // Prune finds such a preview by its namespace (it has no Deployment), and one pull request
    // GitHub cannot answer for does not keep the others.
    expect((await w.run({ command: 'preview', pr: 28, inputs: { 'gateway-apis': 'echo-api' } })).code).toBe(1)
    await w.emulator.setPull(w.owner, w.repo, { number: 28, state: 'closed' })
    await w.emulator.injectFault({ listener: 'githubApi', method: 'GET', pathIncludes: `/repos/${w.repository}/pulls/27`, status: 502, times: 10 })
    const pruned = await w.run({ command: 'prune' })
    expect(pruned.code).toBe(1)
    expect(pruned.outputs.pruned).toBe('28')
    expect(pruned.stdout).toMatch(/::error::1 preview\(s\) could not be removed:\n?.*#27: .*Reading pull request #27 failed: GitHub answered 502/s)
    expect((await w.gateway(28)).exists).toBe(false)
    expect(await w.namespaceExists(w.namespaceOf(28))).toBe(false)
    expect((await w.gateway(27)).exists).toBe(true)
    await w.emulator.clearFaults(`/repos/${w.repository}/pulls/27`)

    // A teardown given another gateway-name is refused by what the namespace records.
    const typo = await w.run({ command: 'teardown', pr: 27, inputs: { 'gateway-name': 'pr-27-typo' } })
    expect(typo.code).toBe(1)
    expect(typo.stdout).toMatch(/::error::The preview in namespace '[^']+' was created for gateway resource .*\/gateways\/pr-27, but this teardown was given .*\/gateways\/pr-27-typo\. Nothing was removed\./)
    expect(await w.namespaceExists(w.namespaceOf(27))).toBe(true)

    const down = await w.run({ command: 'teardown', pr: 27 })
    expect(down.code).toBe(0)
    expect(down.log).toMatch(/Namespace .*: deleted/)
    expect(down.log).toMatch(/API associations of gateway pr-27: removed echo-api/)
    expect(down.log).toMatch(/Gateway resource pr-27 .*: deleted/)
    expect((await w.gateway(27)).exists).toBe(false)
    expect(await w.namespaceExists(w.namespaceOf(27))).toBe(false)
    expect((await w.emulator.deployments(w.owner, w.repo)).map(d => d.statuses[0].state)).toEqual(['inactive', 'inactive'])
    expect(findLeaks(up, [...w.secrets])).toEqual([])
    expect(findLeaks(pruned, [...w.secrets])).toEqual([])
    expect(findLeaks(down, [...w.secrets])).toEqual([])
  })
})

describe('preview in a shared namespace', () => {
  test("teardown removes only the objects carrying the preview's labels", async () => {
    const w = await createPreviewWorld('shared', { pulls: [{ number: 26 }] })
    const shared = w.namespaceOf(0).replace(/-pr-0$/, '-shared')
    await w.cluster.createNamespace(shared, { deployer: false })
    // Someone else's objects, including ones named like the gateway's and one with only some labels.
    await w.core.createNamespacedConfigMap({ namespace: shared, body: { metadata: { name: 'team-config', labels: { 'app.kubernetes.io/managed-by': 'apim-gateway-action' } }, data: { a: 'b' } } })
    await w.core.createNamespacedSecret({ namespace: shared, body: { metadata: { name: 'team-secret', labels: { 'apim-gateway-action/pull-request': '26' } }, stringData: { k: 'v' } } })
    await w.core.createNamespacedService({ namespace: shared, body: { metadata: { name: 'team-svc' }, spec: { ports: [{ port: 80 }] } } })

    // Objects with the preview's names that are not its own are never taken over.
    await w.core.createNamespacedConfigMap({ namespace: shared, body: { metadata: { name: 'apim-gateway-env' }, data: { 'gateway.name': 'production' } } })
    const takeover = await w.run({ command: 'preview', pr: 26, inputs: { namespace: shared, 'gateway-apis': 'echo-api' } })
    expect(takeover.code).toBe(1)
    expect(takeover.stdout).toMatch(/::error::Namespace '[^']+' already holds ConfigMap 'apim-gateway-env', not labelled as the preview of .*#26.*Nothing was changed/)
    expect((await w.core.readNamespacedConfigMap({ name: 'apim-gateway-env', namespace: shared })).data).toEqual({ 'gateway.name': 'production' })
    expect((await w.gateway(26)).exists).toBe(false)
    await w.core.deleteNamespacedConfigMap({ name: 'apim-gateway-env', namespace: shared })

    const inputs = { namespace: shared, name: 'pr-26', 'gateway-apis': 'echo-api' }
    const up = await w.run({ command: 'preview', pr: 26, inputs })
    expect(up.code).toBe(0)
    await deployedTokenIn(w, shared)
    // The namespace is not the preview's: it stays unlabelled.
    expect((await w.core.readNamespace({ name: shared })).metadata?.labels?.['apim-gateway-action/pull-request']).toBeUndefined()

    // A teardown given another gateway-name would orphan the real gateway: refused.
    const wrong = await w.run({ command: 'teardown', pr: 26, inputs: { ...inputs, 'gateway-name': 'preview-26' } })
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toMatch(/::error::The preview in namespace '[^']+' was created for gateway resource .*\/gateways\/pr-26, but this teardown was given .*\/gateways\/preview-26\. Nothing was removed\./)
    expect((await w.apps.readNamespacedDeployment({ name: 'pr-26', namespace: shared })).metadata?.name).toBe('pr-26')

    const down = await w.run({ command: 'teardown', pr: 26, inputs })
    expect(down.code).toBe(0)
    expect(down.log).toContain('deleted Deployment/pr-26, Service/pr-26-loadbalancer, ConfigMap/pr-26-env, Secret/pr-26-token')
    expect(await w.namespaceExists(shared)).toBe(true)
    const left = {
      configMaps: (await w.core.listNamespacedConfigMap({ namespace: shared })).items.map(i => i.metadata!.name).filter(n => n !== 'kube-root-ca.crt'),
      secrets: (await w.core.listNamespacedSecret({ namespace: shared })).items.map(i => i.metadata!.name),
      services: (await w.core.listNamespacedService({ namespace: shared })).items.map(i => i.metadata!.name),
      deployments: (await w.apps.listNamespacedDeployment({ namespace: shared })).items.map(i => i.metadata!.name)
    }
    expect(left).toEqual({ configMaps: ['team-config'], secrets: ['team-secret'], services: ['team-svc'], deployments: [] })
    expect((await w.gateway(26)).exists).toBe(false)
    expect(findLeaks(down, [...w.secrets])).toEqual([])
    await w.core.deleteNamespace({ name: shared })
  })
})

async function deployedTokenIn(w: PreviewWorld, namespace: string): Promise<void> {
  const secret = await w.core.readNamespacedSecret({ name: 'pr-26-token', namespace })
  w.secrets.add(Buffer.from(secret.data!['config.service.auth.key'], 'base64').toString())
}

describe("another pull request's preview in a preview's namespace", () => {
  test("survives that namespace's teardown: only the closed pull request's objects go", async () => {
    const w = await createPreviewWorld('nested', { pulls: [{ number: 65 }, { number: 66 }, { number: 67 }] })
    const ns = w.namespaceOf(65)
    expect((await w.run({ command: 'preview', pr: 65, inputs: { 'gateway-apis': 'echo-api' } })).code).toBe(0)
    expect((await w.run({ command: 'preview', pr: 66, inputs: { namespace: ns, name: 'pr-66', 'gateway-apis': 'echo-api' } })).code).toBe(0)
    const down = await w.run({ command: 'teardown', pr: 65 })
    expect(down.code).toBe(0)
    expect(await w.namespaceExists(ns)).toBe(true)
    const deployments = (await w.apps.listNamespacedDeployment({ namespace: ns })).items.map(d => d.metadata!.name)
    expect(deployments).toEqual(['pr-66'])
    // It stays, no longer labelled as PR 65's: prune will not take it for that preview again.
    const labels = (await w.core.readNamespace({ name: ns })).metadata?.labels ?? {}
    expect(labels['apim-gateway-action/pull-request']).toBeUndefined()
    expect(down.log).toContain("the namespace stays, without the preview's labels: it also holds")
    expect((await w.gateway(65)).exists).toBe(false)
    expect((await w.gateway(66)).exists).toBe(true)
    await w.emulator.setPull(w.owner, w.repo, { number: 65, state: 'closed' })
    const pruned = await w.run({ command: 'prune' })
    expect(pruned.code).toBe(0)
    expect(pruned.outputs.pruned).toBe('')
    expect((await w.run({ command: 'teardown', pr: 66, inputs: { namespace: ns, name: 'pr-66' } })).code).toBe(0)
    expect((await w.gateway(66)).exists).toBe(false)
    // A team's object in a namespace a preview created keeps that namespace alive.
    const own = w.namespaceOf(67)
    await w.emulator.setPull(w.owner, w.repo, { number: 67 })
    expect((await w.run({ command: 'preview', pr: 67, inputs: { 'gateway-apis': 'echo-api' } })).code).toBe(0)
    await w.core.createNamespacedConfigMap({ namespace: own, body: { metadata: { name: 'team-config' }, data: { a: 'b' } } })
    expect((await w.run({ command: 'teardown', pr: 67 })).code).toBe(0)
    expect(await w.namespaceExists(own)).toBe(true)
    expect((await w.core.listNamespacedConfigMap({ namespace: own })).items.map(c => c.metadata!.name).sort()).toEqual(['kube-root-ca.crt', 'team-config'])
    await w.core.deleteNamespace({ name: own })
    await w.core.deleteNamespace({ name: ns })
  })
})

describe('what a namespace holds decides whether teardown deletes it', () => {
  test("a mesh's CA ConfigMap does not keep it; a second gateway of the same pull request does", async () => {
    const w = await createPreviewWorld('holds', { pulls: [{ number: 42 }, { number: 41 }] })
    // Istio (and the AKS add-on) put istio-ca-root-cert in every namespace.
    const meshed = w.namespaceOf(42)
    expect((await w.run({ command: 'preview', pr: 42, inputs: { 'gateway-apis': 'echo-api' } })).code).toBe(0)
    await w.core.createNamespacedConfigMap({ namespace: meshed, body: { metadata: { name: 'istio-ca-root-cert' }, data: { 'root-cert.pem': 'x' } } })
    const down = await w.run({ command: 'teardown', pr: 42 })
    expect(down.code).toBe(0)
    expect(await w.namespaceExists(meshed)).toBe(false)

    // Two gateways of PR 41 in one namespace: tearing one down keeps the other.
    const ns = w.namespaceOf(41)
    expect((await w.run({ command: 'preview', pr: 41, inputs: { 'gateway-name': 'pr-41-a', name: 'gw-a', 'gateway-apis': 'echo-api' } })).code).toBe(0)
    expect((await w.run({ command: 'preview', pr: 41, inputs: { 'gateway-name': 'pr-41-b', name: 'gw-b', 'gateway-apis': 'orders-api' } })).code).toBe(0)
    expect((await w.run({ command: 'teardown', pr: 41, inputs: { 'gateway-name': 'pr-41-a', name: 'gw-a' } })).code).toBe(0)
    expect(await w.namespaceExists(ns)).toBe(true)
    expect((await w.apps.listNamespacedDeployment({ namespace: ns })).items.map(d => d.metadata!.name)).toEqual(['gw-b'])
    expect((await w.emulator.gatewayState({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, gatewayName: 'pr-41-b' })).exists).toBe(true)
    // It stays findable: prune removes the rest once the pull request is closed.
    await w.emulator.setPull(w.owner, w.repo, { number: 41, state: 'closed' })
    const pruned = await w.run({ command: 'prune', inputs: { name: 'gw-b' } })
    expect(pruned.code).toBe(0)
    expect(pruned.outputs.pruned).toBe('41')
    expect((await w.emulator.gatewayState({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, gatewayName: 'pr-41-b' })).exists).toBe(false)
    expect(await w.namespaceExists(ns)).toBe(false)
  })

  test("a second API Management service's preview does not take over the first one's objects", async () => {
    const w = await createPreviewWorld('twosvc', { pulls: [{ number: 43 }] })
    const serviceB = `${w.serviceName}-b`.slice(0, 50)
    const svc = await w.emulator.addService({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: serviceB, gateways: [] })
    await w.emulator.addApi({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: serviceB, apiId: 'echo-api', path: 'echo-api' })
    await w.emulator.grant({ objectId: w.objectId, scope: svc.resourceId, actions: PREVIEW_ACTIONS })
    expect((await w.run({ command: 'preview', pr: 43, inputs: { 'gateway-apis': 'echo-api' } })).code).toBe(0)
    const second = await w.run({ command: 'preview', pr: 43, inputs: { 'service-name': serviceB, 'gateway-apis': 'echo-api' } })
    expect(second.code).toBe(1)
    expect(second.stdout).toMatch(/::error::Namespace '[^']+' already holds a preview of this pull request for another gateway resource \(.*\/service\/apim-twosvc-[0-9a-f]+\/gateways\/pr-43\)/)
    expect((await w.emulator.gatewayState({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: serviceB, gatewayName: 'pr-43' })).exists).toBe(false)
    expect((await w.run({ command: 'teardown', pr: 43 })).code).toBe(0)
  })
})
