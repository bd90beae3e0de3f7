import t from 'tap'
import type { CollationOptions, Document } from 'mongodb'
import { fullSpec, setup, type Row } from './helper.js'

const caseInsensitive = { locale: 'en', strength: 2 }

t.test('collation on queries, sorts, counts and distinct', async (t) => {
  const { db } = await setup(t)
  const words = db.collection<Row>('words')
  await words.insertMany([
    { _id: 1, s: 'foo' },
    { _id: 2, s: 'FOO' },
    { _id: 3, s: 'bar' },
    { _id: 4, s: 'café' },
    { _id: 5, s: ['Foo', 'x'] },
    { _id: 6, s: '10' },
    { _id: 7, s: '9' },
    { _id: 8, o: { s: 'Foo' } },
    { _id: 9, list: [{ s: 'BAR' }] }
  ])
  const ids = async (filter: Document, collation?: CollationOptions): Promise<unknown[]> =>
    (await words.find(filter as Row, collation === undefined ? {} : { collation }).sort({ _id: 1 }).toArray()).map((d) => d._id)

  t.test('equality, $in, $ne and $nin compare strings under the collation, inside arrays too', async (t) => {
    t.same(await ids({ s: 'foo' }), [1], 'binary without a collation')
    t.same(await ids({ s: 'foo' }, caseInsensitive), [1, 2, 5])
    t.same(await ids({ s: 'foo' }, { locale: 'en', strength: 3 }), [1])
    t.same(await ids({ s: 'cafe' }, { locale: 'en', strength: 1 }), [4], 'strength 1 ignores accents')
    t.same(await ids({ s: 'cafe' }, caseInsensitive), [], 'strength 2 does not')
    t.same(await ids({ s: { $in: ['BAR', 'X'] } }, caseInsensitive), [3, 5])
    t.same(await ids({ s: { $ne: 'FOO' } }, caseInsensitive), [3, 4, 6, 7, 8, 9])
    t.same(await ids({ s: { $nin: ['FOO', 'BAR'] } }, caseInsensitive), [4, 6, 7, 8, 9])
    t.same(await ids({ 'o.s': 'FOO' }, caseInsensitive), [8])
    t.same(await ids({ 'list.s': 'bar' }, caseInsensitive), [9])
    t.same(await ids({ o: { s: 'FOO' } }, caseInsensitive), [8], 'embedded documents compare their strings under the collation')
    t.same(await ids({ s: { $all: ['FOO', 'X'] } }, caseInsensitive), [5])
    t.same(await ids({ _id: { $in: [1, 2] }, s: 'FOO' }, { locale: 'simple' }), [2], 'simple is binary')
  })

  t.test('ranges and $expr compare under the collation', async (t) => {
    t.same(await ids({ s: { $gte: 'Foo', $lt: 'G' } }, caseInsensitive), [1, 2, 5])
    t.same(await ids({ s: { $gt: '9' } }, { locale: 'en', numericOrdering: true }), [1, 2, 3, 4, 5, 6], '10 > 9 numerically; letters sort after digits')
    t.same(await ids({ s: { $gt: '9' } }), [1, 2, 3, 4, 5], 'binary: letters follow digits, and "10" < "9"')
    t.same(await ids({ $expr: { $eq: ['$s', 'FOO'] } }, caseInsensitive), [1, 2])
  })

  t.test('sorts follow the collation', async (t) => {
    const sorted = async (collation?: CollationOptions): Promise<unknown[]> =>
      (await words.find({ s: { $type: 'string' }, _id: { $ne: 5 } } as unknown as Row, collation === undefined ? {} : { collation }).sort({ s: 1, _id: 1 }).toArray()).map((d) => d.s)
    t.same(await sorted(), ['10', '9', 'FOO', 'bar', 'café', 'foo'])
    t.same(await sorted({ locale: 'en' }), ['10', '9', 'bar', 'café', 'foo', 'FOO'])
    t.same(await sorted({ locale: 'en', caseFirst: 'upper' }), ['10', '9', 'bar', 'café', 'FOO', 'foo'])
    t.same(await sorted({ locale: 'en', numericOrdering: true }), ['9', '10', 'bar', 'café', 'foo', 'FOO'])
    const desc = (await words.find({ s: { $exists: true } }, { collation: caseInsensitive }).sort({ s: -1, _id: 1 }).toArray()).map((d) => d._id)
    t.same(desc, [5, 1, 2, 4, 3, 7, 6], 'an array sorts descending by its largest element')
  })

  t.test('count and distinct follow the collation', async (t) => {
    t.equal(await words.countDocuments({ s: 'FOO' }, { collation: caseInsensitive }), 3)
    t.equal(await words.countDocuments({ s: 'FOO' }), 1)
    const count = await db.command({ count: 'words', query: { s: 'bar' }, collation: caseInsensitive })
    t.equal(count.n, 1)
    const values = await words.distinct('s', {}, { collation: caseInsensitive })
    t.equal(values.length, 6)
    t.same(values.map((v) => String(v).toLowerCase()), ['10', '9', 'bar', 'café', 'foo', 'x'])
    t.equal((await words.distinct('s', {})).length, 8)
    t.same(await words.distinct('_id', { s: 'foo' }, { collation: caseInsensitive }), [1, 2, 5])
  })
})

t.test('collation on updates, deletes and findAndModify', async (t) => {
  const { db } = await setup(t)
  const docs = db.collection<Row>('docs')
  const seed = async (): Promise<void> => {
    await docs.deleteMany({})
    await docs.insertMany([{ _id: 1, s: 'foo' }, { _id: 2, s: 'FOO' }, { _id: 3, s: 'bar' }])
  }
  await seed()
  const update = await docs.updateMany({ s: 'Foo' }, { $set: { hit: true } }, { collation: caseInsensitive })
  t.equal(update.matchedCount, 2)
  t.equal((await docs.updateMany({ s: 'Foo' }, { $set: { hit: true } })).matchedCount, 0)
  t.equal((await docs.replaceOne({ s: 'BAR' }, { s: 'baz' }, { collation: caseInsensitive })).modifiedCount, 1)
  const upsert = await docs.updateOne({ s: 'BAZ' }, { $set: { again: 1 } }, { upsert: true, collation: caseInsensitive })
  t.equal(upsert.upsertedCount, 0, 'the collated filter matched, so no upsert')
  t.same(await docs.findOneAndUpdate({ s: 'BaZ' }, { $inc: { n: 1 } }, { collation: caseInsensitive, returnDocument: 'after' }), { _id: 3, s: 'baz', again: 1, n: 1 })
  t.same(await docs.findOneAndDelete({ s: 'FOO' }, { collation: caseInsensitive, sort: { _id: -1 } }), { _id: 2, s: 'FOO', hit: true })
  const bulk = await docs.bulkWrite([
    { deleteOne: { filter: { s: 'FOO' }, collation: { locale: 'fr', strength: 2 } } },
    { updateOne: { filter: { s: 'BAZ' }, update: { $set: { last: true } }, collation: caseInsensitive } },
    { updateOne: { filter: { s: 'BAZ' }, update: { $set: { never: true } } } }
  ])
  t.equal(bulk.deletedCount, 1)
  t.equal(bulk.matchedCount, 1, 'each statement keeps its own collation')
  t.same(await docs.find().toArray(), [{ _id: 3, s: 'baz', again: 1, n: 1, last: true }])
  await seed()
  t.equal((await docs.deleteMany({ s: 'FOO' }, { collation: caseInsensitive })).deletedCount, 2)
})

t.test('collation in aggregation', async (t) => {
  const { db } = await setup(t)
  const people = db.collection<Row>('people')
  await people.insertMany([
    { _id: 1, name: 'ann', team: 'Red', score: 3 },
    { _id: 2, name: 'Ann', team: 'red', score: 5 },
    { _id: 3, name: 'bob', team: 'BLUE', score: 1 },
    { _id: 4, name: 'Émile', team: 'blue', score: 4 }
  ])
  const rows = await people.aggregate([
    { $match: { team: { $in: ['RED', 'Blue'] } } },
    { $group: { _id: '$team', total: { $sum: '$score' }, first: { $min: '$name' }, names: { $addToSet: '$name' } } },
    { $sort: { _id: 1 } }
  ], { collation: caseInsensitive }).toArray()
  for (const row of rows) (row.names as string[]).sort()
  t.same(rows, [
    { _id: 'BLUE', total: 5, first: 'bob', names: ['bob', 'Émile'] },
    { _id: 'Red', total: 8, first: 'ann', names: ['ann'] }
  ], 'group keys, $min and $addToSet compare under the collation; a group keeps its first key')
  const compared = await people.aggregate([
    { $project: { _id: 1, same: { $eq: ['$name', 'ANN'] }, before: { $lt: ['$name', 'B'] }, cmp: { $cmp: ['$team', 'RED'] }, known: { $in: ['$team', ['RED']] } } },
    { $sort: { _id: 1 } }
  ], { collation: caseInsensitive }).toArray()
  t.same(compared, [
    { _id: 1, same: true, before: true, cmp: 0, known: true },
    { _id: 2, same: true, before: true, cmp: 0, known: true },
    { _id: 3, same: false, before: false, cmp: -1, known: false },
    { _id: 4, same: false, before: false, cmp: -1, known: false }
  ])
  const sorted = await people.aggregate([{ $sort: { name: 1 } }, { $project: { _id: 1 } }], { collation: { locale: 'fr' } }).toArray()
  t.same(sorted.map((d) => d._id), [1, 2, 3, 4])
  const binary = await people.aggregate([{ $sort: { name: 1 } }, { $project: { _id: 1 } }]).toArray()
  t.same(binary.map((d) => d._id), [2, 1, 3, 4])
})

t.test('a collection default collation is listed and inherited', async (t) => {
  const { db } = await setup(t)
  await db.createCollection('ci', { collation: caseInsensitive })
  await db.createCollection('plain', { collation: { locale: 'simple' } })
  await db.createCollection('canada', { collation: { locale: 'fr_CA' } })
  const [info] = await db.listCollections({ name: 'ci' }).toArray()
  t.same((info as Row).options, { collation: fullSpec({ strength: 2 }) })
  t.same((info as Row).idIndex, { v: 2, key: { _id: 1 }, name: '_id_', collation: fullSpec({ strength: 2 }) })
  const [plain] = await db.listCollections({ name: 'plain' }).toArray()
  t.same((plain as Row).options, {}, 'the simple collation is not stored')
  const [canada] = await db.listCollections({ name: 'canada' }).toArray()
  t.same((canada as Row).options.collation, fullSpec({ locale: 'fr_CA', backwards: true }), 'fr_CA reads accents backwards')

  const ci = db.collection<Row>('ci')
  await ci.insertMany([{ _id: 1, s: 'foo' }, { _id: 2, s: 'FOO' }, { _id: 3, s: 'bar' }])
  t.equal(await ci.countDocuments({ s: 'Foo' }), 2, 'queries inherit the default')
  t.equal(await ci.countDocuments({ s: 'Foo' }, { collation: { locale: 'simple' } }), 0, 'simple overrides it')
  t.same((await ci.find({}).sort({ s: -1, _id: 1 }).toArray()).map((d) => d._id), [1, 2, 3])
  t.equal((await ci.distinct('s')).length, 2)
  t.equal((await ci.aggregate([{ $match: { s: 'FOO' } }]).toArray()).length, 2)
  t.equal((await ci.updateMany({ s: 'FOO' }, { $set: { x: 1 } })).modifiedCount, 2)
  t.equal((await ci.deleteMany({ s: 'BAR' })).deletedCount, 1)

  await ci.createIndex({ s: 1 })
  await ci.createIndex({ t: 1 }, { collation: { locale: 'simple' } })
  await ci.createIndex({ u: 1 }, { collation: { locale: 'de' } })
  const specs = await ci.listIndexes().toArray()
  t.same(specs, [
    { v: 2, key: { _id: 1 }, name: '_id_', collation: fullSpec({ strength: 2 }) },
    { v: 2, key: { s: 1 }, name: 's_1', collation: fullSpec({ strength: 2 }) },
    { v: 2, key: { t: 1 }, name: 't_1' },
    { v: 2, key: { u: 1 }, name: 'u_1', collation: fullSpec({ locale: 'de' }) }
  ])
})

t.test('collated indexes: listed, used for matches and unique under the collation', async (t) => {
  const { db } = await setup(t)
  const users = db.collection<Row>('users')
  await users.createIndex({ email: 1 }, { unique: true, collation: caseInsensitive })
  await users.insertOne({ _id: 1, email: 'Ann@Example.com' })
  await t.rejects(users.insertOne({ _id: 2, email: 'ann@example.COM' }), { code: 11000 }, 'a case-only difference is a duplicate')
  await users.insertOne({ _id: 3, email: 'bob@example.com' })
  await t.rejects(users.updateOne({ _id: 3 }, { $set: { email: 'ANN@example.com' } }), { code: 11000 })
  await t.rejects(users.insertMany([{ _id: 4, email: 'c@x.io' }, { _id: 5, email: 'C@X.IO' }]), { code: 11000 })
  t.equal(await users.countDocuments({}), 3)
  t.same((await users.find({ email: 'ANN@EXAMPLE.COM' }, { collation: caseInsensitive }).toArray()).map((d) => d._id), [1])
  t.same(await users.find({ email: 'ANN@EXAMPLE.COM' }).toArray(), [], 'a simple query still compares binary')
  t.same((await users.find({ email: 'Ann@Example.com' }).toArray()).map((d) => d._id), [1])
  t.same((await users.find({ email: 'ann@example.com' }, { collation: { locale: 'en', strength: 3 } }).toArray()), [], 'another collation does not use the index')
  await users.deleteOne({ _id: 1 })
  await users.insertOne({ _id: 6, email: 'ANN@example.com' })
  t.equal(await users.countDocuments({ email: 'ann@example.com' }, { collation: caseInsensitive }), 1)

  const build = db.collection<Row>('build')
  await build.insertMany([{ _id: 1, k: 'A' }, { _id: 2, k: 'a' }])
  await t.rejects(build.createIndex({ k: 1 }, { unique: true, collation: caseInsensitive }), { code: 11000 }, 'an index build refuses existing duplicates')
  await build.createIndex({ k: 1 }, { unique: true, collation: { locale: 'en', strength: 3 } })
  t.equal((await build.listIndexes().toArray()).length, 2)
})

t.test('invalid collations are refused with mongod codes', async (t) => {
  const { db } = await setup(t)
  const c = db.collection<Row>('c')
  await c.insertOne({ _id: 1 })
  const find = (collation: unknown): Promise<unknown> => db.command({ find: 'c', filter: {}, collation })
  await t.rejects(find({ locale: 'xx' }), { code: 2 })
  await t.rejects(find({ locale: 'en_us' }), { code: 2 })
  await t.rejects(find({ locale: '' }), { code: 2 })
  await t.rejects(find({}), { code: 4 })
  await t.rejects(find({ locale: 5 }), { code: 14 })
  await t.rejects(find('en'), { code: 14 })
  await t.rejects(find({ locale: 'en', strength: 0 }), { code: 9 })
  await t.rejects(find({ locale: 'en', strength: 6 }), { code: 9 })
  await t.rejects(find({ locale: 'en', strength: 1.5 }), { code: 2 })
  await t.rejects(find({ locale: 'en', strength: '2' }), { code: 14 })
  await t.rejects(find({ locale: 'en', caseLevel: 'yes' }), { code: 14 })
  await t.rejects(find({ locale: 'en', caseFirst: 'middle' }), { code: 9 })
  await t.rejects(find({ locale: 'en', alternate: 'ignore' }), { code: 9 })
  await t.rejects(find({ locale: 'en', maxVariable: 'all' }), { code: 9 })
  await t.rejects(find({ locale: 'en', blah: 1 }), { code: 9 })
  await t.rejects(find({ locale: 'simple', strength: 2 }), { code: 9 })
  await t.rejects(find({ locale: 'en', version: '1.0' }), { code: 161 })
  await t.rejects(find({ locale: 'en', strength: 1, backwards: true }), { code: 2 })
  await t.rejects(find({ locale: 'en', strength: 2, caseFirst: 'upper' }), { code: 2 })
  await t.rejects(db.createCollection('bad', { collation: { locale: 'xx' } }), { code: 2 })
  await t.rejects(c.createIndex({ a: 1 }, { collation: { locale: 'en', strength: 99 } }), { code: 9 })
  await t.rejects(c.updateOne({}, { $set: { a: 1 } }, { collation: { locale: 'xx' } }), { code: 2 })
  t.equal((await c.find({}, { collation: { locale: 'en', strength: 2, caseLevel: true, caseFirst: 'upper' } }).toArray()).length, 1, 'caseFirst is allowed with caseLevel')
  t.equal((await c.find({}, { collation: { locale: 'de@collation=phonebook' } }).toArray()).length, 1, 'locale variants are known')
})

t.test('$lookup matches local and foreign values under the aggregate collation', async (t) => {
  const { db } = await setup(t)
  const orders = db.collection<Row>('orders')
  const items = db.collection<Row>('items')
  await orders.insertMany([{ _id: 1, sku: 'ABC' }, { _id: 2, sku: 'xyz' }])
  await items.insertMany([{ _id: 10, sku: 'abc' }, { _id: 11, sku: 'Abc' }, { _id: 12, sku: 'XYZ' }])
  const joined = async (collation?: CollationOptions): Promise<unknown[]> => (await orders.aggregate([
    { $lookup: { from: 'items', localField: 'sku', foreignField: 'sku', as: 'found' } },
    { $project: { ids: '$found._id' } },
    { $sort: { _id: 1 } }
  ], collation === undefined ? {} : { collation }).toArray()).map((d) => (d.ids as number[]).sort())
  t.same(await joined(), [[], []])
  t.same(await joined(caseInsensitive), [[10, 11], [12]])
  await items.createIndex({ sku: 1 })
  t.same(await joined(caseInsensitive), [[10, 11], [12]], 'a simple index on the foreign field does not narrow a collated join')
  const piped = await orders.aggregate([
    { $match: { _id: 1 } },
    { $lookup: { from: 'items', let: { s: '$sku' }, pipeline: [{ $match: { $expr: { $eq: ['$sku', '$$s'] } } }], as: 'found' } }
  ], { collation: caseInsensitive }).toArray()
  t.same((piped[0].found as Row[]).map((d) => d._id).sort(), [10, 11])
})

t.test('alternate, maxVariable and strengths 4 and 5; regexes in $in', async (t) => {
  const { db } = await setup(t)
  const texts = db.collection<Row>('texts')
  await texts.insertMany([{ _id: 1, s: 'ab' }, { _id: 2, s: 'a b' }, { _id: 3, s: 'a-b' }, { _id: 4, s: 'AB' }, { _id: 5, s: 'cab' }])
  const ids = async (filter: Row, collation: CollationOptions): Promise<unknown[]> =>
    (await texts.find(filter, { collation }).sort({ _id: 1 }).toArray()).map((d) => d._id)
  t.same(await ids({ s: 'ab' }, { locale: 'en', strength: 1, alternate: 'shifted' }), [1, 2, 3, 4], 'shifted ignores spaces and punctuation')
  t.same(await ids({ s: 'ab' }, { locale: 'en', strength: 1, alternate: 'shifted', maxVariable: 'space' }), [1, 2, 4], 'up to space ignores spaces only')
  t.same(await ids({ s: 'ab' }, { locale: 'en', strength: 1 }), [1, 4], 'non-ignorable by default')
  t.same(await ids({ s: 'ab' }, { locale: 'en', strength: 4, alternate: 'shifted' }), [1], 'the fourth level tells punctuation apart')
  t.same(await ids({ s: 'ab' }, { locale: 'en', strength: 5 }), [1])
  t.same(await ids({ s: { $in: [/^ca/, 'AB'] } }, caseInsensitive), [1, 4, 5], 'a regex in $in still matches by pattern')
  const rows = await texts.aggregate([{ $project: { _id: 0, bad: { $eq: ['$s'] } } }], { collation: caseInsensitive }).toArray().catch((e: { code: number }) => e)
  t.equal((rows as { code: number }).code, 16020)
})

t.test('per-statement collations keep upserts and write errors in statement order', async (t) => {
  const { db } = await setup(t)
  const tags = db.collection<Row>('tags')
  await tags.createIndex({ name: 1 }, { unique: true })
  await tags.insertOne({ _id: 1, name: 'red' })
  const reply = await db.command({
    update: 'tags',
    ordered: false,
    updates: [
      { q: { name: 'RED' }, u: { $set: { hit: 1 } }, collation: caseInsensitive },
      { q: { name: 'blue' }, u: { $set: { n: 1 } }, upsert: true },
      { q: { name: 'GREEN' }, u: { $set: { name: 'red' } }, upsert: true, collation: caseInsensitive },
      { q: { name: 'BLUE' }, u: { $set: { m: 1 } }, upsert: true, collation: caseInsensitive }
    ]
  })
  t.equal(reply.n, 3)
  t.equal(reply.nModified, 2)
  t.same(reply.upserted.map((u: Row) => u.index), [1])
  t.same(reply.writeErrors.map((e: Row) => [e.index, e.code]), [[2, 11000]])
  const ordered = await db.command({
    update: 'tags',
    updates: [
      { q: { name: 'x' }, u: { $set: { name: 'red' } }, upsert: true },
      { q: { name: 'RED' }, u: { $set: { late: 1 } }, collation: caseInsensitive }
    ]
  })
  t.same(ordered.writeErrors.map((e: Row) => e.index), [0])
  t.equal(ordered.n, 0, 'an ordered batch stops at its first error')
})

t.test('group keys that are documents compare their strings under the collation', async (t) => {
  const { db } = await setup(t)
  const sales = db.collection<Row>('sales')
  await sales.insertMany([{ _id: 1, city: 'Paris', n: 1 }, { _id: 2, city: 'PARIS', n: 2 }, { _id: 3, city: 'Lyon', n: 4 }])
  const rows = await sales.aggregate([{ $group: { _id: { city: '$city' }, n: { $sum: '$n' } } }, { $sort: { n: 1 } }], { collation: caseInsensitive }).toArray()
  t.same(rows, [{ _id: { city: 'Paris' }, n: 3 }, { _id: { city: 'Lyon' }, n: 4 }])
})
