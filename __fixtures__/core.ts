/**
 * Typed mocks of @actions/core for ESM tests (the actions/typescript-action pattern):
 *
 *   import * as core from '../__fixtures__/core.js'
 *   jest.unstable_mockModule('@actions/core', () => core)
 *   const { thing } = await import('../src/thing.js')
 *
 * `summary` is a recording fake: each builder call is kept in `summaryCalls`, `write` resolves.
 */
import type * as actionsCore from '@actions/core'
import { jest } from '@jest/globals'

export const debug = jest.fn<typeof actionsCore.debug>()
export const error = jest.fn<typeof actionsCore.error>()
export const info = jest.fn<typeof actionsCore.info>()
export const notice = jest.fn<typeof actionsCore.notice>()
export const warning = jest.fn<typeof actionsCore.warning>()
export const getInput = jest.fn<typeof actionsCore.getInput>()
export const getIDToken = jest.fn<typeof actionsCore.getIDToken>()
export const isDebug = jest.fn<typeof actionsCore.isDebug>()
export const setOutput = jest.fn<typeof actionsCore.setOutput>()
export const setFailed = jest.fn<typeof actionsCore.setFailed>()
export const setSecret = jest.fn<typeof actionsCore.setSecret>()
export const startGroup = jest.fn<typeof actionsCore.startGroup>()
export const endGroup = jest.fn<typeof actionsCore.endGroup>()
export const group = jest.fn(<T>(_name: string, fn: () => Promise<T>): Promise<T> => fn())

export interface SummaryCall {
  method: string
  args: unknown[]
}
export const summaryCalls: SummaryCall[] = []

type Summary = typeof actionsCore.summary
const record =
  (method: string) =>
  (...args: unknown[]): Summary => {
    summaryCalls.push({ method, args })
    return summary
  }
export const summary = {
  addHeading: jest.fn(record('addHeading')),
  addTable: jest.fn(record('addTable')),
  addRaw: jest.fn(record('addRaw')),
  addList: jest.fn(record('addList')),
  addCodeBlock: jest.fn(record('addCodeBlock')),
  addDetails: jest.fn(record('addDetails')),
  addEOL: jest.fn(record('addEOL')),
  addSeparator: jest.fn(record('addSeparator')),
  addLink: jest.fn(record('addLink')),
  addQuote: jest.fn(record('addQuote')),
  write: jest.fn(async (): Promise<Summary> => {
    summaryCalls.push({ method: 'write', args: [] })
    return summary
  })
} as unknown as Summary & Record<string, jest.Mock>

/** Clears every mock's calls and the summary record (call in beforeEach). */
export function resetCore(): void {
  for (const mock of [debug, error, info, notice, warning, getInput, getIDToken, isDebug, setOutput, setFailed, setSecret, startGroup, endGroup, group]) {
    mock.mockClear()
  }
  summaryCalls.length = 0
}
