/**
 * Every failure a user can cause gets a message naming the cause and the fix, before anything is
 * changed where possible, and never a token in any output.
 */
import { describe, expect, test } from '@jest/globals'
import * as k8s from '@kubernetes/client-node'
import { findLeaks, type ActionRun } from '../runner.js'
import { createWorld, MINT_ACTIONS, type World } from './world.js'

async function objectsIn(world: World): Promise<string[]> {
  const [secrets, deployments] = await Promise.all([
    world.core.listNamespacedSecret({ namespace: world.namespace }),
    world.apps.listNamespacedDeployment({ namespace: world.namespace })
  ])
  return [...secrets.items, ...deployments.items].map(o => o.metadata!.name!).filter(name => name.startsWith('apim-gateway'))
}

function errorOf(run: ActionRun): string {
  const line = run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? ''
  return line.replace(/^::error::/, '').replace(/%0A/g, '\n').replace(/%25/g, '%').replace(/%0D/g, '\r')
}

function expectCleanFailure(world: World, run: ActionRun): void {
  expect(run.code).toBe(1)
  expect(findLeaks(run, [...world.tokens])).toEqual([])
}

describe('failures', () => {
  test('unknown gateway: 404 explained, nothing applied', async () => {
    const world = await createWorld('nogw', { gateways: [] })
    const run = await world.run()
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toContain(`gateway '${world.gatewayName}'`)
    expect(message).toMatch(/404/)
    expect(message).toContain('Check `gateway-name`')
    expect(await objectsIn(world)).toEqual([])
  })

  test('missing Azure permission: 403 names the action to grant, nothing applied', async () => {
    const world = await createWorld('noperm', { actions: ['Microsoft.ApiManagement/service/gateways/read'] })
    const run = await world.run()
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toMatch(/403 AuthorizationFailed/)
    expect(message).toContain('Microsoft.ApiManagement/service/gateways/generateToken/action')
    expect(message).toContain(world.clientId)
    expect(await objectsIn(world)).toEqual([])
  })

  test('regenerate without regenerateKey permission revokes nothing', async () => {
    const world = await createWorld('noregen', { actions: MINT_ACTIONS })
    const run = await world.run({ inputs: { 'token-mode': 'regenerate' } })
    expectCleanFailure(world, run)
    expect(errorOf(run)).toContain('regenerateKey/action')
    const state = await world.emulator.gatewayState({ subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName })
    expect(state.regenerations).toEqual({ primary: 0, secondary: 0 })
    expect(await objectsIn(world)).toEqual([])
  })

  test('subject mismatch: AADSTS code, the presented subject, and the subject forms', async () => {
    const world = await createWorld('subject', {
      jobSubject: 'repo:contoso/gateway-infra:environment:production',
      federatedSubject: 'repo:contoso/gateway-infra:ref:refs/heads/main'
    })
    const run = await world.run()
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toMatch(/AADSTS700213|AADSTS70021\b/)
    expect(message).toContain("subject 'repo:contoso/gateway-infra:environment:production'")
    expect(message).toContain("issuer 'https://token.actions.githubusercontent.com'")
    expect(message).toContain('repo:<owner>/<repo>:environment:<name>')
    expect(message).not.toMatch(/Trace ID/)
    expect(await objectsIn(world)).toEqual([])
  })

  test('subject differing only in case: the case-sensitivity hint', async () => {
    const world = await createWorld('case', {
      jobSubject: 'repo:Contoso/Gateway-Infra:ref:refs/heads/main',
      federatedSubject: 'repo:contoso/gateway-infra:ref:refs/heads/main'
    })
    const run = await world.run()
    expectCleanFailure(world, run)
    expect(errorOf(run)).toMatch(/case/i)
  })

  test('missing id-token permission: explained before any Azure call', async () => {
    const world = await createWorld('noidtoken')
    const run = await world.run({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } })
    expectCleanFailure(world, run)
    expect(errorOf(run)).toContain('id-token: write')
    expect(await world.emulator.calls({ subscriptionId: world.subscriptionId })).toEqual([])
    expect(await objectsIn(world)).toEqual([])
  })

  test('invalid inputs: every problem reported at once, before any call', async () => {
    const world = await createWorld('inputs')
    const run = await world.run({ inputs: { replicas: 'two', 'token-lifetime': '45d', 'client-id': 'my-app', 'log-level': 'loud' } })
    expectCleanFailure(world, run)
    const message = errorOf(run)
    for (const input of ['replicas', 'token-lifetime', 'client-id', 'log-level']) expect(message).toContain(`input '${input}'`)
    expect(await world.emulator.calls({ subscriptionId: world.subscriptionId })).toEqual([])
  })

  test('a raw gateway key passed as gateway-token is refused without echoing it', async () => {
    const world = await createWorld('rawkey')
    const key = Buffer.from('k'.repeat(64)).toString('base64')
    world.tokens.add(key)
    const run = await world.run({ inputs: { 'gateway-token': key } })
    expectCleanFailure(world, run)
    expect(errorOf(run)).toContain('raw gateway key')
    expect(run.stdout).not.toContain(key)
  })

  test('token from a revoked key: pods never Ready, diagnostics with the gateway log, old pods kept', async () => {
    const world = await createWorld('revoked')
    const ref = { subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName }
    const token = await world.emulator.mintGatewayToken({ ...ref, keyType: 'primary', expiry: new Date(Date.now() + 3 * 86_400_000) })
    world.tokens.add(token)
    // Revoke the key through ARM itself, as a colleague in the portal would.
    await world.run({ inputs: { 'token-mode': 'regenerate', 'key-type': 'primary', replicas: '1' } })
    const run = await world.run({ inputs: { 'gateway-token': token, timeout: '8s', replicas: '1' } })
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toContain('did not become Ready')
    expect(message).toContain('timed out')
    expect(run.log).toMatch(/Pod apim-gateway-[a-z0-9-]+: phase Running, not ready/)
    expect(run.log).toMatch(/last log lines of apim-gateway-/)
    expect(run.log).toMatch(/401|Unauthorized|revoked|regenerated/i)
    // maxUnavailable 0: the pod on the previous (valid) token still serves.
    const pods = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=apim-gateway' })
    expect(pods.items.some(p => p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True'))).toBe(true)
  })

  test('a deploy whose new token never works puts the previous token back', async () => {
    const world = await createWorld('restore')
    expect((await world.run({ inputs: { replicas: '1' } })).code).toBe(0)
    const good = (await world.deployedToken())!
    const ref = { subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName }
    // A token of a same-named gateway in another service: well-formed, never accepted here.
    const other = await world.emulator.addService({ ...ref, serviceName: `${world.serviceName}-b`, gateways: [world.gatewayName] })
    expect(other.resourceId).toContain('-b')
    const foreign = await world.emulator.mintGatewayToken({ ...ref, serviceName: `${world.serviceName}-b`, keyType: 'primary', expiry: new Date(Date.now() + 5 * 86_400_000) })
    world.tokens.add(foreign)
    const run = await world.run({ inputs: { replicas: '1', 'gateway-token': foreign, timeout: '6s' } })
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toContain('did not become Ready')
    expect(message).toContain('The gateway is back on the previous token (from the primary key)')
    expect(await world.deployedToken()).toBe(good)
    // An old pod restarting now reads a working token again.
    const pods = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=apim-gateway' })
    await world.core.deleteNamespacedPod({ name: pods.items[0].metadata!.name!, namespace: world.namespace })
    const until = Date.now() + 30_000
    let ready = false
    while (!ready && Date.now() < until) {
      await new Promise(r => setTimeout(r, 200))
      const now = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=apim-gateway' })
      ready = now.items.some(p => !p.metadata?.deletionTimestamp && p.metadata?.name !== pods.items[0].metadata!.name && p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True'))
    }
    expect(ready).toBe(true)
  })

  test('a regenerate deploy that does not become Ready keeps its new token: the previous one is revoked', async () => {
    const world = await createWorld('regenslow')
    expect((await world.run({ inputs: { replicas: '1' } })).code).toBe(0)
    const old = (await world.deployedToken())!
    // Slow pods: the rollout outlives the timeout, though the new token is good.
    await world.core.patchNamespace(
      { name: world.namespace, body: { metadata: { annotations: { 'fake-kubelet.test/scenario': 'ready-after=15000' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
    )
    const run = await world.run({ inputs: { replicas: '1', 'token-mode': 'regenerate', timeout: '4s' } })
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toContain('did not become Ready')
    expect(message).toContain('The new token stays deployed: the previous one was minted from the primary key, which this run regenerated')
    const deployed = (await world.deployedToken())!
    expect(deployed).not.toBe(old)
    const ref = { subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName }
    expect((await world.emulator.checkToken({ ...ref, token: deployed })).valid).toBe(true)
    expect((await world.emulator.checkToken({ ...ref, token: old })).valid).toBe(false)
  })

  test('create-namespace with an identity that may not create namespaces: refused before any key is regenerated', async () => {
    const world = await createWorld('createns')
    const run = await world.run({ inputs: { 'create-namespace': 'true', namespace: `${world.namespace}-new`, 'token-mode': 'regenerate' } })
    expectCleanFailure(world, run)
    expect(errorOf(run)).toContain('the Kubernetes identity may not create namespaces either')
    const ref = { subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName }
    expect((await world.emulator.gatewayState(ref)).regenerations).toEqual({ primary: 0, secondary: 0 })
    // The namespace exists already: create-namespace is then a no-op for the same identity.
    const existing = await world.run({ inputs: { 'create-namespace': 'true', replicas: '1' } })
    expect(existing.code).toBe(0)
  })

  test('Secret key mismatch: CreateContainerConfigError surfaced at once with kubelet\'s message', async () => {
    const world = await createWorld('keymismatch')
    // Another tool (say, a Helm release) owns the Secret and rewrites it with its own key.
    const admin = world.cluster.kubeConfig('admin')
    const watch = new k8s.Watch(admin)
    const abort = await watch.watch(`/api/v1/namespaces/${world.namespace}/secrets`, {}, (type, secret: k8s.V1Secret) => {
      if (type === 'DELETED' || secret.metadata?.name !== 'apim-gateway-token' || !secret.data?.value) return
      world.tokens.add(Buffer.from(secret.data.value, 'base64').toString().replace(/^GatewayKey /, ''))
      void world.core.replaceNamespacedSecret({ name: 'apim-gateway-token', namespace: world.namespace, body: { metadata: { name: 'apim-gateway-token', resourceVersion: secret.metadata.resourceVersion }, data: { 'gateway-key': secret.data.value } } }).catch(() => {})
    }, () => {})
    try {
      const run = await world.run({ inputs: { 'auth-layout': 'token-env', timeout: '60s' } })
      expectCleanFailure(world, run)
      const message = errorOf(run)
      expect(message).toContain('CreateContainerConfigError')
      expect(message).toMatch(/couldn't find key value in Secret/)
      expect(run.durationMs).toBeLessThan(45_000)
    } finally {
      abort.abort()
    }
  })

  test('ARM throttling (429 with Retry-After) is retried by the SDK and the deploy succeeds', async () => {
    const world = await createWorld('throttle')
    const id = await world.emulator.injectFault({ listener: 'arm', method: 'POST', pathIncludes: `${world.subscriptionId}/resourceGroups/${world.resourceGroup}/providers/Microsoft.ApiManagement/service/${world.serviceName}/gateways/${world.gatewayName}/generateToken`, status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } }, times: 1 })
    const run = await world.run({ inputs: { replicas: '1' } })
    expect(run.code).toBe(0)
    expect((await world.emulator.fault(id)).hits).toBe(1)
    expect(findLeaks(run, [...world.tokens])).toEqual([])
  })

  test('ARM failing with 500 after the retries: explained, nothing applied', async () => {
    const world = await createWorld('armdown')
    await world.emulator.injectFault({ listener: 'arm', method: 'POST', pathIncludes: `${world.subscriptionId}/resourceGroups/${world.resourceGroup}/providers/Microsoft.ApiManagement/service/${world.serviceName}/gateways/${world.gatewayName}/generateToken`, status: 500, body: { error: { code: 'InternalServerError', message: 'Something went wrong.' } }, times: 20 })
    const run = await world.run()
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toMatch(/500/)
    expect(message).toContain("kept failing after the SDK's retries")
    expect(await objectsIn(world)).toEqual([])
  }, 180_000)

  test('deployer lacking a verb: named before anything is changed', async () => {
    const world = await createWorld('rbac', { deployer: false })
    // A Role like the recommended one, but without `patch` on deployments.
    const rbac = world.cluster.kubeConfig('admin').makeApiClient(k8s.RbacAuthorizationV1Api)
    await rbac.createNamespacedRole({
      namespace: world.namespace,
      body: {
        metadata: { name: 'partial' },
        rules: [
          { apiGroups: [''], resources: ['secrets', 'configmaps', 'services'], verbs: ['get', 'create', 'patch'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'list', 'watch'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'delete'] }
        ]
      }
    })
    await rbac.createNamespacedRoleBinding({
      namespace: world.namespace,
      body: { metadata: { name: 'partial' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'partial' }, subjects: [{ kind: 'User', name: 'deployer', apiGroup: 'rbac.authorization.k8s.io' }] }
    })
    const run = await world.run({ inputs: { 'token-mode': 'regenerate' } })
    expectCleanFailure(world, run)
    const message = errorOf(run)
    expect(message).toContain('may not patch deployments.apps')
    expect(message).toContain('examples/kubernetes-role.yaml')
    expect(message).toContain('Nothing was changed')
    expect(await objectsIn(world)).toEqual([])
    // With `regenerate`, the cluster is checked before any key is touched (with `generate`, minting
    // runs beside the check: it changes nothing).
    expect(await world.emulator.calls({ subscriptionId: world.subscriptionId })).toEqual([])
  })
})
