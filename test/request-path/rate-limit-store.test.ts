import t from 'tap'
import { randomBytes } from 'node:crypto'
import { MongoClient, type Collection } from 'mongodb'
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/db/embedded/index.js'
import { migrateUp } from '../../src/db/migrate.js'
import { createRateLimitStore, type RateLimitDocument } from '../../src/plugins/rate-limit-store.js'

const WINDOW = 60_000
const limits = { auth: 3, request: 5 }

interface Setup { collection: Collection<RateLimitDocument>, client: MongoClient, engine: EmbeddedMongo | null }

/** A real database for the store (the server named by MONGODB_URI, or an embedded engine), migrated. */
async function database (t: { teardown(fn: () => unknown): void }): Promise<Setup> {
  const engine = process.env.MONGODB_URI ? null : await startEmbeddedMongo({ port: 0 })
  const client = await new MongoClient(process.env.MONGODB_URI ?? engine?.uri as string, { serverSelectionTimeoutMS: 500 }).connect()
  const db = client.db(`test_${randomBytes(6).toString('hex')}`)
  await migrateUp(db)
  const setup: Setup = { collection: db.collection<RateLimitDocument>('rateLimits'), client, engine }
  // The engine may be replaced by the test (a restart): stop whichever runs at the end.
  t.teardown(async () => {
    await db.dropDatabase().catch(() => {})
    await client.close()
    await setup.engine?.stop()
  })
  return setup
}

const countOf = async (collection: Collection<RateLimitDocument>, _id: string) => (await collection.findOne({ _id }))?.count

t.test('counting and judging in one window', async (t) => {
  const { collection } = await database(t)
  let clock = 10 * WINDOW + 5_000
  const store = createRateLimitStore({ collection, windowMs: WINDOW, maxBuckets: 100, limits, comment: 'background: test', now: () => clock })
  const start = 10 * WINDOW

  const verdicts = Array.from({ length: 6 }, () => store.hit('key:a', 5))
  t.same(verdicts.map((verdict) => verdict.allowed), [true, true, true, true, true, false])
  t.same(verdicts.map((verdict) => verdict.remaining), [4, 3, 2, 1, 0, 0])
  t.equal(verdicts[0]?.resetMs, 55_000, 'until the end of the window')
  t.equal(store.check('key:b', 5).allowed, true, 'an unknown bucket is under its limit')
  store.count('auth:192.0.2.1')
  t.equal(store.check('auth:192.0.2.1', 1).allowed, false, 'counted events are judged by check')

  await store.flush()
  t.equal(await countOf(collection, `key:a|${start}`), 5, 'refused requests are not counted')
  t.match(await collection.findOne({ _id: `auth:192.0.2.1|${start}` }), { kind: 'auth', count: 1, windowStart: new Date(start), expiresAt: new Date(start + 2 * WINDOW) })
  await store.flush()
  t.equal(await countOf(collection, `key:a|${start}`), 5, 'a flush with nothing new adds nothing')

  t.test('a new window starts from zero; the old one still gets what was counted in it', async (t) => {
    store.hit('key:c', 5)
    clock = 11 * WINDOW + 1
    t.equal(store.hit('key:a', 5).allowed, true)
    t.equal(store.hit('key:a', 5).remaining, 3)
    await store.flush()
    t.equal(await countOf(collection, `key:c|${start}`), 1)
    t.equal(await countOf(collection, `key:a|${11 * WINDOW}`), 2)
  })

  t.test('ended windows are removed', async (t) => {
    clock = 12 * WINDOW + 1
    await store.removeExpired()
    t.equal(await collection.countDocuments({ windowStart: new Date(start) }), 0)
    t.equal(await collection.countDocuments({ windowStart: new Date(11 * WINDOW) }), 1)
  })
})

t.test('a bucket pushed out of memory keeps its count', async (t) => {
  const { collection } = await database(t)
  const clock = 20 * WINDOW
  const store = createRateLimitStore({ collection, windowMs: WINDOW, maxBuckets: 2, limits, comment: 'background: test', now: () => clock })
  store.hit('ip:192.0.2.1', 5)
  store.hit('ip:192.0.2.1', 5)
  store.hit('ip:192.0.2.2', 5)
  store.hit('ip:192.0.2.3', 5)
  t.equal(store.check('ip:192.0.2.1', 5).remaining, 5, 'pushed out of memory')
  store.hit('ip:192.0.2.1', 5)
  store.hit('key:k', 5)
  await store.flush()
  t.equal(await countOf(collection, `ip:192.0.2.1|${clock}`), 3, 'every count was written')
  t.equal(store.hit('ip:192.0.2.1', 5).remaining, 1, 'and the total read back')
  t.equal(store.check('key:k', 5).remaining, 4, 'keys have their own room: addresses never push them out')
})

t.test('a write that fails for one bucket sends that bucket again, and only that one', async (t) => {
  const { collection, client } = await database(t)
  const clock = 30 * WINDOW
  const store = createRateLimitStore({ collection, windowMs: WINDOW, maxBuckets: 100, limits, comment: 'background: test', now: () => clock })
  // An _id longer than the validator allows: its upsert is refused, the others' are not.
  const long = `key:${'x'.repeat(300)}`
  store.hit(long, 5)
  store.hit('key:fine', 5)
  await t.rejects(store.flush(), { code: 121 }, 'the failure is reported')
  t.equal(await countOf(collection, `key:fine|${clock}`), 1)
  await client.db(collection.dbName).command({ collMod: 'rateLimits', validator: {} })
  await store.flush()
  t.equal(await countOf(collection, `${long}|${clock}`), 1, 'the refused increment is written once it can be')
  t.equal(await countOf(collection, `key:fine|${clock}`), 1, 'the written one is not written twice')
  t.equal(store.check('key:fine', 5).remaining, 4, 'nor counted twice here')
})

t.test('while the database is unreachable the instance counts alone, and writes its counts when it returns', { skip: process.env.MONGODB_URI ? 'needs an engine this test can stop' : false }, async (t) => {
  const setup = await database(t)
  const port = setup.engine?.port as number
  const clock = 40 * WINDOW
  const store = createRateLimitStore({ collection: setup.collection, windowMs: WINDOW, maxBuckets: 100, limits, comment: 'background: test', now: () => clock })
  store.hit('key:a', 5)
  await store.flush()
  await setup.engine?.stop()
  store.hit('key:a', 5)
  store.hit('key:a', 5)
  await t.rejects(store.flush())
  t.equal(store.check('key:a', 5).remaining, 2, 'the counts of this instance still hold')
  setup.engine = await startEmbeddedMongo({ port })
  // The engine is in memory: the restarted one is empty, so only the counts not written before arrive.
  await store.flush()
  t.equal(await countOf(setup.collection, `key:a|${clock}`), 2)
})
