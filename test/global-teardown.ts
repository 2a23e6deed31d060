/** jest globalTeardown: stops what globalSetup started. */
import type {} from './global-setup.js'

export default async function globalTeardown(): Promise<void> {
  await globalThis.__E2E_HARNESS_STOP__?.()
}
