import t from 'tap'
import { ObjectId } from 'mongodb'
import { setup, type Row } from './helper.js'

interface Numbered { _id: number; [field: string]: unknown }

t.test('upserts that set _id', async (t) => {
  const { db } = await setup(t)

  t.test('$setOnInsert of _id is used when the upsert inserts, and _id comes first', async (t) => {
    const clients = db.collection<Row>('clients')
    const id = new ObjectId('5f18d12f42262eec0d43567d')
    const inserted = await clients.updateOne({ nickName: 'x' }, { $setOnInsert: { _id: id, nickName: 'x' } }, { upsert: true })
    t.equal(inserted.upsertedCount, 1)
    t.equal(inserted.matchedCount, 0)
    t.equal(String(inserted.upsertedId), id.toHexString())
    const stored = await clients.findOne({ nickName: 'x' })
    t.same(Object.keys(stored ?? {}), ['_id', 'nickName'])
    t.equal(String(stored?._id), id.toHexString())

    const again = await clients.updateOne({ nickName: 'x' }, { $setOnInsert: { _id: new ObjectId(), nickName: 'x' } }, { upsert: true })
    t.same([again.matchedCount, again.modifiedCount, again.upsertedCount, again.upsertedId], [1, 0, 0, null])
    t.equal(await clients.countDocuments(), 1)
    t.equal(String((await clients.findOne({ nickName: 'x' }))?._id), id.toHexString(), 'an existing document keeps its _id')
  })

  t.test('findOneAndUpdate upserts with the _id of $setOnInsert', async (t) => {
    const engagements = db.collection<Row>('engagements')
    const id = new ObjectId()
    const after = await engagements.findOneAndUpdate(
      { clientId: 1, name: 'Email' },
      { $setOnInsert: { _id: id, createdAt: new Date(0) }, $set: { label: 'E-mail' } },
      { upsert: true, returnDocument: 'after' }
    )
    t.same(after, { _id: id, clientId: 1, name: 'Email', createdAt: new Date(0), label: 'E-mail' })
    t.equal(Object.keys(after ?? {})[0], '_id')
    const before = await engagements.findOneAndUpdate(
      { clientId: 1, name: 'Email' },
      { $setOnInsert: { _id: new ObjectId(), createdAt: new Date(1) }, $set: { label: 'Mail' } },
      { upsert: true, returnDocument: 'before' }
    )
    t.same(before, { _id: id, clientId: 1, name: 'Email', createdAt: new Date(0), label: 'E-mail' })
  })

  t.test('bulk upserts with $setOnInsert of _id report the inserted ids', async (t) => {
    const topics = db.collection<Row>('topics')
    const ids = [new ObjectId(), new ObjectId()]
    const result = await topics.bulkWrite([
      { updateOne: { filter: { clientId: 1, product: 'a' }, update: { $setOnInsert: { _id: ids[0], clientId: 1, product: 'a' } }, upsert: true } },
      { updateOne: { filter: { clientId: 1, product: 'b' }, update: { $setOnInsert: { _id: ids[1], clientId: 1, product: 'b' } }, upsert: true } },
      { updateOne: { filter: { clientId: 1, product: 'a' }, update: { $setOnInsert: { _id: new ObjectId(), clientId: 1, product: 'a' } }, upsert: true } }
    ])
    t.equal(result.upsertedCount, 2)
    t.equal(result.matchedCount, 1)
    t.equal(result.modifiedCount, 0)
    t.same(Object.entries(result.upsertedIds).map(([i, v]) => [Number(i), String(v)]), [[0, ids[0].toHexString()], [1, ids[1].toHexString()]])
    t.same((await topics.find().sort({ product: 1 }).toArray()).map((d) => String(d._id)), ids.map(String))
  })

  t.test('$set of _id equal to the query _id is allowed; another value is refused', async (t) => {
    const items = db.collection<Numbered>('items')
    const up = await items.updateOne({ _id: 7 }, { $set: { _id: 7, a: 1 } }, { upsert: true })
    t.equal(up.upsertedId, 7)
    t.same(await items.findOne({ _id: 7 }), { _id: 7, a: 1 })
    const same = await items.updateOne({ _id: 7 }, { $set: { _id: 7, a: 2 } })
    t.same([same.matchedCount, same.modifiedCount], [1, 1])
    t.same(await items.findOne({ _id: 7 }), { _id: 7, a: 2 })
    await t.rejects(items.updateOne({ _id: 7 }, { $set: { _id: 8 } }), { code: 66 })
    await t.rejects(items.updateOne({ _id: 9 }, { $setOnInsert: { _id: 10 } }, { upsert: true }), { code: 66 })
    await t.rejects(items.updateOne({ _id: 9 }, { $set: { _id: 10 } }, { upsert: true }), { code: 66 })
    t.equal(await items.countDocuments(), 1)
    const inserted = await items.updateOne({ _id: 11 }, { $setOnInsert: { _id: 11, b: true } }, { upsert: true })
    t.equal(inserted.upsertedId, 11)
    t.same(await items.findOne({ _id: 11 }), { _id: 11, b: true })
  })

  t.test('a $set and a $setOnInsert of the same path conflict', async (t) => {
    const items = db.collection<Row>('conflicts')
    await t.rejects(items.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, { upsert: true }), { code: 40 })
    await t.rejects(items.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { 'a.b': 2 } }, { upsert: true }), { code: 40 })
    t.equal(await items.countDocuments(), 0)
  })

  t.test('an upsert that matches and changes nothing reports nModified 0', async (t) => {
    const rows = db.collection<Numbered>('unchanged')
    await rows.insertOne({ _id: 1, clientId: 1, contentKey: 'k', v: 5, at: new Date(5), tags: ['a'] })
    const update = { $set: { v: 5, at: new Date(5), tags: ['a'] }, $setOnInsert: { _id: 2 } }
    const one = await rows.updateOne({ clientId: 1, contentKey: 'k' }, update, { upsert: true })
    t.same([one.matchedCount, one.modifiedCount, one.upsertedCount], [1, 0, 0])
    const bulk = await rows.bulkWrite([
      { updateOne: { filter: { clientId: 1, contentKey: 'k' }, update, upsert: true } },
      { updateOne: { filter: { clientId: 1, contentKey: 'k' }, update: { $set: { v: 6 } }, upsert: true } }
    ])
    t.same([bulk.matchedCount, bulk.modifiedCount, bulk.upsertedCount], [2, 1, 0])
    const raw = await db.command({ update: 'unchanged', updates: [{ q: { clientId: 1, contentKey: 'k' }, u: { $set: { v: 6 } }, upsert: true }] })
    t.same([raw.n, raw.nModified, raw.upserted], [1, 0, undefined])
  })
})
