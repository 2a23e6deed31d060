import { describe, expect, it } from '@jest/globals'
import type * as k8s from '@kubernetes/client-node'
import { deployPermissions, describePermission } from '../src/kube/access.js'
import { applyOrder } from '../src/kube/apply.js'
import { describePod } from '../src/kube/diagnostics.js'
import { renderManifests } from '../src/kube/manifests.js'
import { readSettings } from '../src/settings.js'
import { parseGatewayToken } from '../src/token.js'
import { DAY_MS, inputs, makeToken, MINIMAL_OIDC } from '../__fixtures__/gateway.js'

describe('deployPermissions', () => {
  it('needs get, patch and create on each applied kind, and the lock Lease verbs', () => {
    const names = deployPermissions(false).map(describePermission)
    for (const kind of ['secrets', 'configmaps', 'services', 'deployments.apps']) {
      for (const verb of ['get', 'patch', 'create']) expect(names).toContain(`${verb} ${kind}`)
    }
    for (const verb of ['get', 'create', 'update', 'delete']) expect(names).toContain(`${verb} leases.coordination.k8s.io`)
    expect(deployPermissions(false).every(p => p.required)).toBe(true)
    expect(names).toHaveLength(16)
  })

  it('adds watching the Deployment (required) and pods, logs and events (diagnostics only) when waiting', () => {
    const extra = deployPermissions(true).slice(16)
    expect(extra.filter(p => p.required).map(describePermission).sort()).toEqual(['list deployments.apps', 'watch deployments.apps'])
    expect(extra.filter(p => !p.required).map(describePermission).sort()).toEqual(['get pods/log', 'list events', 'list pods', 'watch pods'])
  })
})

describe('applyOrder', () => {
  it('applies the Secret and ConfigMap before the Deployment that reads them', () => {
    const settings = readSettings(inputs(MINIMAL_OIDC), new Date(Date.UTC(2030, 0, 1)))
    const token = parseGatewayToken(makeToken('gw-eu', new Date(Date.UTC(2030, 0, 1) + DAY_MS)))!
    const kinds = applyOrder(renderManifests(settings, token, 'primary')).map(o => o.kind)
    expect(kinds).toHaveLength(4)
    expect(kinds.indexOf('Secret')).toBeLessThan(kinds.indexOf('Deployment'))
    expect(kinds.indexOf('ConfigMap')).toBeLessThan(kinds.indexOf('Deployment'))
    expect(new Set(kinds)).toEqual(new Set(['Secret', 'ConfigMap', 'Service', 'Deployment']))
  })
})

describe('describePod', () => {
  it('lists each container state, restarts, the previous run and failing conditions', () => {
    const pod: k8s.V1Pod = {
      metadata: { name: 'apim-gateway-7c9-abcde' },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [apim-gateway]' },
          { type: 'PodScheduled', status: 'True' }
        ],
        containerStatuses: [
          {
            name: 'apim-gateway',
            ready: false,
            restartCount: 4,
            image: 'x',
            imageID: '',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } },
            lastState: { terminated: { exitCode: 139, reason: 'Error' } }
          }
        ]
      }
    }
    expect(describePod(pod)).toEqual([
      'Pod apim-gateway-7c9-abcde: phase Running, not ready',
      '  container apim-gateway: waiting: CrashLoopBackOff — back-off 1m20s; restarts 4',
      '  previous run: Error (exit code 139)',
      '  Ready: ContainersNotReady containers with unready status: [apim-gateway]'
    ])
  })

  it('says when a running container does not pass its readiness probe', () => {
    const pod: k8s.V1Pod = { metadata: { name: 'p' }, status: { containerStatuses: [{ name: 'apim-gateway', ready: false, restartCount: 0, image: 'x', imageID: '', state: { running: {} } }] } }
    expect(describePod(pod)).toEqual(['Pod p: phase Unknown, not ready', '  container apim-gateway: running, readiness probe not passing; restarts 0'])
  })
})
