/** What preview, teardown and prune share: the Azure and GitHub clients, the comment's facts. */
import type { PreviewGatewayApi } from '../azure/preview-gateway.js'
import type { TokenCredential } from '@azure/identity'
import { ActionError } from '../errors.js'
import type { PreviewGitHub } from '../github/api.js'
import type { ArmTokenSettings, PreviewSettings, Settings } from '../settings.js'
import { signInToAzure } from '../steps.js'
import type { CommentFacts } from './comment.js'
import { commentMarker, type PreviewIdentity } from './naming.js'

export function previewSettings(settings: Settings): PreviewSettings & { token: ArmTokenSettings } {
  if (!settings.preview || settings.token.source !== 'arm') throw new ActionError(`'command: ${settings.command}' needs the Azure sign-in inputs.`)
  return { ...settings.preview, token: settings.token }
}

export function identityOf(settings: Settings): PreviewIdentity {
  return { repository: settings.preview!.repository, pullRequest: settings.preview!.pullRequest }
}

export async function connectAzure(token: ArmTokenSettings): Promise<{ credential: TokenCredential; preview: (apim: Settings['apim']) => PreviewGatewayApi }> {
  const [credential, { previewGatewayApi }] = await Promise.all([signInToAzure(token), import('../azure/preview-gateway.js')])
  return { credential, preview: apim => previewGatewayApi(credential, token, apim) }
}

export async function connectGitHub(preview: PreviewSettings): Promise<PreviewGitHub> {
  // Loaded on demand: deploys and rotations never pay for Octokit.
  const { previewGitHub } = await import('../github/api.js')
  return previewGitHub(preview.githubToken, preview.repository)
}

export function commentFacts(settings: Settings): CommentFacts {
  return {
    marker: commentMarker(settings.apim.serviceName, settings.apim.gatewayName),
    gatewayName: settings.apim.gatewayName,
    serviceName: settings.apim.serviceName,
    namespace: settings.kube.namespace,
    apis: settings.preview!.apis,
    runUrl: settings.preview!.context.runUrl,
    at: new Date()
  }
}
