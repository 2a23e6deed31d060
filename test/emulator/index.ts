/**
 * Azure + GitHub emulator for the action's tests: four HTTPS listeners on 127.0.0.1 (GitHub's
 * ID-token endpoint, Entra, ARM, GitHub's REST API) behind one throwaway CA, plus an admin API for
 * tests in other processes. State lives in memory and is keyed by the names tests choose, so parallel tests
 * share one emulator without a reset.
 */
import { readFileSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTlsMaterial } from './tls.js'
import { CallLog, startListener, type Listener } from './http.js'
import { Faults } from './faults.js'
import { GitHubOidc } from './github.js'
import { API_PREFIX, GitHubRest } from './github-rest.js'
import { Entra } from './entra.js'
import { Apim } from './apim.js'
import { Rbac } from './rbac.js'
import { createArmHandler } from './arm.js'
import { createAdminHandler } from './admin.js'
import { EmulatorClient, type EmulatorUrls } from './client.js'

export { EmulatorClient } from './client.js'
export type { DeploymentStatusView, DeploymentView, EmulatorUrls, GatewayConfigResult, IssueCommentView, PullView } from './client.js'
export type { AddRepoOptions, PullSpec, TokenPermissions } from './github-rest.js'
export type { CreateJobOptions, JobInfo, JobStats } from './github.js'
export type { AddAppOptions, FederatedCredential, IssueAccessTokenOptions } from './entra.js'
export type { AddApiOptions, AddServiceOptions, GatewayRef, GatewayStateView, TokenCheck } from './apim.js'
export type { GrantOptions } from './rbac.js'
export type { CallFilter, CallRecord } from './http.js'
export type { FaultSpec, ListenerName } from './faults.js'
export type { KeyType } from './gateway-token.js'
export { GITHUB_ISSUER } from './github.js'
export { ENTRA_CLOCK_SKEW_SECONDS } from './entra.js'
export { ARM_CLOCK_SKEW_SECONDS, GATEWAY_API_VERSIONS } from './arm.js'
export { formatExpiry, parseToken } from './gateway-token.js'

export interface Emulator {
  urls: EmulatorUrls
  /** PEM file of the CA: give it to the action as NODE_EXTRA_CA_CERTS. */
  caFile: string
  caPem: string
  adminUrl: string
  client: EmulatorClient
  stop(): Promise<void>
}

/** Structurally identical to test/cluster/kubelet.ts's ReadinessDecider (see HARNESS.md). */
export type ReadinessDecider = (c: { namespace: string; pod: string; container: string; image: string;
  env: Record<string, string> }) => Promise<{ ready: boolean; log: string[] }>

export async function startEmulator(opts: { log?: (line: string) => void } = {}): Promise<Emulator> {
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'apim-emulator-'))
  const listeners: Listener[] = []
  // The CA key lives here: remove it even when the owner exits without calling stop().
  const onExit = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', onExit)
  const cleanup = async () => {
    await Promise.all(listeners.map(l => l.close()))
    await rm(dir, { recursive: true, force: true })
    process.removeListener('exit', onExit)
  }
  try {
    const tls = await createTlsMaterial(dir)
    const faults = new Faults()
    const calls = new CallLog()
    const github = await GitHubOidc.create()
    const entra = await Entra.create(github)
    const apim = new Apim()
    const rbac = new Rbac()
    const githubRest = new GitHubRest()
    const urls: EmulatorUrls = { github: '', entra: '', arm: '', githubApi: '' }
    const admin = createAdminHandler({ github, githubRest, entra, apim, rbac, faults, calls, urls: () => ({ ...urls }) })

    const gh = await startListener('github', tls, r => github.handle(r), { faults, calls, log, admin })
    listeners.push(gh)
    const en = await startListener('entra', tls, r => entra.handle(r), { faults, calls, log })
    listeners.push(en)
    const arm = await startListener('arm', tls, createArmHandler({ apim, rbac, entra, armUrl: () => urls.arm, entraUrl: () => urls.entra }), { faults, calls, log })
    listeners.push(arm)
    const ghApi = await startListener('githubApi', tls, r => githubRest.handle(r), { faults, calls, log })
    listeners.push(ghApi)

    urls.github = gh.url
    urls.entra = en.url
    urls.arm = arm.url
    urls.githubApi = `${ghApi.url}${API_PREFIX}`
    githubRest.setBaseUrl(ghApi.url)
    github.setBaseUrl(gh.url)
    entra.setBaseUrl(en.url)
    // The SDK asks for `{endpoint}/.default`: the ARM listener is a resource every tenant knows.
    entra.addResource(arm.url)

    const adminUrl = `${gh.url}/_emulator`
    log(`emulator up: github ${gh.url}, entra ${en.url}, arm ${arm.url}, githubApi ${urls.githubApi}`)
    let stopped = false
    return {
      urls: { ...urls }, caFile: tls.caFile, caPem: tls.caPem, adminUrl,
      client: new EmulatorClient(adminUrl, tls.caPem),
      stop: async () => {
        if (stopped) return
        stopped = true
        await cleanup()
      }
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

/** What another process needs to reach a running emulator (e.g. in the E2E_HARNESS file). */
export interface EmulatorDescription {
  urls: EmulatorUrls
  caFile: string
  adminUrl: string
}

export function describeEmulator(e: Emulator): EmulatorDescription {
  return { urls: { ...e.urls }, caFile: e.caFile, adminUrl: e.adminUrl }
}

/** An admin client for an emulator started by another process (a jest worker's view). */
export function clientFor(d: EmulatorDescription): EmulatorClient {
  return new EmulatorClient(d.adminUrl, readFileSync(d.caFile, 'utf8'))
}

/** The fake kubelet's readiness: Ready exactly when the gateway could authenticate now. */
export function emulatorDecider(client: EmulatorClient): ReadinessDecider {
  return async c => {
    const r = await client.checkGatewayConfig(c.env)
    return { ready: r.ok, log: r.log }
  }
}
