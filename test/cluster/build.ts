/**
 * Builds kube-apiserver, kube-controller-manager and etcd from the pinned Go modules in
 * test/cluster/go, once, into test/cluster/.bin/<key>/. The key changes whenever the pins
 * change, so a stale cache is never used and a warm one is never rebuilt.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const GO_MODULE_DIR = join(HERE, 'go')
const CACHE_ROOT = join(HERE, '.bin')

/** Measured: 8 min 7 s on the 2-core dev machine, Go 1.26.8, empty build cache, modules already downloaded. */
export const COLD_BUILD_MINUTES = 8

const PROGRESS_EVERY_MS = 30_000

export interface Binaries {
  kubeApiserver: string
  kubeControllerManager: string
  etcd: string
  /** Pinned versions the binaries were built from. */
  kubernetesVersion: string
  etcdVersion: string
  dir: string
}

/** `go build -o dir/` names each binary after the last element of its package path. */
const PACKAGES = ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager', './cmd/etcd']

export function pinnedVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const match = new RegExp(`^\\s*${escaped}\\s+(v\\S+)`, 'm').exec(goMod)
  if (!match) throw new Error(`${module} is not required in ${join(GO_MODULE_DIR, 'go.mod')}`)
  return match[1]!
}

function cacheKey(goMod: string, kubernetesVersion: string, etcdVersion: string): string {
  const hash = createHash('sha256')
  for (const file of ['go.mod', 'go.sum', 'cmd/etcd/main.go']) hash.update(readFileSync(join(GO_MODULE_DIR, file)))
  hash.update(goMod)
  return `k8s-${kubernetesVersion}_etcd-${etcdVersion}_${process.platform}-${process.arch}_${hash.digest('hex').slice(0, 12)}`
}

function binariesIn(dir: string, kubernetesVersion: string, etcdVersion: string): Binaries {
  return {
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    etcd: join(dir, 'etcd'),
    kubernetesVersion,
    etcdVersion,
    dir
  }
}

function isComplete(b: Binaries): boolean {
  return [b.kubeApiserver, b.kubeControllerManager, b.etcd].every((f) => existsSync(f) && statSync(f).size > 0)
}

/**
 * Stamps the version the apiserver reports at /version (and that client version-skew logic
 * reads) with the pinned release instead of the `v0.0.0-master` a plain module build gets.
 */
function versionLdflags(kubernetesVersion: string): string {
  const [major, minor] = kubernetesVersion.replace(/^v/, '').split('.')
  const pkg = 'k8s.io/component-base/version'
  return [
    `-X ${pkg}.gitVersion=${kubernetesVersion}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`
  ].join(' ')
}

export interface EnsureOptions {
  log?: (line: string) => void
  /** Where the cache lives (default test/cluster/.bin). */
  cacheRoot?: string
  /** How often a running build reports progress (default 30 s). */
  progressEveryMs?: number
}

export async function ensureBinaries(opts: EnsureOptions = {}): Promise<Binaries> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const goMod = readFileSync(join(GO_MODULE_DIR, 'go.mod'), 'utf8')
  const kubernetesVersion = pinnedVersion(goMod, 'k8s.io/kubernetes')
  const etcdVersion = pinnedVersion(goMod, 'go.etcd.io/etcd/server/v3')
  const cacheRoot = opts.cacheRoot ?? CACHE_ROOT
  const finalDir = join(cacheRoot, cacheKey(goMod, kubernetesVersion, etcdVersion))
  const wanted = binariesIn(finalDir, kubernetesVersion, etcdVersion)
  if (isComplete(wanted)) return wanted

  mkdirSync(cacheRoot, { recursive: true })
  // Same filesystem as finalDir, so the rename below is atomic: a crashed or concurrent build
  // can never leave a half-written cache entry that a later run would trust.
  const tmpDir = mkdtempSync(join(cacheRoot, '.building-'))
  try {
    log(`Building the control plane from Go modules: a cold build (empty Go cache) takes about ${COLD_BUILD_MINUTES} minutes on 2 cores.`)
    log(`kube-apiserver and kube-controller-manager ${kubernetesVersion}, etcd ${etcdVersion}; output in ${finalDir}`)
    const started = Date.now()
    await goBuild(tmpDir, kubernetesVersion, opts.progressEveryMs ?? PROGRESS_EVERY_MS, log)
    log(`Built in ${formatDuration(Date.now() - started)}.`)
    chmodSync(tmpDir, 0o755) // mkdtemp makes it private; the binaries are not secret
    publish(tmpDir, finalDir)
  } finally {
    rmSync(tmpDir, { recursive: true, force: true })
  }
  if (!isComplete(wanted)) throw new Error(`go build finished but ${finalDir} lacks a binary`)
  return wanted
}

function publish(tmpDir: string, finalDir: string): void {
  try {
    renameSync(tmpDir, finalDir)
  } catch (err) {
    // Another process finished the same build first; its result is identical.
    if (!existsSync(finalDir)) throw err
  }
}

function goBuild(outDir: string, kubernetesVersion: string, progressEveryMs: number, log: (line: string) => void): Promise<void> {
  const args = ['build', '-v', '-ldflags', versionLdflags(kubernetesVersion), '-o', `${outDir}/`, ...PACKAGES]
  const started = Date.now()
  let compiled = 0
  let lastPackage = ''
  const tail: string[] = []
  return new Promise((resolvePromise, reject) => {
    const child = spawn('go', args, { cwd: GO_MODULE_DIR, stdio: ['ignore', 'inherit', 'pipe'], env: process.env })
    const timer = setInterval(() => {
      // -v names only packages it compiles; cached ones are silent, so none yet means go is
      // still loading modules or is linking from the build cache.
      const doing = compiled === 0 ? 'no package compiled yet (loading modules or linking from the Go cache)'
        : `${compiled} packages compiled, last ${lastPackage}`
      log(`still building… ${Math.round((Date.now() - started) / 1000)}s elapsed, ${doing}`)
    }, progressEveryMs)
    let pending = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        // `go build -v` names each package as it compiles it; anything else is a diagnostic.
        if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(line.trim())) { compiled++; lastPackage = line.trim() }
        tail.push(line)
        if (tail.length > 40) tail.shift()
      }
    })
    child.on('error', (err) => {
      clearInterval(timer)
      reject(new Error(`cannot run \`go\` (is Go installed and on PATH?): ${err.message}`))
    })
    child.on('close', (code, signal) => {
      clearInterval(timer)
      if (code === 0) return resolvePromise()
      reject(new Error(`go ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${GO_MODULE_DIR}:\n${tail.join('\n')}`))
    })
  })
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const started = Date.now()
  ensureBinaries()
    .then((b) => {
      console.log(`kube-apiserver          ${b.kubeApiserver}`)
      console.log(`kube-controller-manager ${b.kubeControllerManager}`)
      console.log(`etcd                    ${b.etcd}`)
      console.log(`(ensureBinaries took ${formatDuration(Date.now() - started)})`)
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    })
}
