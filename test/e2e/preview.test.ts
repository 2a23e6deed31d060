/**
 * Pull-request previews end to end: dist/index.js run as the runner runs it for pull_request and
 * schedule events, against the cluster (previewer user with the README's ClusterRole), the fake
 * kubelet, the load-balancer controller, and the Azure + GitHub REST emulators.
 */
import { describe, expect, test } from '@jest/globals'
import { findLeaks, type ActionRun } from '../runner.js'
import { commentMarker } from '../../src/preview/naming.js'
import { http } from '../emulator/test-helpers.js'
import { createPreviewWorld, type PreviewWorld } from './preview-world.js'

const MARKER = 'apim-gateway-action preview:'

async function deployedToken(w: PreviewWorld, namespace: string, name = 'apim-gateway'): Promise<string | undefined> {
  try {
    const secret = await w.core.readNamespacedSecret({ name: `${name}-token`, namespace })
    const token = Buffer.from(secret.data!['config.service.auth.key'], 'base64').toString()
    w.secrets.add(token)
    return token
  } catch {
    return undefined
  }
}

function expectClean(w: PreviewWorld, run: ActionRun): void {
  expect(findLeaks(run, [...w.secrets])).toEqual([])
}

async function previewComments(w: PreviewWorld, pr: number) {
  return (await w.emulator.issueComments(w.owner, w.repo, pr)).filter(c => c.body.includes(MARKER))
}

describe('the preview comment', () => {
  test("a stranger's comment holding the marker is never edited: the action keeps its own", async () => {
    const w = await createPreviewWorld('marker', { pulls: [{ number: 36 }] })
    const mallory = await w.emulator.addRepo({ owner: w.owner, repo: w.repo, tokenUser: 'mallory' })
    w.secrets.add(mallory.token)
    const forged = `${commentMarker(w.serviceName, 'pr-36')}\n### ✅ API gateway preview: ready\n| URL | http://evil.example |`
    const posted = await http(`${w.githubApiUrl}/repos/${w.repository}/issues/36/comments`, { method: 'POST', headers: { authorization: `token ${mallory.token}` }, body: { body: forged }, ca: w.caPem })
    expect(posted.status).toBe(201)
    const run = await w.run({ command: 'preview', pr: 36, inputs: { 'gateway-apis': 'echo-api' } })
    expect(run.code).toBe(0)
    const comments = await previewComments(w, 36)
    expect(comments.map(c => c.user.login)).toEqual(['mallory', 'github-actions[bot]'])
    expect(comments[0].body).toBe(forged)
    expect(comments[1].body).toContain(run.outputs['gateway-url'])
    // Nor another app's bot: only github-actions[bot] (or the token's own user) is the action.
    const otherApp = await w.emulator.addRepo({ owner: w.owner, repo: w.repo, tokenUser: 'helper-app[bot]' })
    w.secrets.add(otherApp.token)
    const quoted = `${commentMarker(w.serviceName, 'pr-36')}\nquoted: http://evil.example`
    expect((await http(`${w.githubApiUrl}/repos/${w.repository}/issues/36/comments`, { method: 'POST', headers: { authorization: `token ${otherApp.token}` }, body: { body: quoted }, ca: w.caPem })).status).toBe(201)
    expect((await w.run({ command: 'teardown', pr: 36 })).code).toBe(0)
    const after = await previewComments(w, 36)
    expect(after.map(c => c.user.login)).toEqual(['mallory', 'github-actions[bot]', 'helper-app[bot]'])
    expect(after[0].body).toBe(forged)
    expect(after[2].body).toBe(quoted)
    expect(after[1].body).toContain('removed')
  })
})

describe('preview life cycle', () => {
  test('preview → push → teardown → teardown again', async () => {
    const w = await createPreviewWorld('life')
    const ns = w.namespaceOf(7)

    // --- preview for PR 7
    const first = await w.run({ command: 'preview', pr: 7, inputs: { 'gateway-apis': 'echo-api, orders-api' } })
    await deployedToken(w, ns)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expectClean(w, first)

    const gateway = await w.gateway(7)
    expect(gateway.exists).toBe(true)
    expect(gateway.description).toContain(`${w.repository}#7`)
    expect(gateway.apis).toEqual(['echo-api', 'orders-api'])

    const namespace = await w.core.readNamespace({ name: ns })
    expect(namespace.metadata?.labels).toMatchObject({ 'apim-gateway-action/repository': w.repository.toLowerCase().replace('/', '.'), 'apim-gateway-action/pull-request': '7' })
    const deployment = await w.apps.readNamespacedDeployment({ name: 'apim-gateway', namespace: ns })
    expect(deployment.status?.readyReplicas).toBe(2)
    expect(deployment.metadata?.labels?.['apim-gateway-action/pull-request']).toBe('7')
    const service = await w.core.readNamespacedService({ name: 'apim-gateway-loadbalancer', namespace: ns })
    const ip = service.status?.loadBalancer?.ingress?.[0]?.ip
    expect(ip).toMatch(/^127\./)
    expect(first.outputs['gateway-url']).toBe(`http://${ip}`)
    expect(first.outputs['ready-replicas']).toBe('2')
    expect(first.summary).toContain(`http://${ip}`)

    const comments = await previewComments(w, 7)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('ready')
    expect(comments[0].body).toContain(`http://${ip}`)
    let deployments = await w.emulator.deployments(w.owner, w.repo)
    expect(deployments).toHaveLength(1)
    expect(deployments[0].environment).toBe(`apim-${w.serviceName}-pr-7`)
    expect(deployments[0].statuses[0].state).toBe('success')
    expect(deployments[0].statuses[0].environment_url).toBe(`http://${ip}`)

    // --- a second push: same comment, updated; the APIs follow the input
    const pushed = await w.emulator.setPull(w.owner, w.repo, { number: 7, headSha: 'b'.repeat(40) })
    const second = await w.run({ command: 'preview', pr: 7, inputs: { 'gateway-apis': 'echo-api\nlegacy-api' } })
    await deployedToken(w, ns)
    expect(second.code).toBe(0)
    expectClean(w, second)
    const afterPush = await previewComments(w, 7)
    expect(afterPush).toHaveLength(1)
    expect(afterPush[0].id).toBe(comments[0].id)
    expect(afterPush[0].body).toContain(pushed.head.sha.slice(0, 7))
    expect((await w.gateway(7)).apis).toEqual(['echo-api', 'legacy-api'])
    deployments = await w.emulator.deployments(w.owner, w.repo)
    expect(deployments).toHaveLength(2)
    expect(deployments[0].sha).toBe(pushed.head.sha)
    expect(deployments[0].statuses[0].state).toBe('success')
    // The earlier deployment of the environment is superseded.
    expect(deployments[1].statuses[0].state).toBe('inactive')

    // --- the pull request closes: teardown
    await w.emulator.setPull(w.owner, w.repo, { number: 7, state: 'closed' })
    const closed = await w.pullRequestEvent(7, { action: 'closed' })
    const down = await w.run({ command: 'teardown', pr: 7, event: closed })
    expect(down.stderr).toBe('')
    expect(down.code).toBe(0)
    expectClean(w, down)
    expect(await w.namespaceExists(ns)).toBe(false)
    expect((await w.gateway(7)).exists).toBe(false)
    expect(await w.emulator.gatewayApis({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, serviceName: w.serviceName, gatewayName: 'pr-7' })).toEqual([])
    deployments = await w.emulator.deployments(w.owner, w.repo)
    expect(deployments.map(d => d.statuses[0].state)).toEqual(['inactive', 'inactive'])
    const removed = await previewComments(w, 7)
    expect(removed).toHaveLength(1)
    expect(removed[0].body).toContain('removed')
    expect(down.summary).toContain('removed')

    // --- teardown again: nothing to do, and it says so
    const again = await w.run({ command: 'teardown', pr: 7, event: closed })
    expect(again.code).toBe(0)
    expect(again.log).toContain('Nothing to do: the preview was already gone.')
    expect(again.log).toMatch(/Namespace .*: already gone/)
    expect(again.log).toMatch(/Gateway resource pr-7 .*: already gone/)
    expect(await previewComments(w, 7)).toHaveLength(1)
    expectClean(w, again)

    // --- an old push's run re-run after the close does not bring the preview back
    const late = await w.run({ command: 'preview', pr: 7, inputs: { 'gateway-apis': 'echo-api' } })
    expect(late.code).toBe(0)
    expect(late.outputs.skipped).toBe('true')
    expect(late.stdout).toContain('::notice::Pull request #7 is closed: no preview is created for it')
    expect((await w.gateway(7)).exists).toBe(false)
    expect(await w.namespaceExists(ns)).toBe(false)
  })

  test('prune removes the preview of a closed pull request and keeps the open one; max-age removes old ones', async () => {
    const w = await createPreviewWorld('prune', { pulls: [{ number: 8 }, { number: 9 }] })
    const [eight, nine] = await Promise.all([
      w.run({ command: 'preview', pr: 8, inputs: { 'gateway-apis': 'echo-api' } }),
      w.run({ command: 'preview', pr: 9, inputs: { 'gateway-apis': 'echo-api' } })
    ])
    expect([eight.code, nine.code]).toEqual([0, 0])
    await deployedToken(w, w.namespaceOf(8))
    await deployedToken(w, w.namespaceOf(9))
    // PR 8 is closed without its teardown having run (e.g. the workflow was disabled).
    await w.emulator.setPull(w.owner, w.repo, { number: 8, state: 'closed' })

    const pruned = await w.run({ command: 'prune' })
    expect(pruned.stderr).toBe('')
    expect(pruned.code).toBe(0)
    expect(pruned.outputs.pruned).toBe('8')
    expect(await w.namespaceExists(w.namespaceOf(8))).toBe(false)
    expect((await w.gateway(8)).exists).toBe(false)
    expect(await w.namespaceExists(w.namespaceOf(9))).toBe(true)
    expect((await w.gateway(9)).exists).toBe(true)
    expect(pruned.summary).toMatch(/#9.*kept: pull request open/)
    expectClean(w, pruned)

    // An open pull request's preview goes once it is older than max-age.
    const old = await w.run({ command: 'prune', inputs: { 'max-age': '1s' } })
    expect(old.code).toBe(0)
    expect(old.outputs.pruned).toBe('9')
    expect(await w.namespaceExists(w.namespaceOf(9))).toBe(false)
    expect((await w.gateway(9)).exists).toBe(false)
    expectClean(w, old)
  })
})
