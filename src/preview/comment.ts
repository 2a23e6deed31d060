/** The pull-request comment of a preview, in each state of its life. Pure; never holds a token. */
export type CommentState =
  | { state: 'deploying'; commit?: string }
  | { state: 'ready'; gatewayUrl?: string; address?: string; readyReplicas?: number; tokenExpiresOn: string; commit?: string }
  | { state: 'failed'; reason: string; commit?: string }
  | { state: 'removing' }
  | { state: 'removed'; removed: string[]; alreadyGone: string[] }

export interface CommentFacts {
  marker: string
  gatewayName: string
  serviceName: string
  namespace: string
  apis: string[]
  runUrl?: string
  at: Date
}

/** A table cell: a `|` would end it early. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

export function renderComment(facts: CommentFacts, state: CommentState): string {
  const time = facts.at.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const run = facts.runUrl ? ` ([run](${facts.runUrl}))` : ''
  const commit = 'commit' in state && state.commit ? ` for ${state.commit.slice(0, 7)}` : ''
  const apis = facts.apis.length > 0 ? facts.apis.map(a => `\`${a}\``).join(', ') : '_none_'
  const rows = (extra: [string, string][]): string[] => [
    '| | |',
    '|---|---|',
    ...extra.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    `| Gateway resource | ${cell(`\`${facts.gatewayName}\``)} in API Management \`${facts.serviceName}\` |`,
    `| APIs | ${cell(apis)} |`,
    `| Namespace | \`${facts.namespace}\` |`
  ]
  let lines: string[]
  switch (state.state) {
    case 'deploying':
      lines = [`### ⏳ API gateway preview: deploying${commit}`, '', ...rows([]), '', `_Started ${time}${run}._`]
      break
    case 'ready':
      lines = [
        `### ✅ API gateway preview: ready${commit}`,
        '',
        ...rows([
          ['URL', state.gatewayUrl ?? (state.address ? `_${state.address}_` : '_no load-balancer address yet_ (see the run\'s warning)')],
          ['Replicas Ready', state.readyReplicas === undefined ? '_not waited for_' : String(state.readyReplicas)],
          ['Token expires (UTC)', state.tokenExpiresOn]
        ]),
        '',
        `_Updated ${time}${run}. Removed when this pull request closes._`
      ]
      break
    case 'failed':
      lines = [`### ❌ API gateway preview: failed${commit}`, '', state.reason.slice(0, 1000), '', ...rows([]), '', `_Updated ${time}${run}._`]
      break
    case 'removing':
      lines = ['### 🧹 API gateway preview: being removed', '', `_Started ${time}${run}._`]
      break
    case 'removed':
      lines = [
        '### 🧹 API gateway preview: removed',
        '',
        ...(state.removed.length > 0 ? [`Removed: ${state.removed.join('; ')}.`] : []),
        ...(state.alreadyGone.length > 0 ? [`Already gone: ${state.alreadyGone.join('; ')}.`] : []),
        '',
        `_Updated ${time}${run}._`
      ]
      break
  }
  return [facts.marker, ...lines].join('\n')
}
