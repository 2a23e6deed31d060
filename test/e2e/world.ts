/**
 * One isolated "world" per test: its own Entra tenant and app, subscription, API Management service
 * and gateway in the emulator, its own GitHub job, and its own namespace in the shared cluster —
 * so tests run in parallel without seeing each other.
 */
import * as k8s from '@kubernetes/client-node'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connectCluster, type ClusterAccess, type HarnessFile } from '../cluster/cluster.js'
import { clientFor, GITHUB_ISSUER, type EmulatorClient, type EmulatorDescription } from '../emulator/index.js'
import { runAction, type ActionRun, type RunOptions } from '../runner.js'

export function connectEmulator(harnessFile = process.env.E2E_HARNESS): EmulatorDescription & { client: EmulatorClient } {
  if (!harnessFile) throw new Error('E2E_HARNESS is not set: run the tests through jest, whose globalSetup starts the emulator')
  const harness = JSON.parse(readFileSync(harnessFile, 'utf8')) as HarnessFile & { emulator: EmulatorDescription }
  return { ...harness.emulator, client: clientFor(harness.emulator) }
}

export const MINT_ACTIONS = ['Microsoft.ApiManagement/service/gateways/read', 'Microsoft.ApiManagement/service/gateways/generateToken/action']
export const REGENERATE_ACTIONS = [...MINT_ACTIONS, 'Microsoft.ApiManagement/service/gateways/regenerateKey/action']

export interface WorldOptions {
  /** Subject of the federated credential (default: the job's subject). */
  federatedSubject?: string
  /** Subject GitHub presents (default `repo:contoso/gateway-infra:ref:refs/heads/main`). */
  jobSubject?: string
  /** Azure actions granted to the app on the service (default: mint + regenerate). */
  actions?: string[]
  /** Gateways that exist in API Management (default: the world's gateway). */
  gateways?: string[]
  /** Fake-kubelet scenario annotation on the namespace. */
  scenario?: string
  /** Bind the deployer Role in the namespace (default true). */
  deployer?: boolean
}

export interface World {
  cluster: ClusterAccess
  emulator: EmulatorClient
  caFile: string
  namespace: string
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  gatewayName: string
  tenantId: string
  clientId: string
  /** The inputs a workflow would give for this world (as the deployer user). */
  inputs: Record<string, string>
  /** The runner environment: ID-token request variables and the emulator's CA. */
  env: Record<string, string>
  run(overrides?: { inputs?: Record<string, string>; env?: Record<string, string | undefined> } & Pick<RunOptions, 'onLine' | 'timeoutMs' | 'killWhen'>): Promise<ActionRun>
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  /** The token in the deployed Secret (read as admin), or undefined. */
  deployedToken(secretKey?: string): Promise<string | undefined>
  /** Every token this test has seen, for leak scans. */
  tokens: Set<string>
}

export async function createWorld(slug: string, options: WorldOptions = {}): Promise<World> {
  const cluster = connectCluster()
  const emulator = connectEmulator()
  const suffix = randomBytes(3).toString('hex')
  const namespace = `e2e-${slug}-${suffix}`.slice(0, 63)
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const objectId = randomUUID()
  const subscriptionId = randomUUID()
  const resourceGroup = `rg-${slug}`
  const serviceName = `apim-${slug}-${suffix}`.slice(0, 50)
  const gatewayName = `gw-${slug}`
  const jobSubject = options.jobSubject ?? 'repo:contoso/gateway-infra:ref:refs/heads/main'

  await emulator.client.addApp({
    tenantId,
    clientId,
    objectId,
    federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: options.federatedSubject ?? jobSubject, audiences: ['api://AzureADTokenExchange'] }]
  })
  const service = await emulator.client.addService({ subscriptionId, resourceGroup, serviceName, gateways: options.gateways ?? [gatewayName] })
  const actions = options.actions ?? REGENERATE_ACTIONS
  if (actions.length > 0) await emulator.client.grant({ objectId, scope: service.resourceId, actions })
  const job = await emulator.client.createJob({ subject: jobSubject })
  await cluster.createNamespace(namespace, {
    deployer: options.deployer ?? true,
    annotations: options.scenario ? { 'fake-kubelet.test/scenario': options.scenario } : undefined
  })

  const inputs: Record<string, string> = {
    'client-id': clientId,
    'tenant-id': tenantId,
    'subscription-id': subscriptionId,
    'authority-host': emulator.urls.entra,
    'arm-endpoint': emulator.urls.arm,
    'resource-group': resourceGroup,
    'service-name': serviceName,
    'gateway-name': gatewayName,
    namespace,
    kubeconfig: cluster.kubeconfigFor('deployer', namespace),
    replicas: '2',
    timeout: '90s'
  }
  const env = {
    // Step debugging on for every end-to-end run: the leak scans then also cover debug lines.
    ACTIONS_STEP_DEBUG: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
    NODE_EXTRA_CA_CERTS: emulator.caFile
  }
  const admin = cluster.kubeConfig('admin')
  const core = admin.makeApiClient(k8s.CoreV1Api)
  const tokens = new Set<string>()

  const deployedToken = async (secretKey = 'config.service.auth.key'): Promise<string | undefined> => {
    try {
      const secret = await core.readNamespacedSecret({ name: 'apim-gateway-token', namespace })
      const data = secret.data?.[secretKey]
      if (!data) return undefined
      const token = Buffer.from(data, 'base64').toString('utf8').replace(/^GatewayKey /, '')
      tokens.add(token)
      return token
    } catch {
      return undefined
    }
  }

  return {
    cluster,
    emulator: emulator.client,
    caFile: emulator.caFile,
    namespace,
    subscriptionId,
    resourceGroup,
    serviceName,
    gatewayName,
    tenantId,
    clientId,
    inputs,
    env,
    core,
    apps: admin.makeApiClient(k8s.AppsV1Api),
    tokens,
    deployedToken,
    run: async (overrides = {}) => {
      const result = await runAction({
        inputs: { ...inputs, ...overrides.inputs },
        env: { ...env, ...overrides.env },
        onLine: overrides.onLine,
        killWhen: overrides.killWhen,
        timeoutMs: overrides.timeoutMs
      })
      await deployedToken()
      await deployedToken('value')
      return result
    }
  }
}
