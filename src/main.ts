import * as core from '@actions/core'
import { deploy } from './deploy.js'
import { ActionError, describeError } from './errors.js'
import { readRunContext } from './github/context.js'
import { guardUntrustedPullRequest } from './preview/fork-guard.js'
import { redactor } from './redact.js'
import { writeSkipped } from './report.js'
import { rotate } from './rotate.js'
import { readSettings, type Command, type Settings } from './settings.js'

const COMMANDS: Record<Command, (settings: Settings) => Promise<void>> = {
  deploy,
  rotate,
  // The preview life cycle is loaded only when asked for.
  preview: async settings => (await import('./previews.js')).preview(settings),
  teardown: async settings => (await import('./previews.js')).teardown(settings),
  prune: async settings => (await import('./previews.js')).prune(settings)
}

export async function run(): Promise<void> {
  try {
    const context = readRunContext()
    const skipped = guardUntrustedPullRequest(core.getInput('command').trim(), core.getInput('skip-on-fork'), context)
    if (skipped) {
      core.notice(skipped)
      return await writeSkipped(skipped)
    }
    const settings = readSettings(name => core.getInput(name), new Date(), context)
    await COMMANDS[settings.command](settings)
  } catch (error) {
    if (error instanceof ActionError) for (const line of error.details) core.info(redactor.redact(line))
    core.setFailed(describeError(error))
  }
}
