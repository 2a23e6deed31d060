/**
 * Typed mocks of @actions/core for ESM tests (the actions/typescript-action pattern):
 *
 *   import * as core from '../__fixtures__/core.js'
 *   jest.unstable_mockModule('@actions/core', () => core)
 *   const { thing } = await import('../src/thing.js')
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

/** Clears every mock's calls (call in beforeEach). */
export function resetCore(): void {
  for (const mock of [debug, error, info, notice, warning, getInput, getIDToken, isDebug, setOutput, setFailed, setSecret, startGroup, endGroup, group]) {
    mock.mockClear()
  }
}
