/**
 * The action's main job, run as the Actions runner runs it (dist/index.js), against the local
 * cluster, the fake kubelet and the Azure/GitHub emulator.
 */
import { describe, expect, test } from '@jest/globals'
import { findLeaks, type ActionRun } from '../runner.js'
import { differences, specObjects } from './spec-objects.js'
import { createWorld, type World } from './world.js'

function expectNoLeaks(world: World, run: ActionRun): void {
  expect(findLeaks(run, [...world.tokens])).toEqual([])
}

async function podsOf(world: World): Promise<{ name: string; ready: boolean; hash?: string }[]> {
  const pods = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=apim-gateway' })
  return pods.items
    .filter(p => !p.metadata?.deletionTimestamp)
    .map(p => ({
      name: p.metadata!.name!,
      ready: p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false,
      hash: p.metadata?.annotations?.['apim-gateway-action/config-hash']
    }))
}

async function tokenValid(world: World, token: string): Promise<boolean> {
  const check = await world.emulator.checkToken({ subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, token })
  return check.valid
}

describe('deploy', () => {
  test('deploys the spec layout, every replica Ready on a token the configuration endpoint accepts', async () => {
    const world = await createWorld('happy')
    const run = await world.run()
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const token = await world.deployedToken()
    expect(token).toMatch(new RegExp(`^${world.gatewayName}&\\d{12}&`))
    expect(await tokenValid(world, token!)).toBe(true)

    // Field by field against the spec page (its placeholders filled in; 2 replicas asked for).
    const spec = specObjects({ namespace: world.namespace, serviceName: world.serviceName, gatewayName: world.gatewayName, token: token! })
    const secret = await world.core.readNamespacedSecret({ name: 'apim-gateway-token', namespace: world.namespace })
    expect(Buffer.from(secret.data!['config.service.auth.key'], 'base64').toString()).toBe((spec.Secret.stringData as Record<string, string>)['config.service.auth.key'])
    expect(secret.type).toBe('Opaque')
    const configMap = await world.core.readNamespacedConfigMap({ name: 'apim-gateway-env', namespace: world.namespace })
    expect(configMap.data).toEqual(spec.ConfigMap.data)
    const deployment = await world.apps.readNamespacedDeployment({ name: 'apim-gateway', namespace: world.namespace })
    const expectedDeployment = spec.Deployment as { spec: { replicas: number } }
    expectedDeployment.spec.replicas = 2
    expect(differences(expectedDeployment.spec, deployment.spec)).toEqual([])
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0)
    expect(deployment.spec?.template.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('apim-gateway-action')
    const service = await world.core.readNamespacedService({ name: 'apim-gateway-loadbalancer', namespace: world.namespace })
    expect(differences(spec.Service.spec, service.spec)).toEqual([])

    // Ready because the fake kubelet's configuration check passed, on every replica.
    const pods = await podsOf(world)
    expect(pods).toHaveLength(2)
    expect(pods.every(p => p.ready)).toBe(true)

    expect(run.outputs).toEqual({
      namespace: world.namespace,
      deployment: 'apim-gateway',
      'secret-name': 'apim-gateway-token',
      'token-expires-on': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/),
      'key-type': 'primary',
      'config-endpoint': `https://${world.serviceName}.configuration.azure-api.net`,
      'ready-replicas': '2'
    })
    const lifetimeDays = (Date.parse(run.outputs['token-expires-on']) - Date.now()) / 86_400_000
    expect(lifetimeDays).toBeGreaterThan(28.9)
    expect(lifetimeDays).toBeLessThanOrEqual(29)
    expect(run.summary).toContain(world.namespace)
    expect(run.summary).toContain(run.outputs['token-expires-on'])
    expect(run.log).toMatch(/2\/2 ready: rollout complete/)
    expectNoLeaks(world, run)
  })

  test('a second generate run rolls the pods onto the new token; regenerate revokes the old one', async () => {
    const world = await createWorld('roll')
    expect((await world.run()).code).toBe(0)
    const first = (await world.deployedToken())!
    const firstPods = await podsOf(world)

    // Minted a minute later at the earliest: tokens differ by signature even with the same expiry.
    const second = await world.run({ inputs: { 'token-lifetime': '28d' } })
    expect(second.code).toBe(0)
    const secondToken = (await world.deployedToken())!
    expect(secondToken).not.toBe(first)
    const pods = await podsOf(world)
    expect(pods.every(p => p.ready)).toBe(true)
    expect(pods.map(p => p.name).some(name => firstPods.some(old => old.name === name))).toBe(false)
    expect(new Set(pods.map(p => p.hash)).size).toBe(1)
    // generate does not revoke anything.
    expect(await tokenValid(world, first)).toBe(true)

    const third = await world.run({ inputs: { 'token-mode': 'regenerate' }, env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' } })
    expect(third.code).toBe(0)
    const thirdToken = (await world.deployedToken())!
    expect(await tokenValid(world, first)).toBe(false)
    expect(await tokenValid(world, secondToken)).toBe(false)
    expect(await tokenValid(world, thirdToken)).toBe(true)
    expect((await podsOf(world)).every(p => p.ready)).toBe(true)
    expect(third.log).toContain('::debug::')
    for (const run of [second, third]) expectNoLeaks(world, run)
  })

  test('re-running with nothing changed rolls no pod', async () => {
    const world = await createWorld('same')
    const token = await world.emulator.mintGatewayToken({ subscriptionId: world.subscriptionId, resourceGroup: world.resourceGroup, serviceName: world.serviceName, gatewayName: world.gatewayName, keyType: 'secondary', expiry: new Date(Date.now() + 5 * 86_400_000) })
    world.tokens.add(token)
    const inputs = { 'gateway-token': `GatewayKey ${token}` }
    expect((await world.run({ inputs })).code).toBe(0)
    const before = (await podsOf(world)).map(p => p.name).sort()
    const again = await world.run({ inputs })
    expect(again.code).toBe(0)
    expect((await podsOf(world)).map(p => p.name).sort()).toEqual(before)
    expect(again.outputs['key-type']).toBe('unknown')
    expectNoLeaks(world, again)
  })
})
