import t from 'tap'
import { setup, type Row } from './helper.js'

interface Item { _id: number; name: string; qty: number; tags: string[]; size?: { h: number; uom: string }; imperial?: boolean }
interface Ops { _id: number; a: number; b: number; b2: number; list: number[]; old?: string; gone?: boolean; nums: number[]; touched?: Date }

t.test('CRUD through the driver', async (t) => {
  const { db } = await setup(t)
  const items = db.collection<Item>('items')
  await items.insertMany([
    { _id: 1, name: 'journal', qty: 25, tags: ['blank', 'red'], size: { h: 14, uom: 'cm' } },
    { _id: 2, name: 'notebook', qty: 50, tags: ['red', 'blank'], size: { h: 8.5, uom: 'in' } },
    { _id: 3, name: 'paper', qty: 100, tags: ['red', 'blank', 'plain'], size: { h: 8.5, uom: 'in' } },
    { _id: 4, name: 'planner', qty: 75, tags: ['blank', 'red'], size: { h: 22.85, uom: 'cm' } },
    { _id: 5, name: 'postcard', qty: 45, tags: ['blue'] }
  ])

  t.test('find filters with operators, dotted paths and arrays', async (t) => {
    t.same((await items.find({ qty: { $gte: 50 } }).sort({ _id: 1 }).toArray()).map((d) => d._id), [2, 3, 4])
    t.same((await items.find({ 'size.uom': 'in' }).sort({ _id: 1 }).toArray()).map((d) => d._id), [2, 3])
    t.same((await items.find({ tags: 'plain' }).toArray()).map((d) => d._id), [3])
    t.same((await items.find({ tags: { $all: ['red', 'blank'] }, qty: { $lt: 60 } }).sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2])
    t.same((await items.find({ $or: [{ qty: { $lt: 30 } }, { name: /^post/ }] }).sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 5])
    t.same((await items.find({ size: { $exists: false } }).toArray()).map((d) => d._id), [5])
    t.same((await items.find({ _id: { $in: [5, 3, 42] } }).sort({ _id: 1 }).toArray()).map((d) => d._id), [3, 5])
  })

  t.test('find sorts, skips, limits and projects', async (t) => {
    const page = await items.find({}, { projection: { name: 1, _id: 0 } }).sort({ qty: -1 }).skip(1).limit(2).toArray()
    t.same(page, [{ name: 'planner' }, { name: 'notebook' }])
    const excluded = await items.findOne({ _id: 5 }, { projection: { tags: 0, qty: 0 } })
    t.same(excluded, { _id: 5, name: 'postcard' })
    const sliced = await items.findOne({ _id: 3 }, { projection: { tags: { $slice: 1 }, name: 1 } })
    t.same(sliced, { _id: 3, name: 'paper', tags: ['red'] })
    const compound = await items.find({ 'size.uom': { $exists: true } }).sort({ 'size.h': 1, name: -1 }).project({ _id: 1 }).toArray()
    t.same(compound.map((d) => d._id), [3, 2, 1, 4])
  })

  t.test('updateOne applies operators and reports matched and modified counts', async (t) => {
    const result = await items.updateOne({ _id: 1 }, { $set: { 'size.uom': 'mm' }, $inc: { qty: 5 }, $push: { tags: 'new' } })
    t.equal(result.matchedCount, 1)
    t.equal(result.modifiedCount, 1)
    t.same(await items.findOne({ _id: 1 }), { _id: 1, name: 'journal', qty: 30, tags: ['blank', 'red', 'new'], size: { h: 14, uom: 'mm' } })
    const unchanged = await items.updateOne({ _id: 1 }, { $set: { qty: 30 } })
    t.equal(unchanged.matchedCount, 1)
    t.equal(unchanged.modifiedCount, 0)
  })

  t.test('more update operators', async (t) => {
    const ops = db.collection<Ops>('ops')
    await ops.insertOne({ _id: 1, a: 5, b: 10, b2: 4, list: [1, 2, 3, 2], old: 'x', gone: true, nums: [1, 5, 9] })
    await ops.updateOne({ _id: 1 }, {
      $min: { a: 3 },
      $max: { b: 20 },
      $mul: { b2: 2 },
      $pull: { list: 2 },
      $rename: { old: 'renamed' },
      $unset: { gone: '' },
      $addToSet: { nums: { $each: [5, 11] } },
      $currentDate: { touched: true }
    })
    const doc = await ops.findOne({ _id: 1 })
    t.ok(doc?.touched instanceof Date)
    delete doc?.touched
    t.same(doc, { _id: 1, a: 3, b: 20, b2: 8, list: [1, 3], nums: [1, 5, 9, 11], renamed: 'x' })
    await ops.updateOne({ _id: 1 }, { $pop: { nums: -1 }, $push: { list: { $each: [7, 0], $sort: 1 } } })
    t.same(await ops.findOne({ _id: 1 }, { projection: { list: 1, nums: 1 } }), { _id: 1, list: [0, 1, 3, 7], nums: [5, 9, 11] })
  })

  t.test('updateMany updates every match', async (t) => {
    const result = await items.updateMany({ 'size.uom': 'in' }, { $set: { imperial: true } })
    t.equal(result.matchedCount, 2)
    t.equal(result.modifiedCount, 2)
    t.equal(await items.countDocuments({ imperial: true }), 2)
  })

  t.test('arrayFilters update matching array elements only', async (t) => {
    const grades = db.collection<Row>('grades')
    await grades.insertOne({ _id: 1, grades: [95, 92, 90, 100] })
    await grades.updateOne({ _id: 1 }, { $set: { 'grades.$[g]': 0 } }, { arrayFilters: [{ g: { $gte: 95 } }] })
    t.same(await grades.findOne({ _id: 1 }), { _id: 1, grades: [0, 92, 90, 0] })
    await grades.updateOne({ _id: 1, grades: 92 }, { $set: { 'grades.$': 93 } })
    t.same(await grades.findOne({ _id: 1 }), { _id: 1, grades: [0, 93, 90, 0] })
  })

  t.test('pipeline-style updates compute from the document', async (t) => {
    const totals = db.collection<Row>('totals')
    await totals.insertOne({ _id: 1, price: 10, qty: 3 })
    await totals.updateOne({ _id: 1 }, [{ $set: { total: { $multiply: ['$price', '$qty'] } } }, { $unset: 'qty' }])
    t.same(await totals.findOne({ _id: 1 }), { _id: 1, price: 10, total: 30 })
  })

  t.test('upserts insert from the filter equality fields and $setOnInsert', async (t) => {
    const accounts = db.collection<Row>('accounts')
    const first = await accounts.updateOne({ user: 'ada', region: { $eq: 'eu' } }, { $inc: { logins: 1 }, $setOnInsert: { created: 'now' } }, { upsert: true })
    t.equal(first.upsertedCount, 1)
    t.equal(first.matchedCount, 0)
    const doc = await accounts.findOne({ user: 'ada' }, { projection: { _id: 0 } })
    t.same(doc, { user: 'ada', region: 'eu', logins: 1, created: 'now' })
    const second = await accounts.updateOne({ user: 'ada', region: 'eu' }, { $inc: { logins: 1 }, $setOnInsert: { created: 'later' } }, { upsert: true })
    t.equal(second.upsertedCount, 0)
    t.equal(second.matchedCount, 1)
    t.same(await accounts.findOne({ user: 'ada' }, { projection: { _id: 0 } }), { user: 'ada', region: 'eu', logins: 2, created: 'now' })
    const replaced = await accounts.replaceOne({ _id: 'fixed' }, { user: 'alan' }, { upsert: true })
    t.equal(replaced.upsertedId, 'fixed')
    t.same(await accounts.findOne({ _id: 'fixed' }), { _id: 'fixed', user: 'alan' })
  })

  t.test('an upsert may choose its _id in $setOnInsert; $set of the same _id is allowed', async (t) => {
    const customers = db.collection<Row>('customers')
    const result = await customers.updateOne({ tenant: 't1', number: 4 }, { $setOnInsert: { _id: 'chosen', inferred: true } }, { upsert: true })
    t.equal(result.upsertedId, 'chosen')
    t.same(await customers.findOne({ number: 4 }), { _id: 'chosen', tenant: 't1', number: 4, inferred: true })
    const again = await customers.updateOne({ tenant: 't1', number: 4 }, { $setOnInsert: { _id: 'other' }, $set: { seen: 2 } }, { upsert: true })
    t.equal(again.matchedCount, 1)
    t.same(await customers.findOne({ number: 4 }), { _id: 'chosen', tenant: 't1', number: 4, inferred: true, seen: 2 })
    await customers.updateOne({ _id: 'chosen' }, { $set: { _id: 'chosen', seen: 3 } })
    t.equal((await customers.findOne({ _id: 'chosen' }))?.seen, 3)
  })

  t.test('replaceOne keeps _id and refuses to change it', async (t) => {
    await items.replaceOne({ _id: 5 }, { name: 'postcard', qty: 1, tags: [] })
    t.same(await items.findOne({ _id: 5 }), { _id: 5, name: 'postcard', qty: 1, tags: [] })
    await t.rejects(db.collection<Row>('items').replaceOne({ _id: 5 }, { _id: 6, name: 'x', qty: 0, tags: [] }), { code: 66 })
    await t.rejects(items.updateOne({ _id: 5 }, { $set: { _id: 7 } }), { code: 66 })
  })

  t.test('an unknown update operator is rejected', async (t) => {
    await t.rejects(db.collection<Row>('items').updateOne({ _id: 5 }, { $frobnicate: { a: 1 } }), { code: 9 })
  })

  t.test('findOneAndUpdate returns the document before or after, with sort and projection', async (t) => {
    const queue = db.collection<Row>('queue')
    await queue.insertMany([{ _id: 1, p: 2, state: 'new' }, { _id: 2, p: 9, state: 'new' }, { _id: 3, p: 5, state: 'new' }])
    const before = await queue.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { p: -1 }, projection: { p: 1 } })
    t.same(before, { _id: 2, p: 9 })
    const after = await queue.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { p: -1 }, returnDocument: 'after' })
    t.same(after, { _id: 3, p: 5, state: 'taken' })
    const none = await queue.findOneAndUpdate({ state: 'missing' }, { $set: { x: 1 } })
    t.equal(none, null)
    const upserted = await queue.findOneAndUpdate({ _id: 10 }, { $set: { state: 'new', p: 0 } }, { upsert: true, returnDocument: 'after' })
    t.same(upserted, { _id: 10, state: 'new', p: 0 })
    const full = await queue.findOneAndReplace({ _id: 1 }, { p: 1 }, { returnDocument: 'after', includeResultMetadata: true })
    t.same(full.value, { _id: 1, p: 1 })
    t.equal(full.lastErrorObject?.updatedExisting, true)
    const removed = await queue.findOneAndDelete({ state: 'taken' }, { sort: { p: 1 } })
    t.same(removed, { _id: 3, p: 5, state: 'taken' })
    t.equal(await queue.countDocuments(), 3)
  })

  t.test('deleteOne removes one match and deleteMany all', async (t) => {
    const trash = db.collection<Row>('trash')
    await trash.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }])
    t.equal((await trash.deleteOne({ k: 1 })).deletedCount, 1)
    t.equal((await trash.deleteMany({ k: 1 })).deletedCount, 2)
    t.equal((await trash.deleteMany({ k: 99 })).deletedCount, 0)
    t.same((await trash.find({}, { projection: { _id: 0 } }).toArray()), [{ k: 2 }])
  })

  t.test('count, countDocuments, estimatedDocumentCount and distinct', async (t) => {
    const fruit = db.collection<Row>('fruit')
    await fruit.insertMany([
      { kind: 'apple', colors: ['red', 'green'] },
      { kind: 'apple', colors: ['green'] },
      { kind: 'pear', colors: ['green', 'yellow'] },
      { kind: 'plum' }
    ])
    t.equal(await fruit.countDocuments({ kind: 'apple' }), 2)
    t.equal(await fruit.countDocuments({}, { skip: 1, limit: 2 }), 2)
    t.equal(await fruit.estimatedDocumentCount(), 4)
    t.equal((await db.command({ count: 'fruit', query: { colors: 'green' } })).n, 3)
    t.same((await fruit.distinct('kind')).sort(), ['apple', 'pear', 'plum'])
    t.same((await fruit.distinct('colors', { kind: { $ne: 'plum' } })).sort(), ['green', 'red', 'yellow'])
    t.same(await db.collection<Row>('nothing').distinct('x'), [])
    t.equal(await db.collection<Row>('nothing').countDocuments(), 0)
  })

  t.test('writes with w:0 are applied without a reply', async (t) => {
    const fire = db.collection<Row>('fireAndForget')
    await fire.insertOne({ _id: 1 }, { writeConcern: { w: 0 } })
    await fire.insertOne({ _id: 2 })
    t.same((await fire.find().sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2])
  })
})
