/** Small helpers around @kubernetes/client-node errors and patches. */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'

/** Request options that make client-node send a JSON merge patch (its default is JSON Patch). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

export function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown }
  const code = e.code ?? e.statusCode
  return typeof code === 'number' ? code : undefined
}

/** The apiserver's Status message when there is one, else the error's own message. */
export function errorText(err: unknown): string {
  const body = (err as { body?: unknown }).body
  if (typeof body === 'string' && body.length > 0) {
    try {
      const message = (JSON.parse(body) as { message?: string }).message
      if (message) return message
    } catch { /* not a Status */ }
    return body
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message)
  return err instanceof Error ? err.message : String(err)
}

/** undefined for 404, the value otherwise; other errors propagate. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request
  } catch (err) {
    if (httpStatus(err) === 404) return undefined
    throw err
  }
}
