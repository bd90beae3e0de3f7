import t from 'tap'
import { buildApp, type App } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { migrateUp } from '../../src/db/migrate.js'
import { startTcpProxy } from '../../bench/tcp-proxy.js'
import { bearer, createTenant, PLATFORM_KEY } from '../helper.js'

// Reconnections wait on the driver's heartbeats: more than tap's 120 s default on a busy machine is allowed.
t.setTimeout(300_000)

/** Generous next to the configured 500 ms selection / 1 s operation timeouts: a hang would take far longer. */
const ANSWER_BOUND_MS = 5000

async function appOn (uri: string, overrides: Record<string, string> = {}): Promise<App> {
  const app = await buildApp({
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
      ADMIN_API_KEY: PLATFORM_KEY,
      MONGODB_URI: uri,
      MONGODB_DB: 'outage',
      MONGODB_SELECTION_TIMEOUT_MS: '500',
      MONGODB_TIMEOUT_MS: '1000',
      HANDLER_TIMEOUT_MS: '2000',
      ...overrides
    },
    logger: false,
    migrate: true
  })
  await app.ready()
  return app
}

async function timed<T> (work: () => Promise<T>): Promise<{ result: T, ms: number }> {
  const started = performance.now()
  const result = await work()
  return { result, ms: performance.now() - started }
}

/** Polls /ready until the database answers again (the driver reconnects by itself). */
async function untilReady (app: App, boundMs = 60_000): Promise<boolean> {
  // The driver finds the server again at its next heartbeat; on a busy machine that can take many seconds.
  const deadline = Date.now() + boundMs
  while (Date.now() < deadline) {
    if ((await app.inject({ method: 'GET', url: '/ready' })).statusCode === 200) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

t.test('while the database is down the API answers 503 quickly, and resumes by itself when it returns', async (t) => {
  let engine = await startEmbeddedMongo({ port: 0 })
  const port = engine.port
  const app = await appOn(engine.uri)
  t.teardown(async () => {
    await app.close()
    await engine.stop()
  })
  const tenant = await createTenant(app, 'outage')
  const created = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(tenant.keys.admin), payload: { name: 'Before' } })
  t.equal(created.statusCode, 201)

  await engine.stop()

  const ready = await timed(() => app.inject({ method: 'GET', url: '/ready' }))
  t.equal(ready.result.statusCode, 503)
  t.same(ready.result.json(), { status: 'unavailable', database: 'down' })
  t.ok(ready.ms < ANSWER_BOUND_MS, `/ready answered in ${Math.round(ready.ms)} ms`)

  const read = await timed(() => app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.admin) }))
  t.equal(read.result.statusCode, 503)
  t.same(read.result.json(), { statusCode: 503, code: 'DATABASE_UNAVAILABLE', error: 'The database is unavailable; retry shortly' })
  t.equal(read.result.headers['retry-after'], '1')
  t.ok(read.ms < ANSWER_BOUND_MS, `a read answered in ${Math.round(read.ms)} ms`)

  const write = await timed(() => app.inject({
    method: 'POST', url: '/api/v1/users', headers: { ...bearer(tenant.keys.admin), 'idempotency-key': 'during-outage' }, payload: { name: 'During' }
  }))
  t.equal(write.result.statusCode, 503)
  t.ok(write.ms < ANSWER_BOUND_MS, `a write answered in ${Math.round(write.ms)} ms`)

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, 'the process itself is alive')

  engine = await startEmbeddedMongo({ port })
  t.ok(await untilReady(app), '/ready reports the database again')

  // The in-memory engine restarted empty: set the schema up again and write anew.
  await migrateUp(app.mongo.db)
  const again = await createTenant(app, 'outage-again')
  const after = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(again.keys.admin), payload: { name: 'After' } })
  t.equal(after.statusCode, 201)
  t.equal(await app.mongo.db.collection('users').countDocuments({ clientId: again.id, name: 'After' }), 1, 'the acknowledged write is stored')
})

t.test('a link cut in the middle of a burst of writes: no 500, every acknowledged write is stored, retries complete the rest, nothing twice', async (t) => {
  const engine = await startEmbeddedMongo({ port: 0 })
  const proxy = await startTcpProxy({ host: engine.host, port: engine.port })
  const app = await appOn(proxy.uri, { MONGODB_TIMEOUT_MS: '4000', HANDLER_TIMEOUT_MS: '8000' })
  t.teardown(async () => {
    await app.close()
    await proxy.close()
    await engine.stop()
  })
  const tenant = await createTenant(app, 'cut')
  const headers = bearer(tenant.keys.admin)
  const post = (i: number) => app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...headers, 'idempotency-key': `create-${i}` }, payload: { name: `User ${i}` } })

  let answered = 0
  const burst = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    const res = await post(i)
    if (++answered === 5) proxy.cut()
    return { i, res }
  }))
  const whileCut = await Promise.all(Array.from({ length: 20 }, async (_, k) => ({ i: 60 + k, res: await post(60 + k) })))
  t.ok(whileCut.every(({ res }) => res.statusCode === 503), 'writes while the link is down are refused with 503')
  const first = [...burst, ...whileCut]
  const statuses = new Set(first.map(({ res }) => res.statusCode))
  t.ok([...statuses].every((status) => status === 201 || status === 503 || status === 409), `only 201, 503 or 409: ${[...statuses].join(', ')}`)

  proxy.restore()
  t.ok(await untilReady(app), 'service resumes after the link returns')

  const users = app.mongo.db.collection('users')
  for (const { i, res } of first.filter(({ res }) => res.statusCode === 201)) {
    t.equal(await users.countDocuments({ clientId: tenant.id, userId: res.json().id, name: `User ${i}` }), 1, `acknowledged user ${i} is stored`)
  }

  for (const { i } of first.filter(({ res }) => res.statusCode !== 201)) {
    let res = await post(i)
    for (let attempt = 0; attempt < 300 && res.statusCode !== 201; attempt++) {
      t.ok(res.statusCode === 503 || res.statusCode === 409, `a retry is told to wait (${res.statusCode})`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      res = await post(i)
    }
    t.equal(res.statusCode, 201, `user ${i} is created on retry`)
  }
  const names = await users.distinct('name', { clientId: tenant.id })
  t.equal(names.length, 80, 'every user exists')
  t.equal(await users.countDocuments({ clientId: tenant.id }), 80, 'and none twice: a retry finds what its cut-off attempt stored')
})
