import t from 'tap'
import { MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('indexes', async (t) => {
  const { db } = await setup(t)

  t.test('createIndex, listIndexes and dropIndex', async (t) => {
    const users = db.collection<Row>('users')
    t.equal(await users.createIndex({ email: 1 }, { unique: true }), 'email_1')
    t.equal(await users.createIndex({ team: 1, joined: -1 }), 'team_1_joined_-1')
    t.equal(await users.createIndex({ email: 1 }, { unique: true }), 'email_1', 'creating an existing index again is a no-op')
    const listed = await users.listIndexes().toArray()
    t.same(listed.map((i) => [i.name, i.key, i.unique ?? false]), [
      ['_id_', { _id: 1 }, false],
      ['email_1', { email: 1 }, true],
      ['team_1_joined_-1', { team: 1, joined: -1 }, false]
    ])
    t.equal(await users.indexExists('team_1_joined_-1'), true)
    await users.dropIndex('team_1_joined_-1')
    t.same((await users.listIndexes().toArray()).map((i) => i.name), ['_id_', 'email_1'])
    await t.rejects(users.dropIndex('nope_1'), { code: 27, codeName: 'IndexNotFound' })
    await t.rejects(users.dropIndex('_id_'), { code: 72 })
    await users.dropIndexes()
    t.same((await users.listIndexes().toArray()).map((i) => i.name), ['_id_'])
    await t.rejects(db.collection<Row>('none').listIndexes().toArray(), { code: 26, codeName: 'NamespaceNotFound' })
  })

  t.test('a duplicate _id is a duplicate key error', async (t) => {
    const things = db.collection<Row>('things')
    await things.insertOne({ _id: 'a' })
    const error = await things.insertOne({ _id: 'a' }).catch((e: unknown) => e)
    t.ok(error instanceof MongoServerError)
    t.equal((error as MongoServerError).code, 11000)
    t.same((error as MongoServerError).keyPattern, { _id: 1 })
    t.same((error as MongoServerError).keyValue, { _id: 'a' })
    const oid = new ObjectId('65a1b2c3d4e5f60718293a4b')
    await things.insertOne({ _id: oid })
    await t.rejects(things.insertOne({ _id: oid }), {
      code: 11000,
      message: `E11000 duplicate key error collection: ${db.databaseName}.things index: _id_ dup key: { _id: ObjectId('65a1b2c3d4e5f60718293a4b') }`
    })
  })

  t.test('a unique violation on insert is MongoServerError 11000 with mongod message', async (t) => {
    const people = db.collection<Row>('people')
    await people.createIndex({ email: 1 }, { unique: true })
    await people.insertOne({ email: 'ada@example.com' })
    const error = await people.insertOne({ email: 'ada@example.com' }).catch((e: unknown) => e) as MongoServerError
    t.ok(error instanceof MongoServerError)
    t.equal(error.code, 11000)
    t.same(error.keyPattern, { email: 1 })
    t.same(error.keyValue, { email: 'ada@example.com' })
    t.equal(error.message, `E11000 duplicate key error collection: ${db.databaseName}.people index: email_1 dup key: { email: "ada@example.com" }`)
  })

  t.test('insertMany reports MongoBulkWriteError; ordered stops, unordered continues', async (t) => {
    const tags = db.collection<Row>('tags')
    await tags.createIndex({ name: 1 }, { unique: true })
    const ordered = await tags.insertMany([{ name: 'a' }, { name: 'a' }, { name: 'b' }]).catch((e: unknown) => e) as MongoBulkWriteError
    t.ok(ordered instanceof MongoBulkWriteError)
    t.equal(ordered.code, 11000)
    t.equal(ordered.result.insertedCount, 1)
    t.equal(ordered.writeErrors instanceof Array ? ordered.writeErrors[0].index : (ordered.writeErrors as { index: number }).index, 1)
    t.equal(await tags.countDocuments(), 1)
    const unordered = await tags.insertMany([{ name: 'c' }, { name: 'a' }, { name: 'd' }, { name: 'c' }], { ordered: false }).catch((e: unknown) => e) as MongoBulkWriteError
    t.ok(unordered instanceof MongoBulkWriteError)
    t.equal(unordered.result.insertedCount, 2)
    const errors = Array.isArray(unordered.writeErrors) ? unordered.writeErrors : [unordered.writeErrors]
    t.same(errors.map((e) => [e.index, e.code]), [[1, 11000], [3, 11000]])
    t.same((await tags.find().sort({ name: 1 }).toArray()).map((d) => d.name), ['a', 'c', 'd'])
  })

  t.test('unique indexes are enforced on update and upsert', async (t) => {
    const handles = db.collection<Row>('handles')
    await handles.createIndex({ handle: 1 }, { unique: true })
    await handles.insertMany([{ _id: 1, handle: 'x' }, { _id: 2, handle: 'y' }])
    await t.rejects(handles.updateOne({ _id: 2 }, { $set: { handle: 'x' } }), { code: 11000, keyValue: { handle: 'x' } })
    await t.rejects(handles.updateOne({ _id: 3 }, { $set: { handle: 'y' } }, { upsert: true }), { code: 11000 })
    await t.rejects(handles.findOneAndUpdate({ _id: 1 }, { $set: { handle: 'y' } }), { code: 11000 })
    t.same((await handles.find().sort({ _id: 1 }).toArray()).map((d) => d.handle), ['x', 'y'], 'nothing changed')
    t.equal((await handles.updateOne({ _id: 1 }, { $set: { handle: 'x' } })).matchedCount, 1, 'a document may keep its own key')
  })

  t.test('a missing field counts as null in a unique index unless sparse', async (t) => {
    const plain = db.collection<Row>('plainUnique')
    await plain.createIndex({ code: 1 }, { unique: true })
    await plain.insertOne({ a: 1 })
    await t.rejects(plain.insertOne({ a: 2 }), { code: 11000, keyValue: { code: null } })
    const sparse = db.collection<Row>('sparseUnique')
    await sparse.createIndex({ code: 1 }, { unique: true, sparse: true })
    await sparse.insertMany([{ a: 1 }, { a: 2 }, { code: 'z' }])
    await t.rejects(sparse.insertOne({ code: 'z' }), { code: 11000 })
  })

  t.test('a partial unique index only constrains matching documents', async (t) => {
    const partial = db.collection<Row>('partialUnique')
    await partial.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } })
    await partial.insertMany([{ email: 'a', active: false }, { email: 'a', active: false }, { email: 'a', active: true }])
    await t.rejects(partial.insertOne({ email: 'a', active: true }), { code: 11000 })
  })

  t.test('compound unique indexes compare the whole key', async (t) => {
    const seats = db.collection<Row>('seats')
    await seats.createIndex({ row: 1, seat: 1 }, { unique: true })
    await seats.insertMany([{ row: 1, seat: 1 }, { row: 1, seat: 2 }, { row: 2, seat: 1 }])
    const error = await seats.insertOne({ row: 1, seat: 2 }).catch((e: unknown) => e) as MongoServerError
    t.equal(error.code, 11000)
    t.same(error.keyPattern, { row: 1, seat: 1 })
    t.same(error.keyValue, { row: 1, seat: 2 })
    t.same((await seats.find({ row: 1 }).sort({ seat: 1 }).toArray()).map((d) => d.seat), [1, 2])
  })

  t.test('numbers of different types collide in a unique index', async (t) => {
    const nums = db.collection<Row>('uniqueNums')
    await nums.createIndex({ n: 1 }, { unique: true })
    await nums.insertOne({ n: 1 })
    await t.rejects(nums.insertOne({ n: 1.0 }), { code: 11000 })
  })

  t.test('building a unique index over duplicates fails and leaves no index', async (t) => {
    const dups = db.collection<Row>('dups')
    await dups.insertMany([{ k: 1 }, { k: 1 }])
    await t.rejects(dups.createIndex({ k: 1 }, { unique: true }), { code: 11000 })
    t.same((await dups.listIndexes().toArray()).map((i) => i.name), ['_id_'])
  })

  t.test('queries through an index return the same answers as a scan', async (t) => {
    const orders = db.collection<Row>('orders')
    await orders.createIndex({ customer: 1, at: 1 })
    await orders.createIndex({ sku: 1 })
    await orders.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: i, customer: `c${i % 6}`, at: i, sku: [`s${i % 4}`, 'all'] })))
    t.same((await orders.find({ customer: 'c2' }).sort({ _id: 1 }).toArray()).map((d) => d._id), [2, 8, 14, 20, 26, 32, 38, 44, 50, 56])
    t.same((await orders.find({ customer: { $in: ['c1', 'c5'] }, at: { $lt: 12 } }).sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 5, 7, 11])
    t.equal(await orders.countDocuments({ sku: 'all' }), 60)
    t.equal(await orders.countDocuments({ sku: 's3' }), 15)
    await orders.updateMany({ customer: 'c2' }, { $set: { customer: 'c3' } })
    t.equal(await orders.countDocuments({ customer: 'c2' }), 0)
    t.equal(await orders.countDocuments({ customer: 'c3' }), 20)
    await orders.deleteMany({ customer: 'c3' })
    t.equal(await orders.countDocuments({ customer: 'c3' }), 0)
    t.same((await orders.aggregate([{ $match: { customer: 'c0' } }, { $count: 'n' }]).toArray()), [{ n: 10 }])
  })
})
