import t from 'tap'
import { MongoBulkWriteError, ObjectId } from 'mongodb'
import { insertNew } from '../../../src/db/insert-once.js'
import { WriteBehind } from '../../../src/domains/imports/write-behind.js'
import { setup } from '../../db/embedded/helper.js'

interface Keyed { _id: ObjectId, key: string, n: number }
const KEY = { index: 'key_unique', fields: ['key'] }

t.test('insertNew stores what is not stored yet and counts the rest by their natural key', async (t) => {
  const { db } = await setup(t)
  const keyed = db.collection<Keyed>('keyed')
  await keyed.createIndex({ key: 1 }, { unique: true, name: 'key_unique' })
  const doc = (key: string, n: number): Keyed => ({ _id: new ObjectId(), key, n })

  t.same(await insertNew(keyed, [], KEY), { inserted: 0, existing: 0 }, 'nothing to store')
  t.same(await insertNew(keyed, [doc('a', 1), doc('b', 1), doc('c', 1)], KEY), { inserted: 3, existing: 0 })

  const again = await insertNew(keyed, [doc('a', 2), doc('d', 2), doc('b', 2), doc('e', 2)], KEY)
  t.same(again, { inserted: 2, existing: 2 }, 'a stored key in the middle does not stop the documents after it')
  t.same((await keyed.find({}, { projection: { _id: 0 } }).sort({ key: 1 }).toArray()),
    [{ key: 'a', n: 1 }, { key: 'b', n: 1 }, { key: 'c', n: 1 }, { key: 'd', n: 2 }, { key: 'e', n: 2 }], 'a stored document is left as it is')

  t.same(await insertNew(keyed, [doc('f', 3), doc('f', 4)], KEY), { inserted: 1, existing: 1 }, 'the same key twice in one batch: the first is stored')
  t.same(await keyed.findOne({ key: 'f' }, { projection: { _id: 0 } }), { key: 'f', n: 3 })
})

t.test('insertNew throws any other refusal, after storing what it could', async (t) => {
  const { db } = await setup(t)
  await db.createCollection('checked', { validator: { $jsonSchema: { bsonType: 'object', required: ['n'], properties: { n: { bsonType: 'int', minimum: 0 } } } } })
  const checked = db.collection<Keyed>('checked')
  await checked.createIndex({ key: 1 }, { unique: true, name: 'key_unique' })
  await checked.createIndex({ n: 1 }, { unique: true, name: 'n_unique' })
  await checked.insertOne({ _id: new ObjectId(), key: 'stored', n: 0 })

  const sameId = new ObjectId()
  await checked.insertOne({ _id: sameId, key: 'taken id', n: 1 })
  await t.rejects(insertNew(checked, [{ _id: sameId, key: 'other', n: 2 }], KEY), { code: 11000 }, 'a duplicate _id stored with another natural key')
  t.same(await insertNew(checked, [{ _id: sameId, key: 'taken id', n: 5 }, { _id: new ObjectId(), key: 'new', n: 6 }], KEY), { inserted: 1, existing: 1 },
    'a duplicate _id stored with the same natural key is stored already (a re-run with fixed ids)')
  t.same(await checked.findOne({ _id: sameId }, { projection: { _id: 0 } }), { key: 'taken id', n: 1 })
  await t.rejects(insertNew(checked, [{ _id: new ObjectId(), key: 'x', n: 0 }], KEY), { code: 11000 }, 'a duplicate on another unique index')

  const error = await insertNew(checked, [
    { _id: new ObjectId(), key: 'stored', n: 10 }, { _id: new ObjectId(), key: 'bad', n: -1 }, { _id: new ObjectId(), key: 'good', n: 11 }
  ], KEY).catch((e: unknown) => e)
  t.ok(error instanceof MongoBulkWriteError, 'a document failing validation throws the bulk write error')
  t.same((error as MongoBulkWriteError).insertedCount, 1)
  t.same(await checked.countDocuments({ key: 'good' }), 1, 'the valid new document was stored (unordered)')
  t.same(await checked.countDocuments({ key: 'bad' }), 0)
})

t.test('WriteBehind runs writes one after another, in order, and reports a failure once', async (t) => {
  const writes = new WriteBehind()
  const log: string[] = []
  const write = (name: string, fail = false) => async () => {
    log.push(`start ${name}`)
    await new Promise((resolve) => setImmediate(resolve))
    log.push(`end ${name}`)
    if (fail) throw new Error(`${name} failed`)
  }
  await writes.start(write('a'))
  t.same(log, ['start a'], 'start returns with the write in flight')
  await writes.start(write('b'))
  t.same(log, ['start a', 'end a', 'start b'], 'the next write starts once the one before finished')
  await writes.settled()
  t.same(log, ['start a', 'end a', 'start b', 'end b'])

  await writes.start(write('c', true))
  await t.rejects(writes.start(write('d')), { message: 'c failed' }, 'the failure is thrown by the next start')
  t.notOk(log.includes('start d'), 'and the write after a failure never starts')
  await writes.settled()
  await writes.start(write('e', true))
  await t.rejects(writes.settled(), { message: 'e failed' }, 'or by settled')
  await writes.settled()
})
