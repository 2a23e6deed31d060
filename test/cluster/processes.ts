/**
 * Child processes that cannot outlive the test run. Each child leads its own process group, so
 * one signal reaches anything it forks and a terminal's Ctrl-C does not race our own shutdown.
 * Three layers clean up, for three ways the parent can end:
 *   - stop(): orderly (SIGTERM, then SIGKILL after a grace period), awaited;
 *   - exit / signal / crash hooks: synchronous SIGKILL, because nothing async runs any more;
 *   - a watchdog shell holding a pipe from the parent: the kernel closes the pipe however the
 *     parent dies, including SIGKILL, and the watchdog then kills the groups and removes the dir.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join } from 'node:path'

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null; error?: Error }

export interface ManagedProcess {
  name: string
  pid: number
  logFile: string
  /** Settles when the process has exited (never rejects). */
  exited: Promise<ExitInfo>
  /** Set once exited. */
  exit?: ExitInfo
}

const PGIDS_FILE = '.pgids'

// Reads until EOF: that happens when the parent's end of the pipe closes, i.e. the parent died.
const WATCHDOG_SCRIPT = `
dir="$1"
case "$dir" in /*/*) ;; *) exit 1 ;; esac
read _ignored
if [ -f "$dir/${PGIDS_FILE}" ]; then
  for g in $(cat "$dir/${PGIDS_FILE}"); do kill -9 -"$g" 2>/dev/null; done
fi
rm -rf "$dir" 2>/dev/null || { sleep 0.3; rm -rf "$dir"; }
`

export class Supervisor {
  readonly processes: ManagedProcess[] = []
  private readonly watchdog: ChildProcess
  private stopping?: Promise<void>
  private killedSync = false

  /** `dir` is owned by the supervisor: it is removed when the processes are gone. */
  constructor(readonly dir: string) {
    this.watchdog = startWatchdog(dir)
    registerForExitHooks(this)
  }

  start(name: string, bin: string, args: string[]): ManagedProcess {
    const logFile = join(this.dir, `${name}.log`)
    const fd = openSync(logFile, 'a')
    let child: ChildProcess
    try {
      child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], cwd: this.dir })
    } finally {
      closeSync(fd)
    }
    // The exit hooks and the watchdog end the child; it must not keep the parent's event loop alive.
    child.unref()
    const proc: ManagedProcess = { name, pid: child.pid ?? -1, logFile, exited: undefined as unknown as Promise<ExitInfo> }
    proc.exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (error) => { proc.exit = { code: null, signal: null, error }; resolve(proc.exit) })
      child.once('exit', (code, signal) => { proc.exit = { code, signal }; resolve(proc.exit) })
    })
    if (child.pid !== undefined) {
      this.processes.push(proc)
      this.recordGroups()
    }
    return proc
  }

  /** Tells the watchdog which groups to kill; only running ones, as exited pids may be reused. */
  private recordGroups(): void {
    const pgids = this.processes.filter((p) => !p.exit).map((p) => `${p.pid}\n`).join('')
    const file = join(this.dir, PGIDS_FILE)
    try {
      // Atomic replace: the watchdog may read the file at any moment.
      writeFileSync(`${file}.new`, pgids)
      renameSync(`${file}.new`, file)
    } catch (err) {
      if (existsSync(this.dir)) throw err
    }
  }

  /** Last lines of a process's combined stdout/stderr. */
  tail(proc: ManagedProcess, lines = 30): string {
    try {
      return readFileSync(proc.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  /** Stops the given processes (default: all), leaving the directory in place. */
  async terminate(procs: ManagedProcess[] = this.processes, graceMs = 3000): Promise<void> {
    const running = procs.filter((p) => !p.exit)
    for (const p of running) signalGroup(p.pid, 'SIGTERM')
    // A referenced timer: the children are unref'd, so without it Node could exit mid-await.
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs) })
    const allExited = Promise.all(running.map((p) => p.exited))
    if ((await Promise.race([allExited, graceOver])) === 'timeout') {
      for (const p of running) if (!p.exit) signalGroup(p.pid, 'SIGKILL')
      const keepAlive = setInterval(() => {}, 1000)
      await allExited
      clearInterval(keepAlive)
    }
    clearTimeout(timer)
    this.recordGroups()
  }

  stop(graceMs = 3000): Promise<void> {
    this.stopping ??= (async () => {
      // Reverse start order: a process whose backend (etcd for the apiserver) is already gone
      // spends its shutdown on timeouts instead of finishing in a second.
      for (const p of [...this.processes].reverse()) await this.terminate([p], graceMs)
      stopWatchdog(this.watchdog)
      removeDir(this.dir)
      unregisterFromExitHooks(this)
    })()
    return this.stopping
  }

  /** For exit hooks: no awaiting possible, so no grace period. */
  killSync(): void {
    if (this.killedSync) return
    this.killedSync = true
    for (const p of this.processes) if (!p.exit) signalGroup(p.pid, 'SIGKILL')
    stopWatchdog(this.watchdog)
    removeDir(this.dir)
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

function removeDir(dir: string): void {
  // Retries cover a just-killed process whose last writes land while the tree is removed.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
}

function startWatchdog(dir: string): ChildProcess {
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'test-cluster-watchdog', dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore']
  })
  // Without a shell only SIGKILL of the parent goes uncovered; the exit hooks handle the rest.
  child.once('error', () => {})
  child.unref()
  ;(child.stdin as unknown as Socket).unref()
  return child
}

function stopWatchdog(watchdog: ChildProcess): void {
  try {
    watchdog.kill('SIGKILL')
  } catch {
    // Already gone.
  }
  watchdog.stdin?.destroy()
}

// --- exit hooks, shared by all supervisors of this process ---

const live = new Set<Supervisor>()
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function killAllSync(): void {
  for (const s of live) s.killSync()
  live.clear()
}

function onExit(): void {
  killAllSync()
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync()
  removeHooks()
  // Only take over the signal's meaning when nobody else handles it: then re-raise it so the
  // process still dies of it (and reports it) as it would have without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function onUncaught(): void {
  // The monitor also fires when someone else handles the exception and the process survives;
  // only then must the clusters stay up.
  if (process.listenerCount('uncaughtException') === 0) killAllSync()
}

function installHooks(): void {
  process.on('exit', onExit)
  for (const s of SIGNALS) process.on(s, onSignal)
  process.on('uncaughtExceptionMonitor', onUncaught)
}

function removeHooks(): void {
  process.off('exit', onExit)
  for (const s of SIGNALS) process.off(s, onSignal)
  process.off('uncaughtExceptionMonitor', onUncaught)
}

function registerForExitHooks(s: Supervisor): void {
  if (live.size === 0) installHooks()
  live.add(s)
}

function unregisterFromExitHooks(s: Supervisor): void {
  live.delete(s)
  if (live.size === 0) removeHooks()
}
