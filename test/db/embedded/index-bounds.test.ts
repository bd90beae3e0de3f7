import t from 'tap'
import { ObjectId, type Document } from 'mongodb'
import { setup, type Row } from './helper.js'
import { executionStats, stage, stageNames, winningPlan } from './plans.js'

const day = (d: number): Date => new Date(Date.UTC(2024, 0, d))
const oid = new ObjectId('65a1b2c3d4e5f60718293a4b')

/** One value of each kind the queries below tell apart: numbers, strings, dates, null and missing, arrays, booleans. */
const VALUES: unknown[] = [1, 2.5, 5, 7, 10, -3, '10', 'a', 'ab', 'abc', 'b', 'ba', '', day(1), day(5), day(9), null, undefined, [2, 12], [], true, false, oid, { x: 1 }]

t.test('index bounds for each operator, and the same answers as a collection scan', async (t) => {
  const { db } = await setup(t)
  const rows = db.collection<Row>('rows')
  await rows.createIndex({ a: 1 })
  await rows.insertMany(VALUES.map((a, i) => (a === undefined ? { _id: i } : { _id: i, a })))
  // No arrays here: a multikey index may use only one of two conditions on a field.
  const scalars = db.collection<Row>('scalars')
  await scalars.createIndex({ a: 1 })
  await scalars.insertMany(VALUES.flatMap((a, i) => (Array.isArray(a) ? [] : [a === undefined ? { _id: i } : { _id: i, a }])))
  const bounds = async (filter: Document): Promise<unknown> => stage(winningPlan(await scalars.find(filter).explain('queryPlanner')), 'IXSCAN')?.indexBounds

  /** The query's ids through the index and through a collection scan (hint $natural), which must agree. */
  const check = async (filter: Document, expected?: string[]): Promise<number[]> => {
    const indexed = (await rows.find(filter).toArray()).map((d) => d._id as number).sort((x, y) => x - y)
    const scanned = (await rows.find(filter).hint({ $natural: 1 }).toArray()).map((d) => d._id as number).sort((x, y) => x - y)
    t.same(indexed, scanned, `${JSON.stringify(filter)}: the index answers as a scan does`)
    if (expected !== undefined) t.same(await bounds(filter), { a: expected }, `${JSON.stringify(filter)} bounds`)
    return indexed
  }

  t.same(await check({ a: 5 }, ['[5, 5]']), [2])
  t.same(await check({ a: { $in: [7, 2.5] } }, ['[2.5, 2.5]', '[7, 7]']), [1, 3])
  t.same(await check({ a: { $gt: 5 } }, ['(5, inf.0]']), [3, 4, 18], 'numbers only, and an array with a larger element')
  t.same(await check({ a: { $gte: 2, $lt: 7 } }), [1, 2, 18])
  t.same(await bounds({ a: { $gte: 2, $lt: 7 } }), { a: ['[2, 7)'] }, 'both conditions bound a field that holds no array')
  t.same(await check({ a: { $lte: 1 } }, ['[-inf.0, 1]']), [0, 5])
  t.same(await check({ a: { $gt: 'ab' } }, ['("ab", {})']), [9, 10, 11], 'strings only')
  t.same(await check({ a: { $lt: 'ab' } }, ['["", "ab")']), [6, 7, 12])
  t.same(await check({ a: { $gte: day(5) } }, [`[new Date(${day(5).getTime()}), new Date(9223372036854775807)]`]), [14, 15])
  t.same(await check({ a: { $lt: day(5) } }), [13])
  t.same(await check({ a: null }, ['[undefined, undefined]', '[null, null]']), [16, 17])
  t.same(await check({ a: /^ab/ }, ['["ab", "ac")', '[/^ab/, /^ab/]']), [8, 9])
  t.same(await check({ a: { $regex: 'b' } }), [8, 9, 10, 11])
  t.same(await check({ a: { $eq: oid } }), [22])
  t.same(await check({ a: true }), [20])
  t.same(await check({ a: { x: 1 } }), [23])
  t.same(await check({ a: [2, 12] }), [18])
  t.same(await check({ a: [] }), [19])
  t.same(await check({ a: 12 }), [18], 'an element of an array')
  t.equal((await check({ a: { $ne: 5 } })).length, VALUES.length - 1)
  t.same(await check({ a: { $nin: [1, 5, null] } }), [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23])
  t.same(await check({ a: { $exists: false } }), [17])
  t.equal((await check({ a: { $exists: true } })).length, VALUES.length - 1)
  t.same(await check({ a: { $type: 'string' } }), [6, 7, 8, 9, 10, 11, 12])
  t.same(await check({ a: { $type: ['date', 'bool'] } }), [13, 14, 15, 20, 21])
  t.same(await check({ a: { $not: { $gt: 5 } } }).then((ids) => ids.includes(3) || ids.includes(18)), false)
  t.same(await check({ a: { $elemMatch: { $gt: 10 } } }), [18])
  t.same(await check({ a: { $all: [2, 12] } }), [18])
  t.same(await check({ a: { $in: [] } }), [])
  t.same(await check({ a: { $gt: 5, $lt: 3 } }), [18], 'an array may meet each condition with a different element')
  t.same((await scalars.find({ a: { $gt: 5, $lt: 3 } }).toArray()).length, 0)
  t.same(await check({ $or: [{ a: 1 }, { a: { $gte: 'b' } }] }), [0, 10, 11])
  t.same(await check({ $and: [{ a: { $gte: 1 } }, { a: { $lt: 5 } }] }), [0, 1, 18])
  t.same((await scalars.find({ a: { $gte: 2 }, $expr: { $lt: ['$a', 7] } }).toArray()).map((d) => d._id).sort(), [1, 2])
  t.same(await check({ $nor: [{ a: { $exists: true } }] }), [17])
})

t.test('compound indexes: an equality prefix, a range on the next field, the order from the index', async (t) => {
  const { db } = await setup(t)
  const events = db.collection<Row>('events')
  await events.createIndex({ kind: 1, at: -1 })
  await events.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: i, kind: `k${i % 3}`, at: day(1 + i), n: i })))
  const filter = { kind: 'k1', at: { $gte: day(20) } }

  const newest = events.find(filter).sort({ at: -1 }).limit(3)
  t.same((await newest.toArray()).map((d) => d._id), [58, 55, 52])
  const explained = await events.find(filter).sort({ at: -1 }).limit(3).explain('executionStats')
  const plan = winningPlan(explained)
  t.same(stageNames(plan), ['LIMIT', 'FETCH', 'IXSCAN'], 'no in-memory sort')
  const scan = stage(plan, 'IXSCAN') as Document
  t.equal(scan.indexName, 'kind_1_at_-1')
  t.equal(scan.direction, 'forward')
  t.same(scan.indexBounds, { kind: ['["k1", "k1"]'], at: [`[new Date(9223372036854775807), new Date(${day(20).getTime()})]`] })
  const stats = executionStats(explained)
  t.same([stats.nReturned, stats.totalKeysExamined, stats.totalDocsExamined], [3, 3, 3], 'the scan stops at the limit')

  const oldest = await events.find(filter).sort({ at: 1 }).limit(2).explain('queryPlanner')
  const back = stage(winningPlan(oldest), 'IXSCAN') as Document
  t.equal(back.direction, 'backward')
  t.same(back.indexBounds.at, [`[new Date(${day(20).getTime()}), new Date(9223372036854775807)]`])
  t.same((await events.find(filter).sort({ at: 1 }).limit(2).toArray()).map((d) => d._id), [19, 22])

  const both = await events.find({ kind: { $in: ['k0', 'k2'] }, at: { $lt: day(7) } }).toArray()
  t.same(both.map((d) => d._id).sort((a, b) => Number(a) - Number(b)), [0, 2, 3, 5])
  const skipped = await events.find({ kind: 'k2' }).sort({ at: -1 }).skip(2).limit(2).toArray()
  t.same(skipped.map((d) => d._id), [53, 50])
  const unsorted = winningPlan(await events.find({ kind: 'k2' }).sort({ n: 1 }).explain('queryPlanner'))
  t.ok(stageNames(unsorted).includes('SORT'), 'a sort the index does not give is done in memory')
  t.same((await events.find({ kind: 'k2' }).sort({ n: -1 }).limit(2).toArray()).map((d) => d._id), [59, 56])
  t.same((await events.find({ at: { $gte: day(58) } }).toArray()).map((d) => d._id).sort(), [57, 58, 59], 'a range on a later field is checked on the keys')
})

t.test('a sort from an index and one done in memory give the same order', async (t) => {
  const { db } = await setup(t)
  const mixed = db.collection<Row>('mixed')
  await mixed.createIndex({ v: 1, _id: 1 })
  const values: unknown[] = [3, 'b', null, 1.5, day(2), true, 'a', -1, oid, { z: 1 }, 2, undefined, false, 'A', day(1), 'é', '']
  await mixed.insertMany(values.map((v, i) => (v === undefined ? { _id: i } : { _id: i, v })))
  for (const direction of [1, -1] as const) {
    const indexed = await mixed.find({}).sort({ v: direction, _id: direction }).toArray()
    const inMemory = await mixed.find({}).sort({ v: direction, _id: direction }).hint({ $natural: 1 }).toArray()
    t.same(indexed.map((d) => d._id), inMemory.map((d) => d._id), `direction ${direction}`)
  }
  const plan = winningPlan(await mixed.find({}).sort({ v: 1, _id: 1 }).explain('queryPlanner'))
  t.notOk(stageNames(plan).includes('SORT'))
})

t.test('multikey, sparse, partial and unique indexes', async (t) => {
  const { db } = await setup(t)

  t.test('an array field makes the index multikey; each document comes back once', async (t) => {
    const tagged = db.collection<Row>('tagged')
    await tagged.createIndex({ tags: 1 })
    await tagged.insertMany([{ _id: 1, tags: ['x', 'y', 'x'] }, { _id: 2, tags: 'x' }, { _id: 3, tags: [1, 10] }, { _id: 4, tags: [] }, { _id: 5 }])
    const explained = await tagged.find({ tags: 'x' }).explain('executionStats')
    t.equal(stage(winningPlan(explained), 'IXSCAN')?.isMultiKey, true)
    t.same((await tagged.find({ tags: 'x' }).toArray()).map((d) => d._id), [1, 2])
    t.same((await tagged.find({ tags: { $gt: 5, $lt: 3 } }).toArray()).map((d) => d._id), [3], 'different elements may meet each condition')
    t.same((await tagged.find({ tags: { $elemMatch: { $gt: 5, $lt: 3 } } }).toArray()).map((d) => d._id), [])
    t.same((await tagged.find({ tags: [] }).toArray()).map((d) => d._id), [4])
    t.equal(await tagged.countDocuments({ tags: { $in: ['x', 'y', 1] } }), 3)
    const pairs = db.collection<Row>('pairs')
    await pairs.createIndex({ a: 1, b: 1 })
    await t.rejects(pairs.insertOne({ a: [1, 2], b: [3, 4] }), { code: 171 }, 'two arrays in one compound index')
    await pairs.insertOne({ a: [1, 2], b: 3 })
    t.equal(await pairs.countDocuments({ a: 2, b: 3 }), 1)
  })

  t.test('a sparse index answers only queries that exclude missing values', async (t) => {
    const sparse = db.collection<Row>('sparse')
    await sparse.createIndex({ s: 1 }, { sparse: true })
    await sparse.insertMany([{ _id: 1, s: 1 }, { _id: 2 }, { _id: 3, s: null }, { _id: 4, s: 5 }])
    t.equal(stage(winningPlan(await sparse.find({ s: { $gt: 0 } }).explain('queryPlanner')), 'IXSCAN')?.indexName, 's_1')
    t.equal(stage(winningPlan(await sparse.find({ s: null }).explain('queryPlanner')), 'IXSCAN'), undefined)
    t.same((await sparse.find({ s: null }).toArray()).map((d) => d._id), [2, 3])
    const sorted = (await sparse.find({}).sort({ s: 1 }).toArray()).map((d) => d._id)
    t.same([sorted.slice(0, 2).sort(), sorted.slice(2)], [[2, 3], [1, 4]], 'a sort does not use it: documents without the field stay (missing and null tie)')
  })

  t.test('a partial index answers queries that imply its filter', async (t) => {
    const partial = db.collection<Row>('partial')
    await partial.createIndex({ email: 1 }, { partialFilterExpression: { active: true } })
    await partial.createIndex({ n: 1 }, { partialFilterExpression: { n: { $gt: 10 } } })
    await partial.insertMany([{ _id: 1, email: 'a', active: true, n: 5 }, { _id: 2, email: 'a', active: false, n: 20 }, { _id: 3, email: 'b', active: true, n: 30 }])
    t.equal(stage(winningPlan(await partial.find({ email: 'a', active: true }).explain('queryPlanner')), 'IXSCAN')?.indexName, 'email_1')
    t.equal(stage(winningPlan(await partial.find({ email: 'a' }).explain('queryPlanner')), 'IXSCAN'), undefined)
    t.same((await partial.find({ email: 'a' }).toArray()).map((d) => d._id), [1, 2])
    t.equal(stage(winningPlan(await partial.find({ n: { $gt: 25 } }).explain('queryPlanner')), 'IXSCAN')?.indexName, 'n_1')
    t.same((await partial.find({ n: { $gt: 4 } }).toArray()).map((d) => d._id), [1, 2, 3], 'a wider range than the filter scans the collection')
  })

  t.test('a unique index pinned by equalities answers alone', async (t) => {
    const keyed = db.collection<Row>('keyed')
    await keyed.createIndex({ tenant: 1, key: 1 }, { unique: true })
    await keyed.createIndex({ tenant: 1, at: 1 })
    await keyed.insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i, tenant: i % 2, key: `k${i}`, at: i })))
    const explained = await keyed.find({ tenant: 1, key: 'k7' }).explain('executionStats')
    t.equal(stage(winningPlan(explained), 'IXSCAN')?.indexName, 'tenant_1_key_1')
    t.same([executionStats(explained).nReturned, executionStats(explained).totalKeysExamined, executionStats(explained).totalDocsExamined], [1, 1, 1])
    t.same(await keyed.findOne({ tenant: 1, key: 'k7', at: 7 }), { _id: 7, tenant: 1, key: 'k7', at: 7 })
    t.equal(await keyed.findOne({ tenant: 0, key: 'k7' }), null)
  })
})

t.test('hints', async (t) => {
  const { db } = await setup(t)
  const hinted = db.collection<Row>('hinted')
  await hinted.createIndex({ a: 1 })
  await hinted.createIndex({ b: 1 })
  await hinted.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, a: i, b: i % 4 })))
  t.equal(stage(winningPlan(await hinted.find({ a: 3, b: 3 }).hint('b_1').explain('queryPlanner')), 'IXSCAN')?.indexName, 'b_1')
  t.equal(stage(winningPlan(await hinted.find({ a: 3, b: 3 }).hint({ a: 1 }).explain('queryPlanner')), 'IXSCAN')?.indexName, 'a_1')
  t.same(stageNames(winningPlan(await hinted.find({ a: 3 }).hint({ $natural: 1 }).explain('queryPlanner'))), ['COLLSCAN'])
  t.same((await hinted.find({ b: 1 }).hint('a_1').toArray()).map((d) => d._id), [1, 5, 9, 13, 17], 'a hinted index without bounds still answers')
  await t.rejects(hinted.find({ a: 1 }).hint('nope_1').toArray(), { code: 2 })
  await t.rejects(hinted.find({ a: 1 }).hint({ c: 1 }).toArray(), { code: 2 })
  t.equal((await hinted.updateMany({ a: { $lt: 5 } }, { $set: { c: 1 } }, { hint: 'b_1' })).modifiedCount, 5)
  t.equal((await hinted.deleteMany({ c: 1 }, { hint: { a: 1 } })).deletedCount, 5)
  t.equal(await hinted.countDocuments({ b: 2 }, { hint: 'b_1' }), 4)
})
