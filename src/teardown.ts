/**
 * `command: teardown`: removes what `preview` created for a pull request — the namespace it created
 * (or, in a namespace it did not create, only the objects with its labels), the gateway resource
 * (only when its description says it is this pull request's preview) and its API associations —
 * then marks the GitHub deployment inactive and updates the comment. Re-runnable: what is already
 * gone is reported as such.
 */
import * as core from '@actions/core'
import type { PreviewGatewayApi } from './azure/preview-gateway.js'
import { ActionError } from './errors.js'
import type { PreviewGitHub } from './github/api.js'
import { describePermission, missingPermissions, teardownPermissions } from './kube/access.js'
import type { Kube } from './kube/client.js'
import { connect } from './kube/client.js'
import { deleteLabelled, deleteNamespace, inspectNamespace, otherObjects, recordedGateway, releaseNamespace } from './kube/previews.js'
import { renderComment } from './preview/comment.js'
import { environmentName, ownsGateway, previewOf } from './preview/naming.js'
import { commentFacts, connectAzure, connectGitHub, identityOf, previewSettings } from './preview/shared.js'
import { writeRemovalReport } from './report.js'
import type { Settings } from './settings.js'

export interface Removal {
  what: string
  outcome: string
  /** False when it was already gone. */
  removed: boolean
}

export async function teardown(settings: Settings): Promise<void> {
  const p = previewSettings(settings)
  const kube = connect(settings.kube)
  const [azure, github] = await Promise.all([connectAzure(p.token), connectGitHub(p)])
  const removals = await removePreview(kube, azure.preview(settings.apim), github, settings)
  const nothing = removals.every(r => !r.removed)
  core.info(nothing ? 'Nothing to do: the preview was already gone.' : 'Preview removed.')
  await writeRemovalReport(`API Management gateway preview of pull request #${p.pullRequest} ${nothing ? 'was already gone' : 'removed'}`, removals, { skipped: 'false' })
}

/**
 * Removes one preview; also used by prune. Everything that can refuse is asked first. Then GitHub
 * (which proves the token's permissions), then API Management, then the cluster last: a preview
 * whose removal stops half-way keeps its labelled namespace, through which prune finds it again.
 */
export async function removePreview(kube: Kube, gateways: PreviewGatewayApi, github: PreviewGitHub, settings: Settings): Promise<Removal[]> {
  const identity = identityOf(settings)
  const { namespace } = settings.kube
  const { gatewayName, serviceName } = settings.apim

  // --- checks, before anything is removed
  const [facts, gateway] = await Promise.all([inspectNamespace(kube, namespace, identity, settings.gateway.name), gateways.getGateway()])
  if (gateway && !ownsGateway(gateway.description, identity)) {
    throw new ActionError(
      `Gateway '${gatewayName}' in API Management service '${serviceName}' is not the preview of ${previewOf(identity)} (its description does not say so), so teardown does not delete it. Nothing was removed.\nFix: check 'gateway-name' and 'pull-request'; teardown only deletes gateways that 'command: preview' created for this pull request.`
    )
  }
  if (facts.state !== 'missing') {
    // The preview records its gateway; another gateway-name would delete the namespace and leave
    // the real gateway (and its APIs) behind for good.
    const recorded = (await recordedGateway(kube, namespace, settings.gateway.name)) ?? facts.gatewayResource
    const given = settings.preview!.gatewayResource
    if (recorded && given && recorded.toLowerCase() !== given.toLowerCase()) {
      throw new ActionError(
        `The preview in namespace '${namespace}' was created for gateway resource ${recorded}, but this teardown was given ${given}. Nothing was removed.\nFix: use the same 'gateway-name', 'service-name', 'resource-group' and 'subscription-id' as the preview step.`
      )
    }
    const missing = await missingPermissions(kube, namespace, teardownPermissions(facts.state === 'owned' ? 'owned' : facts.created ? 'created-shared' : 'shared'))
    if (missing.length > 0) {
      throw new ActionError(
        `The Kubernetes identity may not ${missing.map(describePermission).join(', ')} in namespace '${namespace}', which teardown needs. Nothing was removed.\nFix: grant it the ClusterRole in examples/kubernetes-preview-clusterrole.yaml (README: "Pull-request previews").`
      )
    }
  }

  const removals: Removal[] = []
  const note = (what: string, outcome: string, removed: boolean): void => {
    core.info(`${what}: ${outcome}`)
    removals.push({ what, outcome, removed })
  }
  const commentOf = commentFacts(settings)
  const commented = await github.updateComment(identity.pullRequest, commentOf.marker, renderComment(commentOf, { state: 'removing' }))
  const environment = environmentName(serviceName, gatewayName)
  const deactivated = await github.deactivate(environment, 'The API Management gateway preview was removed')
  note(`GitHub deployments of environment ${environment}`, deactivated > 0 ? `${deactivated} marked inactive` : 'already inactive (or none)', deactivated > 0)

  if (gateway) {
    const apis = await gateways.gatewayApis()
    await Promise.all(apis.map(api => gateways.removeApi(api)))
    note(`API associations of gateway ${gatewayName}`, apis.length > 0 ? `removed ${apis.join(', ')}` : 'none', apis.length > 0)
    // Just read above: it exists, so this is the call that deletes it.
    await gateways.deleteGateway()
    note(`Gateway resource ${gatewayName} in ${serviceName}`, 'deleted', true)
  } else {
    note(`Gateway resource ${gatewayName} in ${serviceName}`, 'already gone', false)
  }

  // Asked again right before: something may have moved in while GitHub and Azure were answering.
  if (facts.state === 'owned') {
    const others = await otherObjects(kube, namespace, identity, settings.gateway.name)
    if (others.length > 0) Object.assign(facts, { state: 'shared', others: others.map(o => o.name), foreign: others.some(o => !o.samePullRequest) })
  }
  if (facts.state === 'owned') {
    const gone = await deleteNamespace(kube, namespace, settings.timeoutMs)
    note(`Namespace ${namespace}`, gone ? 'deleted' : 'deletion started; still terminating', true)
  } else if (facts.state === 'shared') {
    const deleted = await deleteLabelled(kube, namespace, settings.gateway.name, identity)
    // A namespace this pull request's preview created that others now use stays, no longer labelled
    // as its own; one that only holds its other gateways keeps the labels, for their teardown.
    if (facts.created && facts.foreign) await releaseNamespace(kube, namespace)
    const kept = facts.created
      ? `; the namespace stays${facts.foreign ? ", without the preview's labels" : ''}: it also holds ${facts.others.slice(0, 5).join(', ')}${facts.others.length > 5 ? ', …' : ''}`
      : ''
    note(
      `Preview objects in namespace ${namespace}`,
      deleted.length > 0 ? `deleted ${deleted.join(', ')} (objects without this preview's labels left alone${kept})` : `already gone (nothing there carries this preview's labels${kept})`,
      deleted.length > 0
    )
  } else {
    note(`Namespace ${namespace}`, 'already gone', false)
  }

  if (commented) {
    const body = renderComment(
      { ...commentOf, at: new Date() },
      // What only, not the outcome: that can name other teams' objects, and the comment may be public.
      { state: 'removed', removed: removals.filter(r => r.removed).map(r => r.what), alreadyGone: removals.filter(r => !r.removed).map(r => r.what) }
    )
    await github.updateComment(identity.pullRequest, commentOf.marker, body)
  }
  core.info(commented ? 'Pull-request comment updated.' : 'No preview comment on the pull request to update.')
  return removals
}
