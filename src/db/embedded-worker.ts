import { parentPort, workerData } from 'node:worker_threads'
import { startEmbeddedMongo, type EmbeddedMongoOptions } from './embedded/index.js'

/** The embedded engine on a thread of its own (started by src/db/connect.ts): posts its URI, stops on any message. */
const port = parentPort as NonNullable<typeof parentPort>
try {
  const engine = await startEmbeddedMongo(workerData as EmbeddedMongoOptions)
  port.once('message', () => { void engine.stop().finally(() => port.close()) })
  port.postMessage({ uri: engine.uri })
} catch (error) {
  port.postMessage({ error: error instanceof Error ? error.message : String(error) })
  port.close()
}
