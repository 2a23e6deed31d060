import { describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { makeToken } from '../__fixtures__/gateway.js'

jest.unstable_mockModule('@actions/core', () => core)
const { ActionError, describeError, firstLine } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')
const { cloudEndpoints, isKnownAuthority, CLOUD_NAMES } = await import('../src/azure/clouds.js')

describe('describeError', () => {
  const token = makeToken('gw-eu', new Date(Date.UTC(2031, 0, 1)))
  redactor.add(token)

  it('prints an ActionError message whole (all lines), redacted', () => {
    expect(describeError(new ActionError(`line one ${token}\nFix: line two`))).toBe('line one ***\nFix: line two')
  })

  it('prints only the name and first line of any other Error (the rest can be a response body)', () => {
    const error = new Error(`HTTP-Code: 422\nMessage: Unsuccessful HTTP Request\nBody: {"data":{"value":"${Buffer.from(token).toString('base64')}"}}`)
    expect(describeError(error)).toBe('Error: HTTP-Code: 422')
  })

  it('redacts the first line and non-Error values', () => {
    expect(describeError(new TypeError(`bad ${token}`))).toBe('TypeError: bad ***')
    expect(describeError(`thrown string ${token}`)).toBe('thrown string ***')
  })
})

describe('firstLine', () => {
  it('keeps the first line, at most 500 characters', () => {
    expect(firstLine('a\nb')).toBe('a')
    expect(firstLine('x'.repeat(600))).toHaveLength(500)
  })
})

describe('clouds', () => {
  it('knows the authority of each cloud and nothing else', () => {
    for (const name of CLOUD_NAMES) expect(isKnownAuthority(cloudEndpoints(name).authorityHost)).toBe(true)
    expect(isKnownAuthority('https://login.stack.example')).toBe(false)
  })
})
