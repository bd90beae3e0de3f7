import { parseArgs } from 'node:util'
import { useMingoModules } from './mingo-modules.js'

// The engine loads mingo's ES module build, as on the app's engine thread (mingo-modules.ts).
useMingoModules()
const { startEmbeddedMongo } = await import('./index.js')

const { values } = parseArgs({
  options: { port: { type: 'string', default: '27017' }, host: { type: 'string', default: '127.0.0.1' }, socket: { type: 'string' } }
})

const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${values.port}\n`)
  process.exit(2)
}

const mongo = await startEmbeddedMongo({ port, host: values.host, socketPath: values.socket }).catch((error: unknown) => {
  process.stderr.write(`embedded MongoDB could not listen on ${values.host}:${port}: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
process.stdout.write(`${mongo.uri}\n`)

const shutdown = (): void => {
  void mongo.stop().then(() => process.exit(0))
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
