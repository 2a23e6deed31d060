/**
 * `command: prune` (nightly): finds this repository's previews through the action's labels and
 * tears down those whose pull request is closed, or which are older than `max-age`.
 */
import * as core from '@actions/core'
import { formatDuration } from './duration.js'
import { ActionError, describeError } from './errors.js'
import { connect } from './kube/client.js'
import { listPreviews, type FoundPreview } from './kube/previews.js'
import { parseGatewayResourceId } from './preview/naming.js'
import { connectAzure, connectGitHub, previewSettings } from './preview/shared.js'
import { writeRemovalReport } from './report.js'
import type { Settings } from './settings.js'
import { removePreview } from './teardown.js'

export async function prune(settings: Settings): Promise<void> {
  const p = previewSettings(settings)
  const kube = connect(settings.kube)
  const [found, github] = await Promise.all([listPreviews(kube, p.repository, settings.kube.namespace || undefined, settings.gateway.name), connectGitHub(p)])
  core.info(`Found ${found.length} preview(s) of ${p.repository}.`)

  const rows: { what: string; outcome: string }[] = []
  const failures: string[] = []
  const doomed: { preview: FoundPreview; reason: string; gatewayName: string }[] = []
  for (const preview of found) {
    const what = `#${preview.pullRequest}: ${preview.namespace}/${preview.name}`
    let state: 'open' | 'closed' | 'missing'
    try {
      state = await github.pullRequestState(preview.pullRequest)
    } catch (error) {
      // One pull request GitHub cannot tell about must not keep the others.
      const message = describeError(error)
      failures.push(`${what}: ${message}`)
      rows.push({ what, outcome: `kept: ${message.split('\n')[0]}` })
      continue
    }
    const ageMs = Date.now() - preview.createdAt.getTime()
    const reason = state === 'closed' ? 'pull request closed' : state === 'open' && ageMs > p.maxAgeMs ? `older than max-age (${formatDuration(ageMs)})` : undefined
    if (!reason) {
      const why = state === 'missing' ? `kept: ${p.repository} has no pull request #${preview.pullRequest} that github-token can see` : `kept: pull request open, ${formatDuration(ageMs)} old`
      if (state === 'missing') core.warning(`${what} ${why}.`)
      rows.push({ what, outcome: why })
      continue
    }
    const gateway = preview.gatewayResource ? parseGatewayResourceId(preview.gatewayResource) : undefined
    const sameService =
      gateway &&
      gateway.subscriptionId.toLowerCase() === p.token.azure.subscriptionId.toLowerCase() &&
      gateway.resourceGroup.toLowerCase() === settings.apim.resourceGroup.toLowerCase() &&
      gateway.serviceName.toLowerCase() === settings.apim.serviceName.toLowerCase()
    if (!gateway || !sameService) {
      const outcome = `not removed (${reason}): it belongs to ${gateway ? `API Management service '${gateway.serviceName}' (resource group '${gateway.resourceGroup}')` : 'an unrecorded API Management service'}; prune it with that service's inputs`
      core.warning(`${what} ${outcome}.`)
      rows.push({ what, outcome })
      continue
    }
    doomed.push({ preview, reason, gatewayName: gateway.gatewayName })
  }

  const pruned: number[] = []
  if (doomed.length > 0) {
    const azure = await connectAzure(p.token)
    for (const { preview, reason, gatewayName } of doomed) {
      const what = `#${preview.pullRequest}: ${preview.namespace}/${preview.name}`
      const one: Settings = {
        ...settings,
        apim: { ...settings.apim, gatewayName },
        kube: { ...settings.kube, namespace: preview.namespace },
        gateway: { ...settings.gateway, name: preview.name },
        preview: { ...settings.preview!, pullRequest: preview.pullRequest, gatewayResource: preview.gatewayResource ?? '' }
      }
      try {
        const removals = await core.group(`Removing the preview of pull request #${preview.pullRequest} (${reason})`, () => removePreview(kube, azure.preview(one.apim), github, one))
        if (removals.some(r => r.removed)) {
          pruned.push(preview.pullRequest)
          rows.push({ what, outcome: `removed (${reason})` })
        } else {
          rows.push({ what, outcome: `already gone (${reason})` })
        }
      } catch (error) {
        // One preview that cannot go must not keep the others.
        const message = describeError(error)
        failures.push(`${what}: ${message}`)
        rows.push({ what, outcome: `FAILED: ${message.split('\n')[0]}` })
      }
    }
  }
  await writeRemovalReport(`API Management gateway previews pruned: ${pruned.length} removed, ${found.length - pruned.length} kept or already gone`, rows, { pruned: pruned.join(',') })
  if (failures.length > 0) throw new ActionError(`${failures.length} preview(s) could not be removed:\n${failures.join('\n')}`)
}
