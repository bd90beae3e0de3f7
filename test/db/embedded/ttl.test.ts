import t from 'tap'
import type { Collection } from 'mongodb'
import { setup, type Row } from './helper.js'

/** Generous: mongod's monitor wakes every ttlMonitorSleepSecs (set to 1 here) but a pass may take its time. */
const BOUND_MS = 120_000

async function until (condition: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > BOUND_MS) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const ids = async (c: Collection<Row>): Promise<unknown[]> => (await c.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)

t.setTimeout(300_000)

t.test('TTL indexes', async (t) => {
  const { db, client } = await setup(t)
  const admin = client.db('admin')
  const { was } = await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 })
  t.teardown(async () => { await admin.command({ setParameter: 1, ttlMonitorSleepSecs: was }) })
  const hour = 60 * 60 * 1000
  const past = new Date(Date.now() - hour)

  t.test('expired documents are deleted; future, non-date and missing values stay', async (t) => {
    const sessions = db.collection<Row>('sessions')
    await sessions.createIndex({ at: 1 }, { expireAfterSeconds: 60 })
    await sessions.insertMany([
      { _id: 1, at: past },
      { _id: 2, at: new Date(Date.now() + hour) },
      { _id: 3, at: past.toISOString() },
      { _id: 4 },
      { _id: 5, at: [new Date(Date.now() + hour), past] },
      { _id: 6, at: [new Date(Date.now() + hour)] },
      { _id: 7, at: new Date(Date.now() - 30_000) }
    ])
    await until(async () => (await sessions.countDocuments({ _id: { $in: [1, 5] } })) === 0, 'the expired documents are gone')
    t.same(await ids(sessions), [2, 3, 4, 6, 7], 'a date in the future, a string, no field, only future dates, and one not yet expired stay')
  })

  t.test('a descending index and a partial one expire documents too', async (t) => {
    const down = db.collection<Row>('down')
    await down.createIndex({ at: -1 }, { expireAfterSeconds: 0 })
    await down.insertMany([{ _id: 1, at: past }, { _id: 2, at: new Date(Date.now() + hour) }])
    const partial = db.collection<Row>('partialTtl')
    await partial.createIndex({ at: 1 }, { expireAfterSeconds: 0, partialFilterExpression: { kind: 'temp' } })
    await partial.insertMany([{ _id: 1, at: past, kind: 'temp' }, { _id: 2, at: past, kind: 'keep' }])
    await until(async () => (await down.countDocuments({ _id: 1 })) === 0 && (await partial.countDocuments({ _id: 1 })) === 0, 'both expired')
    t.same(await ids(down), [2])
    t.same(await ids(partial), [2], 'outside the partial filter nothing expires')
  })

  t.test('collMod changes expireAfterSeconds', async (t) => {
    const keys = db.collection<Row>('keys')
    await keys.createIndex({ createdAt: 1 }, { expireAfterSeconds: 0, name: 'createdAt_ttl' })
    const changed = await db.command({ collMod: 'keys', index: { name: 'createdAt_ttl', expireAfterSeconds: 2 * 60 * 60 } })
    t.same([changed.expireAfterSeconds_old, changed.expireAfterSeconds_new], [0, 7200])
    t.equal((await keys.listIndexes().toArray()).find((i) => i.name === 'createdAt_ttl')?.expireAfterSeconds, 7200)
    await keys.insertOne({ _id: 'fresh', createdAt: past })
    // A document of another TTL collection, expired at once, tells when a pass has run since.
    const probe = db.collection<Row>('probe')
    await probe.createIndex({ at: 1 }, { expireAfterSeconds: 0 })
    await probe.insertOne({ _id: 'probe', at: past })
    await until(async () => (await probe.countDocuments({})) === 0, 'a pass ran')
    t.same(await ids(keys), ['fresh'], 'an hour old is not two hours old')
    const byKey = await db.command({ collMod: 'keys', index: { keyPattern: { createdAt: 1 }, expireAfterSeconds: 1 } })
    t.equal(byKey.expireAfterSeconds_new, 1)
    await until(async () => (await keys.countDocuments({})) === 0, 'it expires under the new setting')
    await t.rejects(db.command({ collMod: 'keys', index: { name: 'nope', expireAfterSeconds: 5 } }), { code: 27 })
  })

  t.test('expireAfterSeconds must be a non-negative number', async (t) => {
    await t.rejects(db.collection('bad').createIndex({ at: 1 }, { expireAfterSeconds: -1 }), { code: 67 })
    await t.rejects(db.collection('bad').createIndex({ at: 1 }, { expireAfterSeconds: 'soon' as unknown as number }))
  })
})
