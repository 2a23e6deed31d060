/**
 * A world for the pull-request preview life cycle: its own GitHub repository (with pull requests)
 * in the GitHub REST emulator, an app whose federated credential trusts the repository's
 * pull_request subject, an API Management service with APIs, and the `previewer` Kubernetes user
 * bound to examples/kubernetes-preview-clusterrole.yaml. Each test has its own repository, so
 * prune (which looks at every namespace) only ever sees that test's previews.
 */
import * as k8s from '@kubernetes/client-node'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connectCluster, type ClusterAccess } from '../cluster/cluster.js'
import { GITHUB_ISSUER, type EmulatorClient, type PullSpec } from '../emulator/index.js'
import { runAction, type ActionRun } from '../runner.js'
import { connectEmulator } from './world.js'

export const PREVIEW_ACTIONS = [
  'Microsoft.ApiManagement/service/gateways/read',
  'Microsoft.ApiManagement/service/gateways/write',
  'Microsoft.ApiManagement/service/gateways/delete',
  'Microsoft.ApiManagement/service/gateways/generateToken/action',
  'Microsoft.ApiManagement/service/gateways/apis/read',
  'Microsoft.ApiManagement/service/gateways/apis/write',
  'Microsoft.ApiManagement/service/gateways/apis/delete',
  'Microsoft.ApiManagement/service/apis/read'
]

export interface PreviewWorld {
  cluster: ClusterAccess
  emulator: EmulatorClient
  owner: string
  repo: string
  repository: string
  githubToken: string
  subscriptionId: string
  resourceGroup: string
  serviceName: string
  /** Object id of the app the previews sign in as (for grants on other services). */
  objectId: string
  /** Namespace of pull request n (unique to this world). */
  namespaceOf(pr: number): string
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  /** Base inputs; per-run inputs (command, gateway-name, namespace…) are added by `run`. */
  inputs: Record<string, string>
  /** Runs the action for a pull_request event of PR `pr` (or a schedule event without one). */
  run(o: { command: string; pr?: number; inputs?: Record<string, string>; env?: Record<string, string | undefined>; event?: { name: string; payload: Record<string, unknown> } }): Promise<ActionRun>
  /** The pull_request event payload GitHub would send for PR `pr`. */
  pullRequestEvent(pr: number, o?: { action?: string; headRepo?: string | null; author?: string }): Promise<{ name: string; payload: Record<string, unknown> }>
  secrets: Set<string>
  /** GITHUB_API_URL of the emulator, and its CA (PEM) for direct calls. */
  githubApiUrl: string
  caPem: string
  gateway(pr: number): Promise<{ exists: boolean; description?: string; apis?: string[] }>
  namespaceExists(name: string): Promise<boolean>
}

export async function createPreviewWorld(slug: string, o: { pulls?: PullSpec[]; apis?: string[]; actions?: string[]; gateways?: string[] } = {}): Promise<PreviewWorld> {
  const cluster = connectCluster()
  const emulator = connectEmulator()
  const suffix = randomBytes(3).toString('hex')
  const tenantId = randomUUID()
  const clientId = randomUUID()
  const objectId = randomUUID()
  const subscriptionId = randomUUID()
  const resourceGroup = `rg-${slug}`
  const serviceName = `apim-${slug}-${suffix}`.slice(0, 50)
  const added = await emulator.client.addRepo({ owner: `org-${suffix}`, repo: `app-${slug}`, pulls: o.pulls ?? [{ number: 7 }] })
  const repository = `${added.owner}/${added.repo}`

  await emulator.client.addApp({
    tenantId,
    clientId,
    objectId,
    federatedCredentials: [
      { issuer: GITHUB_ISSUER, subject: `repo:${repository}:pull_request`, audiences: ['api://AzureADTokenExchange'] },
      { issuer: GITHUB_ISSUER, subject: `repo:${repository}:ref:refs/heads/main`, audiences: ['api://AzureADTokenExchange'] }
    ]
  })
  const service = await emulator.client.addService({ subscriptionId, resourceGroup, serviceName, gateways: o.gateways ?? [] })
  for (const apiId of o.apis ?? ['echo-api', 'orders-api', 'legacy-api']) {
    await emulator.client.addApi({ subscriptionId, resourceGroup, serviceName, apiId, path: apiId })
  }
  await emulator.client.grant({ objectId, scope: service.resourceId, actions: o.actions ?? PREVIEW_ACTIONS })

  const admin = cluster.kubeConfig('admin')
  const secrets = new Set<string>([added.token])
  const namespaceOf = (pr: number): string => `pv-${slug}-${suffix}-pr-${pr}`.slice(0, 63)
  const inputs: Record<string, string> = {
    'client-id': clientId,
    'tenant-id': tenantId,
    'subscription-id': subscriptionId,
    'authority-host': emulator.urls.entra,
    'arm-endpoint': emulator.urls.arm,
    'resource-group': resourceGroup,
    'service-name': serviceName,
    kubeconfig: cluster.kubeconfigFor('previewer'),
    replicas: '2',
    timeout: '90s',
    'address-timeout': '20s'
  }
  const pullRequestEvent: PreviewWorld['pullRequestEvent'] = async (pr, e = {}) => {
    // The pull request as the GitHub emulator knows it (head SHA included), as GitHub would send it.
    const view = await emulator.client.setPull(added.owner, added.repo, { number: pr })
    return {
      name: 'pull_request',
      payload: {
        action: e.action ?? 'opened',
        number: pr,
        pull_request: {
          number: pr,
          state: view.state,
          html_url: `${new URL(emulator.urls.githubApi).origin}/${repository}/pull/${pr}`,
          user: { login: e.author ?? 'octocat' },
          head: { ref: view.head.ref, sha: view.head.sha, repo: e.headRepo === null ? null : { full_name: e.headRepo ?? view.head.repo?.full_name ?? repository } },
          base: { ref: 'main', repo: { full_name: repository } }
        },
        repository: { full_name: repository }
      }
    }
  }
  const core = admin.makeApiClient(k8s.CoreV1Api)

  return {
    cluster,
    emulator: emulator.client,
    owner: added.owner,
    repo: added.repo,
    repository,
    githubToken: added.token,
    subscriptionId,
    resourceGroup,
    serviceName,
    objectId,
    namespaceOf,
    core,
    apps: admin.makeApiClient(k8s.AppsV1Api),
    inputs,
    secrets,
    githubApiUrl: emulator.urls.githubApi,
    caPem: readFileSync(emulator.caFile, 'utf8'),
    pullRequestEvent,
    run: async r => {
      const event = r.event ?? (r.pr ? await pullRequestEvent(r.pr) : { name: 'schedule', payload: {} })
      // GitHub's subject for a pull_request run, the branch's for a scheduled one.
      const job = await emulator.client.createJob({ subject: event.name === 'pull_request' ? `repo:${repository}:pull_request` : `repo:${repository}:ref:refs/heads/main` })
      const perPr: Record<string, string> = r.pr ? { 'gateway-name': `pr-${r.pr}`, namespace: namespaceOf(r.pr) } : {}
      const run = await runAction({
        inputs: { ...inputs, command: r.command, ...perPr, ...r.inputs },
        event,
        githubToken: added.token,
        env: {
          ACTIONS_STEP_DEBUG: 'true',
          ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
          NODE_EXTRA_CA_CERTS: emulator.caFile,
          GITHUB_API_URL: emulator.urls.githubApi,
          GITHUB_SERVER_URL: new URL(emulator.urls.githubApi).origin,
          GITHUB_REPOSITORY: repository,
          GITHUB_RUN_ID: '4242',
          ...r.env
        },
        timeoutMs: 150_000
      })
      return run
    },
    gateway: pr => emulator.client.gatewayState({ subscriptionId, resourceGroup, serviceName, gatewayName: `pr-${pr}` }),
    namespaceExists: async name => {
      try {
        const ns = await core.readNamespace({ name })
        return !ns.metadata?.deletionTimestamp
      } catch {
        return false
      }
    }
  }
}
