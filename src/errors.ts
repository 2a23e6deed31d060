import { redactor } from './redact.js'

/**
 * An error whose message already names the cause and the fix, safe to print as it is (redacted).
 * Anything else reaching the top level is reported through `describeError` with care.
 */
export class ActionError extends Error {
  constructor(message: string, readonly details: string[] = []) {
    super(message)
    this.name = 'ActionError'
  }
}

/** A printable, redacted message for any thrown value — never the raw object, which can carry bodies. */
export function describeError(error: unknown): string {
  if (error instanceof ActionError) return redactor.redact(error.message)
  if (error instanceof Error) return redactor.redact(`${error.name}: ${firstLine(error.message)}`)
  return redactor.redact(String(error))
}

/** The first line, cut to a printable length — redacted before cutting, so no cut secret escapes. */
export function firstLine(text: string): string {
  return redactor.redact(text).split('\n')[0].slice(0, 500)
}
