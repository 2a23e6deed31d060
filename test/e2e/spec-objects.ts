/** The spec page's YAML, with its placeholders filled in, as the reference the action must match. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { ROOT } from '../runner.js'

export const SPEC_PAGE = join(ROOT, '..', 'shared', 'spec', 'self-hosted-gateway-default-authentication.md')

export function specObjects(values: { namespace: string; serviceName: string; gatewayName: string; token: string }): Record<string, Record<string, unknown>> {
  const page = readFileSync(SPEC_PAGE, 'utf8')
  const block = /```yml\n([\s\S]*?)```/.exec(page)?.[1]
  if (!block) throw new Error(`no yml block in ${SPEC_PAGE}`)
  const filled = block
    .replaceAll('<namespace-name>', values.namespace)
    .replaceAll('<service-name>', values.serviceName)
    .replaceAll('<gateway-name>', values.gatewayName)
    .replaceAll('<configuration-token>', values.token)
  const objects: Record<string, Record<string, unknown>> = {}
  for (const doc of parseAllDocuments(filled)) {
    const object = doc.toJS() as { kind: string } | null
    if (object) objects[object.kind] = object as Record<string, unknown>
  }
  return objects
}

/** Paths in `expected` that `actual` lacks or holds with another value (a subset comparison). */
export function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected !== null && typeof expected === 'object') {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) return [`${path}: expected a list`]
      return expected.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`))
    }
    if (actual === null || typeof actual !== 'object') return [`${path}: expected an object, got ${JSON.stringify(actual)}`]
    return Object.entries(expected).flatMap(([key, value]) => differences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`))
  }
  return String(expected) === String(actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`]
}
