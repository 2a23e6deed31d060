import * as core from '@actions/core'

export interface DeployReport {
  namespace: string
  deployment: string
  secretName: string
  tokenExpiresOn: string
  keyType: string
  configEndpoint: string
  readyReplicas: number
  desiredReplicas: number
  waited: boolean
  rotation?: { rotated: boolean; previousKeyType: string; revoked: boolean }
  preview?: { pullRequest: number; gatewayName: string; apis: string[]; gatewayUrl?: string }
}

/** Step outputs and the job summary: the same facts, never the token. */
export async function writeReport(report: DeployReport): Promise<void> {
  const outputs: Record<string, string> = {
    namespace: report.namespace,
    deployment: report.deployment,
    'secret-name': report.secretName,
    'token-expires-on': report.tokenExpiresOn,
    'key-type': report.keyType,
    'config-endpoint': report.configEndpoint,
    'ready-replicas': String(report.readyReplicas)
  }
  if (report.rotation) {
    outputs.rotated = String(report.rotation.rotated)
    outputs['previous-key-type'] = report.rotation.previousKeyType
    outputs.revoked = String(report.rotation.revoked)
  }
  if (report.preview) {
    outputs['gateway-url'] = report.preview.gatewayUrl ?? ''
    outputs.skipped = 'false'
  }
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)

  const ready = report.waited ? `${report.readyReplicas}/${report.desiredReplicas}` : `not waited for (${report.desiredReplicas} desired)`
  const heading = report.preview
    ? `API Management gateway preview of pull request #${report.preview.pullRequest} deployed`
    : !report.rotation
    ? 'API Management self-hosted gateway deployed'
    : report.rotation.rotated
      ? 'API Management gateway token rotated'
      : 'API Management gateway token not due for rotation'
  const rotationRows = report.rotation
    ? [
        ['Rotated', String(report.rotation.rotated)],
        ['Previous token\'s key', report.rotation.previousKeyType],
        ['Previous key regenerated', String(report.rotation.revoked)]
      ]
    : []
  const previewRows = report.preview
    ? [
        ['Gateway URL', report.preview.gatewayUrl ?? 'no load-balancer address yet'],
        ['Gateway resource', report.preview.gatewayName],
        ['APIs', report.preview.apis.join(', ') || 'none']
      ]
    : []
  await core.summary
    .addHeading(heading, 2)
    .addTable([
      [{ data: 'Fact', header: true }, { data: 'Value', header: true }],
      ['Namespace', report.namespace],
      ['Deployment', report.deployment],
      ['Ready replicas', ready],
      ['Token Secret', report.secretName],
      ['Token expires on (UTC)', report.tokenExpiresOn],
      ['Key the token was minted from', report.keyType],
      ['Configuration endpoint', report.configEndpoint],
      ...rotationRows,
      ...previewRows
    ])
    .write()
}

/** What a teardown or prune removed, and what was already gone. */
export async function writeRemovalReport(heading: string, rows: { what: string; outcome: string }[], outputs: Record<string, string> = {}): Promise<void> {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
  await core.summary
    .addHeading(heading, 2)
    .addTable([[{ data: 'What', header: true }, { data: 'Outcome', header: true }], ...rows.map(r => [r.what, r.outcome])])
    .write()
}

/** A pull request the action may not act for (fork, Dependabot) with `skip-on-fork: true`. */
export async function writeSkipped(reason: string): Promise<void> {
  core.setOutput('skipped', 'true')
  await core.summary.addHeading('API Management gateway preview skipped', 2).addRaw(reason, true).write()
}
