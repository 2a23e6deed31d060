import { ActionError, firstLine } from '../errors.js'
import { redactor } from '../redact.js'
import type { AzureSettings } from '../settings.js'

export interface PresentedClaims {
  subject: string
  issuer: string
  audience: string
}

const SUBJECT_FORMS =
  'The subject must equal the ID token\'s `sub` exactly (case-sensitive): `repo:<owner>/<repo>:ref:refs/heads/<branch>` for a branch, ' +
  '`repo:<owner>/<repo>:environment:<name>` when the job has `environment:`, `repo:<owner>/<repo>:pull_request` for pull requests.'

/** Hints for the AADSTS codes a GitHub OIDC sign-in meets in practice. */
const HINTS: Record<string, (azure: AzureSettings, claims?: PresentedClaims) => string> = {
  '700213': (_a, c) => `No federated credential of the app matches the subject GitHub presented${c ? ` ('${c.subject}')` : ''}. Add a federated credential with exactly that subject, or run the job where it matches. ${SUBJECT_FORMS}`,
  '70021': (_a, c) => `No federated credential matches what GitHub presented${c ? ` (subject '${c.subject}', issuer '${c.issuer}', audience '${c.audience}')` : ''}. ${SUBJECT_FORMS}`,
  '7002138': (_a, c) => `A federated credential matches the subject${c ? ` '${c.subject}'` : ''} only when case is ignored. Subjects are case-sensitive: fix the owner, repository, branch or environment name's case in the federated credential.`,
  '700212': (a, c) => `No federated credential accepts the audience${c ? ` '${c.audience}'` : ''}. The credential's audience must equal the action's \`audience\` input ('${a.audience}'); the usual value is api://AzureADTokenExchange.`,
  '700211': (_a, c) => `No federated credential has the issuer${c ? ` '${c.issuer}'` : ''}. For GitHub.com it is https://token.actions.githubusercontent.com (GitHub Enterprise Cloud with a custom issuer adds your enterprise slug).`,
  '700016': a => `Entra found no application with client ID '${a.clientId}' in tenant '${a.tenantId}'. Check \`client-id\` (the application/client ID, not the object ID) and \`tenant-id\`.`,
  '90002': a => `Entra found no tenant '${a.tenantId}'. Check \`tenant-id\` and \`environment\` (sovereign clouds have their own tenants).`,
  '700024': () => 'The ID token was outside its valid time when Entra checked it. Check the runner\'s clock; the action fetches a fresh ID token for every Azure token, so this is not caused by a long job.',
  '50013': () => 'Entra could not verify the ID token\'s signature. The issuer in the federated credential must be the one GitHub uses for this repository.'
}

/** Turns a refused sign-in into a message with the cause, what GitHub presented, and the fix. */
export function describeEntraError(error: unknown, azure: AzureSettings, claims?: PresentedClaims): ActionError {
  if (error instanceof ActionError) return error
  const raw = error instanceof Error ? error.message : String(error)
  const code = /AADSTS(\d+)/.exec(raw)?.[1]
  const summary = code ? firstLine(raw.slice(raw.indexOf(`AADSTS${code}`))).replace(/\s*Trace ID:.*$/, '') : firstLine(raw)
  const lines = [`Azure sign-in was refused (tenant '${azure.tenantId}', client ID '${azure.clientId}', authority ${azure.authorityHost}): ${summary}`]
  if (claims) lines.push(`GitHub presented: subject '${claims.subject}', issuer '${claims.issuer}', audience '${claims.audience}'.`)
  const hint = code ? HINTS[code] : undefined
  if (hint) lines.push(`Fix: ${hint(azure, claims)}`)
  else if (!code) lines.push(`Fix: check that ${azure.authorityHost} is reachable from the runner and that \`environment\` / \`authority-host\` name the right cloud.`)
  return new ActionError(redactor.redact(lines.join('\n')))
}
