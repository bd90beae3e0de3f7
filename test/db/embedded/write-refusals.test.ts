import t from 'tap'
import { BSONRegExp, Timestamp } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('writes mongod 7.0 refuses, and the _id a pipeline update keeps', async (t) => {
  const { db } = await setup(t)
  const docs = db.collection<Row>('docs')
  await docs.insertMany([{ _id: 1, n: 1, s: 'a' }, { _id: 2, n: 2, s: 'b' }])

  t.test('an update or replace with a sort option is an unknown field to 7.0', async (t) => {
    await t.rejects(docs.updateOne({}, { $set: { z: 1 } }, { sort: { _id: -1 } }), { code: 40415, message: "BSON field 'update.updates.sort' is an unknown field." })
    await t.rejects(docs.replaceOne({}, { n: 9 }, { sort: { _id: -1 } }), { code: 40415 })
    await t.rejects(db.command({ update: 'docs', updates: [{ q: {}, u: { $set: { z: 1 } }, extra: true }] }), { code: 40415, message: "BSON field 'update.updates.extra' is an unknown field." })
    await t.rejects(db.command({ delete: 'docs', deletes: [{ q: {}, limit: 0, sort: { _id: 1 } }] }), { code: 40415 })
    await t.rejects(db.command({ update: 'docs', updates: [{ q: {} }] }), { code: 40414 })
    t.same(await docs.find().sort({ _id: 1 }).toArray(), [{ _id: 1, n: 1, s: 'a' }, { _id: 2, n: 2, s: 'b' }], 'nothing changed')
  })

  t.test('inserts refuse _id values mongod cannot store', async (t) => {
    await t.rejects(docs.insertOne({ _id: { $a: 1 } } as unknown as Row), { code: 52, message: "_id fields may not contain '$'-prefixed fields: $a is not valid for storage." })
    await t.rejects(docs.insertOne({ _id: { a: { $b: 1 } } } as unknown as Row), { code: 52 })
    await t.rejects(docs.insertOne({ _id: [1, 2] } as unknown as Row), { code: 2, message: "can't use an array for _id" })
    await t.rejects(docs.insertOne({ _id: new BSONRegExp('x') } as unknown as Row), { code: 2, message: "can't use a regex for _id" })
    await docs.insertOne({ _id: { a: 1, b: { c: 2 } } } as unknown as Row)
    t.equal(await docs.countDocuments({ _id: { a: 1, b: { c: 2 } } } as unknown as Row), 1, 'an embedded _id without $ fields is stored')
    const result = await docs.insertMany([{ _id: 10 }, { _id: { $x: 1 } } as unknown as Row, { _id: 11 }], { ordered: false }).catch((e: { writeErrors?: Array<{ index: number; code: number }> }) => e)
    t.same((result as { writeErrors: Array<{ index: number; code: number }> }).writeErrors.map((e) => [e.index, e.code]), [[1, 52]])
    t.equal(await docs.countDocuments({ _id: { $in: [10, 11] } }), 2, 'unordered inserts keep the good documents')
  })

  t.test('inserts accept $-prefixed and dotted field names outside _id (5.0+), and fill top-level zero timestamps', async (t) => {
    await docs.insertOne({ _id: 20, $price: 5, 'a.b': 1, nested: { $x: 1 } })
    t.same(await docs.findOne({ _id: 20 }), { _id: 20, $price: 5, 'a.b': 1, nested: { $x: 1 } })
    await docs.insertOne({ _id: 21, ts: new Timestamp({ t: 0, i: 0 }), inner: { ts: new Timestamp({ t: 0, i: 0 }) } })
    const stored = await docs.findOne({ _id: 21 }) as unknown as { ts: Timestamp; inner: { ts: Timestamp } }
    t.ok(stored.ts.t > 1_600_000_000, 'a top-level Timestamp(0, 0) becomes the current time')
    t.equal(stored.inner.ts.t, 0, 'a nested one is kept')
  })

  t.test('documents nested deeper than 180 levels are refused', async (t) => {
    let deep: Row = { leaf: 1 }
    for (let i = 0; i < 180; i++) deep = { d: deep }
    await t.rejects(docs.insertOne({ _id: 30, ...deep }), { code: 15 })
    let ok: Row = { leaf: 1 }
    for (let i = 0; i < 178; i++) ok = { d: ok }
    await docs.insertOne({ _id: 31, ...ok })
    t.equal(await docs.countDocuments({ _id: 31 }), 1)
  })

  t.test('replacements refuse top-level $ fields and unstorable _id values', async (t) => {
    await t.rejects(db.command({ update: 'docs', updates: [{ q: { _id: 1 }, u: { n: 5, $bad: 1 } }] }).then((r) => { if (r.writeErrors !== undefined) throw r.writeErrors[0] }), { code: 52 })
    await t.rejects(db.command({ update: 'docs', updates: [{ q: { _id: 99 }, u: { _id: [1], n: 1 }, upsert: true }] }).then((r) => { if (r.writeErrors !== undefined) throw r.writeErrors[0] }), { code: 53 })
    t.equal(await docs.countDocuments({ n: 5 }), 0)
  })

  t.test('a pipeline update whose result has no _id keeps the document _id', async (t) => {
    const projected = await docs.updateOne({ _id: 1 }, [{ $project: { _id: 0, n: 1 } }])
    t.equal(projected.modifiedCount, 1)
    t.same(await docs.findOne({ _id: 1 }), { _id: 1, n: 1 })
    await docs.updateOne({ _id: 2 }, [{ $replaceWith: { m: '$n' } }])
    t.same(await docs.findOne({ _id: 2 }), { _id: 2, m: 2 })
    await docs.updateOne({ _id: 2 }, [{ $unset: '_id' }, { $set: { k: 1 } }])
    t.same(await docs.findOne({ _id: 2 }), { _id: 2, m: 2, k: 1 })
    const after = await docs.findOneAndUpdate({ _id: 2 }, [{ $replaceRoot: { newRoot: { only: true } } }], { returnDocument: 'after' })
    t.same(after, { _id: 2, only: true })
  })

  t.test('changing _id is still refused', async (t) => {
    await t.rejects(docs.updateOne({ _id: 1 }, [{ $set: { _id: 5 } }]), { code: 66 })
    await t.rejects(docs.updateOne({ _id: 1 }, { $set: { _id: 5 } }), { code: 66 })
    await t.rejects(docs.replaceOne({ _id: 1 }, { _id: 5, n: 1 }), { code: 66 })
    t.same(await docs.findOne({ _id: 1 }), { _id: 1, n: 1 })
  })
})
