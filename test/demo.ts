/**
 * `npm run demo`: the action's main job on the embedded default — a local control plane, a fake
 * kubelet and the Azure/GitHub emulator. Deploys the gateway with dist/index.js exactly as the
 * Actions runner would, waits for Ready, prints the step log, outputs and summary, cleans up.
 */
import globalSetup from './global-setup.js'
import globalTeardown from './global-teardown.js'
import { findLeaks } from './runner.js'
import { createWorld } from './e2e/world.js'

const say = (line = ''): void => void process.stdout.write(`${line}\n`)

async function demo(): Promise<number> {
  const started = Date.now()
  say('Starting the local cluster (etcd, kube-apiserver, kube-controller-manager), fake kubelet and Azure/GitHub emulator…')
  await globalSetup()
  say(`Harness up in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
  try {
    const world = await createWorld('demo')
    say()
    say('The step, as a workflow would write it:')
    say('  - uses: <owner>/apim-gateway-action@v1')
    say('    with:')
    for (const [name, value] of Object.entries(world.inputs)) {
      say(`      ${name}: ${name === 'kubeconfig' ? '<kubeconfig of user "deployer", bound to examples/kubernetes-role.yaml>' : value}`)
    }
    say()
    say('──── step log (dist/index.js) ────')
    // The runner consumes add-mask commands and hides debug lines unless step debugging is on.
    const run = await world.run({ onLine: line => { if (!/^::(add-mask|debug)::/.test(line)) say(`  ${line}`) } })
    if (run.stderr) say(run.stderr)
    say('──── outputs ────')
    for (const [name, value] of Object.entries(run.outputs)) say(`  ${name} = ${value}`)
    say('──── job summary ────')
    say(run.summary.trim())
    say('─────────────────')
    const pods = await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=apim-gateway' })
    for (const pod of pods.items) {
      const ready = pod.status?.conditions?.find(c => c.type === 'Ready')?.status === 'True'
      say(`pod ${pod.metadata?.name}: ${pod.status?.phase}, ${ready ? 'Ready' : 'not Ready'}`)
    }
    const leaks = findLeaks(run, [...world.tokens])
    say(leaks.length === 0 ? 'Token scan: no form of the token in the log, outputs or summary.' : `TOKEN LEAKED: ${leaks.join('; ')}`)
    say(`Step ${run.code === 0 ? 'succeeded' : `failed (exit ${run.code})`} in ${(run.durationMs / 1000).toFixed(1)} s.`)
    return run.code === 0 && leaks.length === 0 ? 0 : 1
  } finally {
    say('Cleaning up…')
    await globalTeardown()
    say('Done: every process stopped and every temp dir removed.')
  }
}

process.exitCode = await demo().catch(error => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  return 1
})
