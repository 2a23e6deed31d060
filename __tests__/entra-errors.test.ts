import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import * as core from '../__fixtures__/core.js'
import { CLIENT_ID, TENANT_ID } from '../__fixtures__/gateway.js'

jest.unstable_mockModule('@actions/core', () => core)
const { describeEntraError } = await import('../src/azure/entra-errors.js')
const { ActionError } = await import('../src/errors.js')
const { redactor } = await import('../src/redact.js')
import type { AzureSettings } from '../src/settings.js'
import type { PresentedClaims } from '../src/azure/entra-errors.js'

const azure: AzureSettings = {
  authType: 'oidc',
  clientId: CLIENT_ID,
  tenantId: TENANT_ID,
  subscriptionId: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff',
  audience: 'api://AzureADTokenExchange',
  environment: 'AzureCloud',
  authorityHost: 'https://login.microsoftonline.com',
  armEndpoint: 'https://management.azure.com'
}

const claims: PresentedClaims = {
  subject: 'repo:contoso/gateway-deploy:environment:Production',
  issuer: 'https://token.actions.githubusercontent.com',
  audience: 'api://AzureADTokenExchange'
}

const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
/** A compact JWT shaped like GitHub's ID token (random 64-byte signature; real ones are longer, RS256). */
const ID_TOKEN = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ sub: claims.subject, iss: claims.issuer, aud: claims.audience })}.${randomBytes(64).toString('base64url')}`

/** How @azure/identity reports Entra's answer: the AADSTS description, then Trace ID, Correlation ID, Timestamp. */
function entraError(code: string, description: string, crlf = false): Error {
  const sep = crlf ? '\r\n' : ' '
  const error = new Error(
    `ClientAssertionCredential authentication failed. AADSTS${code}: ${description}${sep}Trace ID: 0a1b2c3d-0000-4444-8888-0123456789ab${sep}Correlation ID: 9f8e7d6c-1111-4444-8888-ba9876543210${sep}Timestamp: 2030-03-10 08:00:00Z`
  )
  error.name = 'AuthenticationError'
  return error
}

beforeEach(() => core.resetCore())

describe('describeEntraError', () => {
  it('AADSTS700213: names the presented subject, issuer and audience, and says how subjects are formed', () => {
    const error = describeEntraError(entraError('700213', `No matching federated identity record found for presented assertion subject '${claims.subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`), azure, claims)
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain(`subject '${claims.subject}'`)
    expect(error.message).toContain(`issuer '${claims.issuer}'`)
    expect(error.message).toContain(`audience '${claims.audience}'`)
    expect(error.message).toMatch(/Fix: No federated credential of the app matches the subject GitHub presented \('repo:contoso\/gateway-deploy:environment:Production'\)/)
    expect(error.message).toContain('repo:<owner>/<repo>:environment:<name>')
    expect(error.message).toContain(TENANT_ID)
    expect(error.message).toContain(CLIENT_ID)
  })

  it('AADSTS7002138: says the subject matches only when case is ignored', () => {
    const error = describeEntraError(entraError('7002138', 'The presented assertion subject matches a federated identity credential only case-insensitively.'), azure, claims)
    expect(error.message).toMatch(/Fix: A federated credential matches the subject 'repo:contoso\/gateway-deploy:environment:Production' only when case is ignored/)
    expect(error.message).not.toMatch(/Fix: No federated credential of the app matches/) // not the 700213 hint
  })

  it('AADSTS700212: names the presented audience and the audience input', () => {
    const presented = { ...claims, audience: 'api://Custom' }
    const error = describeEntraError(entraError('700212', "No matching federated identity record found for presented assertion audience 'api://Custom'."), { ...azure, audience: 'api://Custom' }, presented)
    expect(error.message).toMatch(/Fix: No federated credential accepts the audience 'api:\/\/Custom'/)
    expect(error.message).toContain("`audience` input ('api://Custom')")
  })

  it('AADSTS700016: names the client ID and the tenant', () => {
    const error = describeEntraError(entraError('700016', `Application with identifier '${CLIENT_ID}' was not found in the directory 'Contoso'.`), azure, claims)
    expect(error.message).toMatch(new RegExp(`Fix: Entra found no application with client ID '${CLIENT_ID}' in tenant '${TENANT_ID}'`))
    expect(error.message).toContain('not the object ID')
  })

  it('AADSTS90002: names the tenant and points at the environment', () => {
    const error = describeEntraError(entraError('90002', `Tenant '${TENANT_ID}' not found.`), azure)
    expect(error.message).toMatch(new RegExp(`Fix: Entra found no tenant '${TENANT_ID}'`))
    expect(error.message).toContain('`environment`')
  })

  it('AADSTS700024: blames the clock, not the job length', () => {
    const error = describeEntraError(entraError('700024', 'Client assertion is not within its valid time range.'), azure, claims)
    expect(error.message).toMatch(/Fix: The ID token was outside its valid time/)
    expect(error.message).toContain('clock')
  })

  it('does not take AADSTS700213 for AADSTS70021 (prefix codes)', () => {
    const error = describeEntraError(entraError('70021', 'No matching federated identity record found for presented assertion.'), azure, claims)
    expect(error.message).toMatch(/Fix: No federated credential matches what GitHub presented \(subject '/)
    const error2 = describeEntraError(entraError('700213', 'No matching federated identity record found.'), azure, claims)
    expect(error2.message).toMatch(/Fix: No federated credential of the app matches/)
  })

  it('works without claims (no ID token was read)', () => {
    const error = describeEntraError(entraError('700213', 'No matching federated identity record found.'), azure)
    expect(error.message).not.toContain('GitHub presented:')
    expect(error.message).toContain('Fix: No federated credential of the app matches the subject GitHub presented.')
  })

  it.each([false, true])('drops the Trace ID, Correlation ID and Timestamp lines (CRLF-separated: %p)', crlf => {
    const error = describeEntraError(entraError('700213', 'No matching federated identity record found.', crlf), azure, claims)
    expect(error.message).not.toMatch(/Trace ID|Correlation ID|Timestamp:/)
    expect(error.message).toContain('AADSTS700213: No matching federated identity record found.')
    expect(error.message).not.toContain('0a1b2c3d-0000-4444-8888-0123456789ab')
  })

  it('never shows the ID token (registered by the credential callback), even when the error echoes it', () => {
    redactor.add(ID_TOKEN)
    const echo = entraError('700213', `Invalid assertion '${ID_TOKEN}'.`)
    expect(echo.message.indexOf(ID_TOKEN) + ID_TOKEN.length).toBeLessThan(480) // (see the report: a longer message is cut before redaction)
    const error = describeEntraError(echo, azure, claims)
    const [, payload, signature] = ID_TOKEN.split('.')
    expect(error.message).not.toContain(ID_TOKEN)
    expect(error.message).not.toContain(signature)
    expect(error.message).not.toContain(payload)
    expect(error.message).toContain(claims.subject) // the claims themselves are not secret
  })

  it('explains an unreachable authority when there is no AADSTS code', () => {
    const error = describeEntraError(new Error('getaddrinfo ENOTFOUND login.microsoftonline.us\n    at stack'), { ...azure, authorityHost: 'https://login.microsoftonline.us' })
    expect(error.message).toContain('getaddrinfo ENOTFOUND login.microsoftonline.us')
    expect(error.message).not.toContain('at stack')
    expect(error.message).toMatch(/Fix: check that https:\/\/login.microsoftonline.us is reachable/)
  })

  it('passes an ActionError through unchanged', () => {
    const original = new ActionError('The job has no OIDC ID token')
    expect(describeEntraError(original, azure)).toBe(original)
  })
})
