/**
 * Runs dist/index.js the way the Actions runner does: inputs as INPUT_<NAME> (defaults filled in
 * from action.yml), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the ID-token request variables.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The step log as the runner would show it: workflow commands it consumes are left out. */
  log: string
  durationMs: number
  /** When the first byte was written to stdout, relative to spawn. */
  firstOutputMs?: number
}

export interface RunOptions {
  inputs: Record<string, string>
  env?: Record<string, string | undefined>
  /** Called with each stdout line as it arrives. */
  onLine?: (line: string) => void
  /** SIGKILLs the action as soon as a stdout line matches: a runner cancelled mid-step. */
  killWhen?: (line: string) => boolean
  timeoutMs?: number
  /** The triggering event: written to GITHUB_EVENT_PATH, and the `github.event` of input defaults. */
  event?: { name: string; payload: Record<string, unknown> }
  /** `github.token` (the job's GITHUB_TOKEN) for input defaults such as `${{ github.token }}`. */
  githubToken?: string
}

/**
 * Evaluates the `${{ github.<path> }}` expressions action.yml defaults may hold, as the runner does
 * (an unknown path is the empty string).
 */
export function evaluateDefault(value: string, github: Record<string, unknown>): string {
  return value.replace(/\$\{\{\s*github\.([\w.]+)\s*\}\}/g, (_, path: string) => {
    let current: unknown = github
    for (const key of path.split('.')) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined
    return current === undefined || current === null ? '' : String(current)
  })
}

export function actionDefaults(): Record<string, string> {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> }
  const defaults: Record<string, string> = {}
  for (const [name, input] of Object.entries(action.inputs)) if (input.default !== undefined) defaults[name] = String(input.default)
  return defaults
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'apim-action-run-'))
  try {
    const outputFile = join(dir, 'output')
    const summaryFile = join(dir, 'summary')
    writeFileSync(outputFile, '')
    writeFileSync(summaryFile, '')
    const eventFile = join(dir, 'event.json')
    writeFileSync(eventFile, JSON.stringify(options.event?.payload ?? {}))
    const repository = options.env?.GITHUB_REPOSITORY ?? 'contoso/gateway-infra'
    const github = { token: options.githubToken ?? '', event: options.event?.payload ?? {}, repository }
    const defaults = Object.fromEntries(Object.entries(actionDefaults()).map(([name, value]) => [name, evaluateDefault(value, github)]))
    const inputs = { ...defaults, ...options.inputs }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      GITHUB_WORKSPACE: dir,
      GITHUB_REPOSITORY: repository,
      GITHUB_EVENT_NAME: options.event?.name ?? 'push',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_REF: 'refs/heads/main'
    }
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name]
      else env[name] = value
    }
    const started = Date.now()
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'index.js')], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let firstOutputMs: number | undefined
    let partial = ''
    child.stdout.on('data', (chunk: Buffer) => {
      firstOutputMs ??= Date.now() - started
      stdout += chunk
      partial += chunk
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        options.onLine?.(line)
        if (options.killWhen?.(line)) child.kill('SIGKILL')
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    clearTimeout(timer)
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      log: stdout.split('\n').filter(line => !line.startsWith('::add-mask::')).join('\n'),
      durationMs: Date.now() - started,
      firstOutputMs
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** GITHUB_OUTPUT's format: `name<<DELIMITER`, value lines, `DELIMITER`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

/** Every form of a token that must never be printed (see src/redact.ts; computed independently here). */
export function leakedForms(token: string): string[] {
  const forms: string[] = []
  for (const s of [token, `GatewayKey ${token}`]) {
    forms.push(s, Buffer.from(s).toString('base64'), JSON.stringify(s).slice(1, -1), encodeURIComponent(s))
  }
  forms.push(token.split('&').at(-1)!)
  return forms
}

/** The places a token could leak to: the log (as the runner shows it), stderr, outputs, summary. */
export function findLeaks(run: ActionRun, tokens: string[]): string[] {
  const places = { log: run.log, stderr: run.stderr, outputs: JSON.stringify(run.outputs), summary: run.summary }
  const leaks: string[] = []
  for (const token of tokens) {
    for (const form of leakedForms(token)) {
      for (const [place, text] of Object.entries(places)) if (text.includes(form)) leaks.push(`${place} contains a form of a token`)
    }
  }
  return leaks
}
