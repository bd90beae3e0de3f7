import { parentPort, workerData } from 'node:worker_threads'
import { mingoBuild, useMingoModules } from './embedded/mingo-modules.js'
import type { EmbeddedMongoOptions } from './embedded/index.js'

/**
 * The embedded engine on a thread of its own (started by src/db/connect.ts): posts its URI (and which of mingo's builds
 * it runs, src/db/embedded/mingo-modules.ts), stops on any message.
 */
const port = parentPort as NonNullable<typeof parentPort>
try {
  useMingoModules()
  const { startEmbeddedMongo } = await import('./embedded/index.js')
  const engine = await startEmbeddedMongo(workerData as EmbeddedMongoOptions)
  port.once('message', () => { void engine.stop().finally(() => port.close()) })
  port.postMessage({ uri: engine.uri, mingo: mingoBuild() })
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) })
  port.close()
}
