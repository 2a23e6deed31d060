/**
 * `command: preview`: a pull request's own gateway. Everything that can refuse is asked first
 * (sign-in, API ids, gateway ownership, cluster access, GitHub permissions), then:
 *   gateway resource → API associations → namespace + objects → Ready → address → comment + deployment.
 */
import * as core from '@actions/core'
import type { PreviewGatewayApi } from './azure/preview-gateway.js'
import { deployReport, rollOut } from './deploy.js'
import { ActionError, describeError } from './errors.js'
import { deployPermissions } from './kube/access.js'
import { waitForAddress } from './kube/address.js'
import { createNamespace } from './kube/apply.js'
import { connect, type Kube } from './kube/client.js'
import { FIELD_MANAGER, objectNames } from './kube/manifests.js'
import { foreignObjects, namespaceTerminating, recordedGateway } from './kube/previews.js'
import { renderComment } from './preview/comment.js'
import { environmentName, gatewayDescription, gatewayLocation, ownsGateway, PREVIEW_ANNOTATION, previewLabels, previewOf, type PreviewIdentity } from './preview/naming.js'
import { commentFacts, connectAzure, connectGitHub, identityOf, previewSettings } from './preview/shared.js'
import { writeReport, writeSkipped } from './report.js'
import type { Settings } from './settings.js'
import { checkCluster, mint } from './steps.js'

export async function preview(settings: Settings): Promise<void> {
  const p = previewSettings(settings)
  const identity = identityOf(settings)
  const { apim } = settings
  const kube = connect(settings.kube)

  // --- checks: nothing is created until every one has passed
  const azure = await connectAzure(p.token)
  const gateways = azure.preview(apim)
  const [existing, unknown] = await Promise.all([gateways.getGateway(), gateways.unknownApis(p.apis)])
  if (unknown.length > 0) {
    throw new ActionError(
      `API Management service '${apim.serviceName}' has no API with the id ${unknown.map(a => `'${a}'`).join(', ')} (input 'gateway-apis'). Nothing was created.\nFix: give API ids — the last segment of the API's resource id, e.g. 'echo-api' — not display names or URL paths.`
    )
  }
  if (existing && !ownsGateway(existing.description, identity)) {
    const description = existing.description ? `its description: "${existing.description.slice(0, 200)}"` : 'it has no description'
    throw new ActionError(
      `Gateway '${apim.gatewayName}' already exists in API Management service '${apim.serviceName}' and is not the preview of ${previewOf(identity)} (${description}). Nothing was changed.\nFix: give this preview a gateway name no other gateway has — one per pull request, and unique across the repositories that share this service, e.g. \`gateway-name: ${p.repository.split('/')[1]}-pr-\${{ github.event.number }}\`. The action never takes over, or deletes, a gateway it did not create for this pull request.`
    )
  }
  if (p.apis.length === 0) core.warning("'gateway-apis' is empty: the preview gateway will serve no API. List the ids of the APIs under review.")
  const { namespace } = settings.kube
  await checkNamespace(kube, settings, identity)
  const check = await checkCluster(kube, settings, deployPermissions(settings.wait))

  // --- GitHub first: proves the token may comment and deploy before anything is changed
  const github = await connectGitHub(p)
  const state = await github.pullRequestState(p.pullRequest)
  if (state === 'missing') throw new ActionError(`${p.repository} has no pull request #${p.pullRequest} that \`github-token\` can see. Nothing was changed.\nFix: check 'pull-request' (and that the token belongs to ${p.repository}).`)
  if (state === 'closed') {
    // A re-run of an old push after the pull request closed must not bring its preview back.
    const message = `Pull request #${p.pullRequest} is closed: no preview is created for it (its teardown removes previews). Nothing was changed.`
    core.notice(message)
    await writeSkipped(message)
    return
  }
  const facts = commentFacts(settings)
  const commit = p.context.pullRequest?.number === p.pullRequest ? p.context.pullRequest.headSha : undefined
  const environment = environmentName(apim.serviceName, apim.gatewayName)
  const comment = await github.upsertComment(p.pullRequest, facts.marker, renderComment(facts, { state: 'deploying', commit }))
  core.info(`Pull-request comment ${comment}.`)
  const deploymentId = await github.createDeployment(commit ?? `refs/pull/${p.pullRequest}/head`, environment, `API Management gateway preview of ${previewOf(identity)}`)
  await github.setStatus(deploymentId, 'in_progress', { description: 'Deploying the API Management gateway preview', logUrl: p.context.runUrl })

  // Which step failed is what the pull request shows; the cause and its fix stay in the run's log,
  // where the runner masks the workflow's secrets (a comment is not masked, and may be public).
  let step = 'creating the namespace'
  try {
    if (check.createNamespace) {
      // First, so that prune finds this preview by its namespace whatever fails next.
      await createNamespace(
        kube,
        namespace,
        { 'app.kubernetes.io/managed-by': FIELD_MANAGER, ...previewLabels(identity) },
        { [PREVIEW_ANNOTATION.previewOf]: previewOf(identity), [PREVIEW_ANNOTATION.gatewayResource]: p.gatewayResource }
      )
    }
    step = 'creating the gateway resource in API Management'
    await gateways.putGateway(gatewayLocation(identity), gatewayDescription(identity, p.context.serverUrl))
    core.info(`Gateway resource '${apim.gatewayName}' ${existing ? 'updated' : 'created'} in API Management service '${apim.serviceName}'.`)
    step = 'associating the APIs with the gateway'
    await syncApis(gateways, p.apis)

    step = 'rolling out the gateway'
    const rolled = await rollOut(kube, settings, {
      token: async () => {
        step = 'minting the gateway token'
        const { gatewayApi } = await import('./azure/gateway-token.js')
        const minted = await mint(gatewayApi(azure.credential, p.token, apim), p.token)
        step = 'rolling out the gateway'
        return minted
      }
    })

    step = 'reporting the preview'
    let gatewayUrl: string | undefined
    if (settings.wait && settings.gateway.serviceType === 'LoadBalancer') {
      const service = objectNames(settings.gateway.name).service
      gatewayUrl = await core.group(`Waiting for Service '${service}' to get a load-balancer address`, () => waitForAddress(kube, settings.kube.namespace, service, p.addressTimeoutMs))
      if (gatewayUrl) core.info(`Gateway URL: ${gatewayUrl}`)
      else core.warning(`Service '${service}' got no load-balancer address within ${Math.round(p.addressTimeoutMs / 1000)} s (input 'address-timeout'). The gateway is Ready; the cluster may have no load-balancer controller (MetalLB, a cloud provider), or it is slow. 'gateway-url' is empty.`)
    }

    const description = settings.wait ? 'API Management gateway preview is Ready' : 'API Management gateway preview applied (not waited for)'
    await github.setStatus(deploymentId, 'success', { description, environmentUrl: gatewayUrl, logUrl: p.context.runUrl })
    const address = gatewayUrl ?? (settings.gateway.serviceType !== 'LoadBalancer' ? `none (service-type ${settings.gateway.serviceType})` : !settings.wait ? 'not waited for (wait: false)' : undefined)
    await github.upsertComment(p.pullRequest, facts.marker, renderComment({ ...facts, at: new Date() }, { state: 'ready', gatewayUrl, address, readyReplicas: settings.wait ? rolled.ready : undefined, tokenExpiresOn: rolled.minted.token.expiresOn.toISOString(), commit }))
    await writeReport({ ...deployReport(settings, rolled), preview: { pullRequest: p.pullRequest, gatewayName: apim.gatewayName, apis: p.apis, gatewayUrl } })
  } catch (error) {
    // The pull request shows the failure too; reporting it must not hide the error itself.
    const reason = `The preview failed while ${step}. The run's log says why, and how to fix it.`
    await github.setStatus(deploymentId, 'failure', { description: 'The API Management gateway preview failed', logUrl: p.context.runUrl }).catch(e => core.warning(`Could not mark the GitHub deployment failed: ${describeError(e)}`))
    await github.upsertComment(p.pullRequest, facts.marker, renderComment({ ...facts, at: new Date() }, { state: 'failed', reason, commit })).catch(e => core.warning(`Could not update the pull-request comment: ${describeError(e)}`))
    throw error
  }
}

/**
 * The preview's namespace can take it: not being deleted, and no object of the preview's names that
 * is someone else's (a production gateway, another preview, another service's preview of this pull
 * request) — applying over it would take it over, and teardown would then delete it.
 */
async function checkNamespace(kube: Kube, settings: Settings, identity: PreviewIdentity): Promise<void> {
  const { namespace } = settings.kube
  const { apim } = settings
  const p = settings.preview!
  if (await namespaceTerminating(kube, namespace)) {
    throw new ActionError(`Namespace '${namespace}' is still being deleted (a teardown of this preview has not finished). Nothing was changed.\nFix: re-run this job once the namespace is gone (\`kubectl get namespace ${namespace}\`); a finalizer that never completes keeps it terminating.`)
  }
  const foreign = await foreignObjects(kube, namespace, objectNames(settings.gateway.name), identity)
  if (foreign.length > 0) {
    throw new ActionError(
      `Namespace '${namespace}' already holds ${foreign.join(', ')}, not labelled as the preview of ${previewOf(identity)}: applying the preview would take ${foreign.length === 1 ? 'it' : 'them'} over, and its teardown would delete ${foreign.length === 1 ? 'it' : 'them'}. Nothing was changed.\nFix: give each preview its own namespace (e.g. \`namespace: apim-pr-\${{ github.event.number }}\`) or, in a shared namespace, its own object names (\`name: pr-\${{ github.event.number }}\`).`
    )
  }
  // Same names, same pull request, another gateway (another API Management service): its objects.
  const recorded = await recordedGateway(kube, namespace, settings.gateway.name)
  if (recorded && recorded.toLowerCase() !== p.gatewayResource.toLowerCase()) {
    throw new ActionError(
      `Namespace '${namespace}' already holds a preview of this pull request for another gateway resource (${recorded}) under the object name '${settings.gateway.name}'. Nothing was changed.\nFix: give each gateway's preview its own namespace (e.g. \`namespace: apim-${apim.serviceName}-pr-\${{ github.event.number }}\`) or its own \`name\`.`
    )
  }
}

/** Associates exactly the listed APIs: new ones added, ones no longer listed removed. */
async function syncApis(gateways: PreviewGatewayApi, apis: string[]): Promise<void> {
  const current = await gateways.gatewayApis()
  const wanted = new Set(apis.map(a => a.toLowerCase()))
  const have = new Set(current.map(a => a.toLowerCase()))
  const add = apis.filter(a => !have.has(a.toLowerCase()))
  const remove = current.filter(a => !wanted.has(a.toLowerCase()))
  await Promise.all([...add.map(a => gateways.addApi(a)), ...remove.map(a => gateways.removeApi(a))])
  core.info(`APIs served by the gateway: ${apis.join(', ') || 'none'}${add.length ? ` (added ${add.join(', ')})` : ''}${remove.length ? ` (removed ${remove.join(', ')})` : ''}.`)
}
