/**
 * Load drill (not a test): 10,000 chat-message posts with Idempotency-Keys, one in five retried, against
 * `src/server.ts` in its own process, with the database behind a TCP proxy this script controls:
 *   1. steady: exactly 10,000 stored, none duplicated, none lost;
 *   2. outage: the database link is cut at 40 % of the run and restored 3 s later;
 *   3. sigterm: the server gets SIGTERM at 40 % of the run and a new one takes over.
 * After each run the client retries every unacknowledged message with its key until stored, then the database is counted.
 * The ceiling is a bare Fastify route returning static JSON, measured in the same run.
 * Run: npm run bench:load   (LOAD_MESSAGES=10000 LOAD_CONNECTIONS=200 by default)
 */
import os from 'node:os'
import autocannon from 'autocannon'
import { MongoClient, ObjectId } from 'mongodb'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'
import { prepareDatabase, startBareFastify, startSwitchboard, type ServerProcess } from './load-server.js'
import { drive, newOutcomes, plan, settle, summarise, type Outcome } from './load-drive.js'
import { log } from './measure.js'

const MESSAGES = Number(process.env.LOAD_MESSAGES ?? 10_000)
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 200)
const CEILING_SECONDS = 10

type Scenario = 'steady' | 'outage' | 'sigterm'

async function measureStatic (url: string, label: string) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: CEILING_SECONDS })
  const summary = summarise(result)
  log(`  ${label}: ${summary.throughput} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms`)
  return summary
}

async function createChat (address: string, agentKey: string, run: string): Promise<number> {
  const res = await fetch(`${address}/api/v1/chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agentKey}` },
    body: JSON.stringify({ customerName: `Load ${run}` })
  })
  if (res.status !== 201) throw new Error(`could not create a chat: ${res.status} ${await res.text()}`)
  return (await res.json() as { id: number }).id
}

/** Runs one scenario and counts what the database holds afterwards. */
async function runScenario (scenario: Scenario, ctx: { proxy: TcpProxy, db: MongoClient, clientId: string, agentKey: string, server: ServerProcess }) {
  const run = `${scenario}-${Date.now()}`
  const chatId = await createChat(ctx.server.address, ctx.agentKey, run)
  const { items, sends } = plan(run, MESSAGES)
  const outcomes: Outcome[] = newOutcomes(items)
  const url = (server: ServerProcess) => `${server.address}/api/v1/chats/${chatId}/messages`
  const instance = drive(url(ctx.server), ctx.agentKey, sends, outcomes, CONNECTIONS)
  let responses = 0
  let disrupted = false
  const disruption = Math.floor(sends.length * 0.4)
  const afterDisruption: Record<string, number> = {}
  instance.on('response', (_client: unknown, status: number) => {
    if (disrupted) afterDisruption[status] = (afterDisruption[status] ?? 0) + 1
    if (++responses !== disruption || disrupted) return
    disrupted = true
    if (scenario === 'outage') {
      log('  cutting the database link for 3 s')
      ctx.proxy.cut()
      setTimeout(() => { ctx.proxy.restore(); log('  database link restored') }, 3000)
    }
    if (scenario === 'sigterm') {
      log('  SIGTERM to the server')
      ctx.server.child.kill('SIGTERM')
      void ctx.server.exited.then((code) => { log(`  server exited with ${code}`); instance.stop() })
    }
  })
  const started = Date.now()
  const result = await instance
  const acknowledgedDuringRun = outcomes.filter((outcome) => outcome.acked).length
  if (scenario === 'sigterm') {
    await ctx.server.exited
    ctx.server = await startSwitchboard(ctx.proxy.uri)
    log(`  a new server took over at ${ctx.server.address}`)
  }
  const retried = await settle(url(ctx.server), ctx.agentKey, items, outcomes)
  const seconds = (Date.now() - started) / 1000

  const messages = ctx.db.db('load').collection('messages')
  const filter = { clientId: new ObjectId(ctx.clientId), chatId }
  const stored = await messages.countDocuments(filter)
  const distinct = (await messages.distinct('text', filter)).length
  const storedIds = new Set((await messages.find(filter, { projection: { messageId: 1 } }).toArray()).map((doc) => doc.messageId as number))
  const acked = outcomes.filter((outcome) => outcome.acked)
  const lost = acked.filter((outcome) => [...outcome.ids].some((id) => !storedIds.has(id))).length
  const twoAnswers = outcomes.filter((outcome) => outcome.ids.size > 1).length
  const row = {
    scenario,
    ...summarise(result),
    acknowledgedDuringRun,
    answersAfterDisruption: afterDisruption,
    replays: outcomes.reduce((sum, outcome) => sum + outcome.replays, 0),
    retriedAfterRun: retried,
    acknowledged: acked.length,
    stored,
    duplicates: stored - distinct,
    lost,
    twoAnswers,
    seconds: Math.round(seconds)
  }
  log(`  ${JSON.stringify(row)}`)
  return row
}

async function main (): Promise<void> {
  log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`)
  log(`load: ${MESSAGES} messages (+ every fifth retried), ${CONNECTIONS} connections`)
  const bare = await startBareFastify()
  log('ceiling')
  const ceiling = await measureStatic(`${bare.address}/static`, 'bare Fastify, static JSON')
  bare.child.kill('SIGTERM')
  await bare.exited

  const engine = await startEmbeddedMongo({ port: 0 })
  const proxy = await startTcpProxy({ host: engine.host, port: engine.port })
  const db = await new MongoClient(engine.uri).connect()
  const { clientId, agentKey } = await prepareDatabase(proxy.uri)
  const ctx = { proxy, db, clientId, agentKey, server: await startSwitchboard(proxy.uri) }
  const health = await measureStatic(`${ctx.server.address}/health`, 'Switchboard GET /health (full plugin stack, no database)')

  const rows = []
  for (const scenario of ['steady', 'outage', 'sigterm'] as const) {
    log(scenario)
    rows.push(await runScenario(scenario, ctx))
  }
  ctx.server.child.kill('SIGTERM')
  await ctx.server.exited
  await db.close()
  await proxy.close()
  await engine.stop()
  log(JSON.stringify({ ceiling, health, rows }))
}

await main()
