import type { AddressInfo } from 'node:net'
import type { App } from '../../src/app.js'

/** Listens on a free loopback port; returns the base URL. */
export async function listen (app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Waits for a condition the server reaches on its own, polling, failing after a generous bound. */
export async function until (condition: () => boolean | Promise<boolean>, what = 'condition', boundMs = 15_000): Promise<void> {
  const deadline = Date.now() + boundMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${boundMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
