import t from 'tap'
import { MongoBulkWriteError, ObjectId } from 'mongodb'
import { setup, type Row } from './helper.js'

const idsOf = (docs: Row[]) => docs.map((doc) => doc._id)

t.test('index keys of inserted documents, with and without arrays on the indexed paths', async (t) => {
  const { db } = await setup(t)

  t.test('a batch mixing scalar and array values keys each document, and arrays make the index multikey', async (t) => {
    const mixed = db.collection<Row>('mixed')
    await mixed.createIndex({ owner: 1, 'tags.name': 1, at: -1 }, { name: 'owner_tags_at' })
    await mixed.insertMany([
      { _id: 1, owner: 'a', tags: { name: 'x' }, at: 1 },
      { _id: 2, owner: 'a', tags: [{ name: 'x' }, { name: 'y' }], at: 2 },
      { _id: 3, owner: 'a', tags: [], at: 3 },
      { _id: 4, owner: 'a', at: 4 },
      { _id: 5, owner: 'b', tags: { name: 'y' }, at: 5 }
    ])
    const hinted = (filter: Row) => mixed.find(filter).hint('owner_tags_at').sort({ _id: 1 }).toArray()
    t.same(idsOf(await hinted({ owner: 'a', 'tags.name': 'x' })), [1, 2])
    t.same(idsOf(await hinted({ owner: 'a', 'tags.name': 'y' })), [2])
    t.same(idsOf(await hinted({ owner: 'a', at: { $gte: 3 } })), [3, 4], 'a document with an empty array and one without the path are both in the index')
    const plan = await mixed.find({ owner: 'a', 'tags.name': 'x' }).hint('owner_tags_at').explain('queryPlanner')
    const scan = JSON.stringify(plan.queryPlanner.winningPlan)
    t.match(scan, /"isMultiKey":true/)
    t.match(scan, /"multiKeyPaths":\{"owner":\[\],"tags.name":\["tags"\],"at":\[\]\}/)
  })

  t.test('a sparse index leaves out documents missing every indexed field, a partial one those outside its filter', async (t) => {
    const sparse = db.collection<Row>('sparse_keys')
    await sparse.createIndex({ code: 1, kind: 1 }, { sparse: true, unique: true, name: 'code_kind_sparse' })
    await sparse.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3, code: 'c' }, { _id: 4, kind: 'k' }])
    await t.rejects(sparse.insertOne({ _id: 5, code: 'c' }), { code: 11000 }, 'a document with one of the fields is indexed (null for the other)')
    t.equal(await sparse.countDocuments({}), 4)

    const partial = db.collection<Row>('partial_keys')
    await partial.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true }, name: 'email_active' })
    await partial.insertMany([{ _id: 1, email: 'a', active: true }, { _id: 2, email: 'a', active: false }, { _id: 3, email: 'a' }])
    await t.rejects(partial.insertOne({ _id: 4, email: 'a', active: true }), { code: 11000 })
  })

  t.test('duplicates inside one unordered batch are reported with their indexes; the rest is stored', async (t) => {
    const keyed = db.collection<Row>('keyed_batch')
    await keyed.createIndex({ client: 1, key: 1 }, { unique: true, name: 'client_key' })
    const client = new ObjectId()
    const error = await keyed.insertMany([
      { _id: 1, client, key: 'a' }, { _id: 2, client, key: 'b' }, { _id: 3, client, key: 'a' }, { _id: 1, client, key: 'c' }, { _id: 5, client, key: ['d', 'e'] }
    ], { ordered: false }).catch((e: unknown) => e)
    t.ok(error instanceof MongoBulkWriteError)
    const refused = (error as MongoBulkWriteError).writeErrors
    t.same((Array.isArray(refused) ? refused : [refused]).map((e) => [e.index, e.code]), [[2, 11000], [3, 11000]])
    t.same(idsOf(await keyed.find({}).sort({ _id: 1 }).toArray()), [1, 2, 5])
    t.same(idsOf(await keyed.find({ client, key: 'e' }).toArray()), [5], 'an array value is keyed by each element')

    const ordered = await keyed.insertMany([{ _id: 6, client, key: 'f' }, { _id: 7, client, key: 'd' }, { _id: 8, client, key: 'g' }]).catch((e: unknown) => e)
    const stop = (ordered as MongoBulkWriteError).writeErrors
    t.same((Array.isArray(stop) ? stop : [stop]).map((e) => [e.index, e.code]), [[1, 11000]], 'an ordered batch stops at its first error')
    t.same(idsOf(await keyed.find({ _id: { $gte: 6 } }).sort({ _id: 1 }).toArray()), [6])
  })

  t.test('a collated unique index finds duplicates under its collation in a batch', async (t) => {
    const names = db.collection<Row>('collated_keys')
    await names.createIndex({ name: 1 }, { unique: true, collation: { locale: 'en', strength: 2 }, name: 'name_ci' })
    const error = await names.insertMany([{ _id: 1, name: 'Ann' }, { _id: 2, name: 'ann' }, { _id: 3, name: 'Bob' }], { ordered: false }).catch((e: unknown) => e)
    const refused = (error as MongoBulkWriteError).writeErrors
    t.same((Array.isArray(refused) ? refused : [refused]).map((e) => [e.index, e.code]), [[1, 11000]])
    t.same(idsOf(await names.find({}).sort({ _id: 1 }).toArray()), [1, 3])
  })
})
