/**
 * The embedded engine's CPU for the commands one request of a route sends (not a test): the app runs once against an
 * engine in this process to capture them (driver command monitoring, background commands left out), then the engine
 * alone parses, runs and encodes them again and again, as it does for a socket's messages, with no driver, socket or
 * HTTP in the figure. Prints the least CPU per request of five rounds (the others lost time to the machine).
 * Run: npx tsx bench/engine-cpu.ts [--route /api/v1/interactions/1] [--key sb_demo_acme_agent] [--requests 2000] [--mingo cjs]
 *   [--cpu-prof f]
 * `--mingo cjs` keeps mingo's CommonJS build; by default the engine runs its ES module build, as the engine's thread does
 * (src/db/embedded/mingo-modules.ts). Only GET routes: a write would change what the next round reads.
 */
import { parseArgs } from 'node:util'
import { serialize, type Document } from 'bson'
import type { CommandStartedEvent } from 'mongodb'
import { buildApp } from '../src/app.js'
import { mingoBuild, useMingoModules } from '../src/db/embedded/mingo-modules.js'
import { cpuPerRequest, load, log } from './measure.js'

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: '/api/v1/interactions/1' },
    key: { type: 'string', default: 'sb_demo_acme_agent' },
    requests: { type: 'string', default: '2000' },
    mingo: { type: 'string', default: 'esm' },
    'cpu-prof': { type: 'string' }
  }
})
const requests = Number(values.requests)

// The engine's modules are loaded after the choice of mingo's build, so that they all share the one chosen.
if (values.mingo !== 'cjs') useMingoModules()
const { EmbeddedServer } = await import('../src/db/embedded/server.js')
const { encodeOpMsg, parseMessage } = await import('../src/db/embedded/wire.js')
const { runCommand } = await import('../src/db/embedded/commands/index.js')

const server = new EmbeddedServer()
const port = await server.listen(0, '127.0.0.1')
const app = await buildApp({
  env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGODB_DB: 'engine_cpu', SEED_DEMO: 'true', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0', MONGODB_URI: `mongodb://127.0.0.1:${port}/` },
  logger: false,
  migrate: true,
  monitorCommands: true
})
await app.ready()
const request = { method: 'GET' as const, url: values.route, headers: { authorization: `Bearer ${values.key}` } }
const warm = await app.inject(request)
if (warm.statusCode >= 300) throw new Error(`${values.route} answered ${warm.statusCode}: ${warm.body}`)
const bodies: Buffer[] = []
const capture = (event: CommandStartedEvent) => {
  const comment: unknown = event.command.comment
  if (!(typeof comment === 'string' && comment.startsWith('background: '))) bodies.push(Buffer.from(serialize({ ...event.command } as Document)))
}
app.mongo.client.on('commandStarted', capture)
await app.inject(request)
app.mongo.client.off('commandStarted', capture)
await app.close()

/** An OP_MSG holding one body section, as the driver frames a command. */
function frame (body: Buffer): Buffer {
  const header = Buffer.alloc(21)
  header.writeInt32LE(21 + body.length, 0)
  header.writeInt32LE(1, 4)
  header.writeInt32LE(2013, 12)
  return Buffer.concat([header, body])
}
const frames = bodies.map(frame)
const ctx = { store: server.store, cursors: server.cursors, connectionId: 1, port, ttl: server.ttl }
const once = (): void => {
  for (const message of frames) {
    const parsed = parseMessage(message)
    if (parsed.kind !== 'msg') throw new Error('not an OP_MSG')
    encodeOpMsg(runCommand(parsed.body, { ...ctx, raw: parsed.raw, storedForm: true }), 1, 1)
  }
}
for (let i = 0; i < requests; i++) once()

log(`engine CPU: GET ${values.route}, ${bodies.length} command(s) a request, ${requests} requests a round, mingo's ${mingoBuild()} build; load average ${load()} at the start`)
const rounds = await cpuPerRequest(5, requests, once, values['cpu-prof'])
log(`  ${Math.round(Math.min(...rounds))} µs of engine CPU per request (rounds: ${rounds.map((r) => Math.round(r)).join(', ')})`)
await server.close()
