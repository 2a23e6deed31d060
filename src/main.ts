import * as core from '@actions/core'
import { deploy } from './deploy.js'
import { ActionError, describeError } from './errors.js'
import { redactor } from './redact.js'
import { rotate } from './rotate.js'
import { readSettings } from './settings.js'

export async function run(): Promise<void> {
  try {
    const settings = readSettings(name => core.getInput(name))
    await (settings.command === 'rotate' ? rotate(settings) : deploy(settings))
  } catch (error) {
    if (error instanceof ActionError) for (const line of error.details) core.info(redactor.redact(line))
    core.setFailed(describeError(error))
  }
}
