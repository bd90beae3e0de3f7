import t from 'tap'
import { UUID } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('more commands and their errors', async (t) => {
  const { db, client } = await setup(t)
  const admin = client.db('admin')

  t.test('diagnostic commands answer with their documented fields', async (t) => {
    const host = await admin.command({ hostInfo: 1 })
    t.type(host.system.hostname, 'string')
    const opts = await admin.command({ getCmdLineOpts: 1 })
    t.ok(Array.isArray(opts.argv))
    const status = await admin.command({ serverStatus: 1 })
    t.match(status.version, /^7\.0\./)
    t.type(status.uptime, 'number')
    t.type((await admin.command({ whatsmyuri: 1 })).you, 'string')
    t.ok(Array.isArray((await admin.command({ connectionStatus: 1 })).authInfo.authenticatedUsers))
    t.ok(Array.isArray((await admin.command({ getLog: 'global' })).log))
    const session = await admin.command({ startSession: 1 })
    t.ok(session.id.id instanceof UUID)
    t.equal(session.timeoutMinutes, 30)
    t.equal((await admin.command({ refreshSessions: [] })).ok, 1)
    const all = await admin.command({ getParameter: '*' })
    t.same(all.featureCompatibilityVersion, { version: '7.0' })
  })

  t.test('malformed writes are rejected', async (t) => {
    const c = db.collection<Row>('malformed')
    await t.rejects(db.command({ delete: 'malformed', deletes: [{ q: {}, limit: 2 }] }))
    await t.rejects(db.command({ insert: 'malformed' }))
    await t.rejects(db.command({ findAndModify: 'malformed', query: {}, remove: true, update: { $set: { a: 1 } } }))
    await t.rejects(db.command({ findAndModify: 'malformed', query: {} }))
    await t.rejects(db.command({ find: 'malformed', skip: -1 }))
    await t.rejects(db.command({ distinct: 'malformed', key: 5 }))
    await t.rejects(c.insertOne({ _id: [1, 2] as never }), { code: 2 })
    await t.rejects(db.command({ update: 'malformed', updates: [{ q: {}, u: 5 }] }))
    await t.rejects(db.command({ find: 5 }))
    await t.rejects(db.command({ find: 'malformed', sort: 'oops' }))
    await t.rejects(db.command({ aggregate: 'malformed', pipeline: {}, cursor: {} }))
  })

  t.test('index definitions that conflict are refused', async (t) => {
    const c = db.collection<Row>('conflicts')
    await c.createIndex({ a: 1 }, { name: 'my_a' })
    await t.rejects(c.createIndex({ b: 1 }, { name: 'my_a' }), { code: 86, codeName: 'IndexKeySpecsConflict' })
    await t.rejects(c.createIndex({ a: 1 }, { name: 'other_a' }), { code: 85, codeName: 'IndexOptionsConflict' })
    await t.rejects(c.createIndex({ a: 1 }, { name: 'my_a', unique: true }), { code: 86 })
    await t.rejects(db.command({ createIndexes: 'conflicts', indexes: [{ key: {}, name: 'empty' }] }), { code: 67 })
    await t.rejects(db.command({ createIndexes: 'conflicts', indexes: [{ key: { z: 1 } }] }))
    await t.rejects(db.command({ createIndexes: 'conflicts', indexes: [] }))
    const again = await db.command({ createIndexes: 'conflicts', indexes: [{ key: { a: 1 }, name: 'my_a' }] })
    t.equal(again.numIndexesBefore, again.numIndexesAfter)
  })

  t.test('indexes can be dropped by key pattern or by a list of names', async (t) => {
    const c = db.collection<Row>('dropping')
    await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: -1 } }])
    await db.command({ dropIndexes: 'dropping', index: { c: -1 } })
    await db.command({ dropIndexes: 'dropping', index: ['a_1', 'b_1'] })
    t.same((await c.listIndexes().toArray()).map((i) => i.name), ['_id_'])
    await t.rejects(db.command({ dropIndexes: 'dropping', index: { zz: 1 } }), { code: 27 })
  })

  t.test('listCollections and listIndexes cursors honour batch sizes', async (t) => {
    for (const name of ['l1', 'l2', 'l3']) await db.createCollection(name)
    const first = await db.command({ listCollections: 1, filter: { name: /^l\d$/ }, cursor: { batchSize: 1 } })
    t.equal(first.cursor.firstBatch.length, 1)
    const rest = await db.command({ getMore: first.cursor.id, collection: '$cmd.listCollections' })
    t.equal(rest.cursor.nextBatch.length, 2)
    const indexes = await db.command({ listIndexes: 'l1', cursor: { batchSize: 1 } })
    t.equal(indexes.cursor.firstBatch[0].name, '_id_')
  })

  t.test('renameCollection across databases', async (t) => {
    const otherDb = client.db(`${db.databaseName}_moved`)
    t.teardown(() => otherDb.dropDatabase())
    await db.collection<Row>('traveller').insertOne({ _id: 1 })
    await admin.command({ renameCollection: `${db.databaseName}.traveller`, to: `${otherDb.databaseName}.arrived` })
    t.same(await otherDb.collection<Row>('arrived').find().toArray(), [{ _id: 1 }])
    await t.rejects(admin.command({ renameCollection: 'nodot', to: `${otherDb.databaseName}.x` }))
  })

  t.test('$natural sort returns insertion order, reversed with -1', async (t) => {
    const c = db.collection<Row>('natural')
    await c.insertMany([{ _id: 3 }, { _id: 1 }, { _id: 2 }])
    t.same((await c.find().sort({ $natural: 1 }).toArray()).map((d) => d._id), [3, 1, 2])
    t.same((await c.find().sort({ $natural: -1 }).toArray()).map((d) => d._id), [2, 1, 3])
  })

  t.test('upserts seed from $eq, single-value $in, $and and dotted equality fields', async (t) => {
    const c = db.collection<Row>('seeds')
    await c.updateOne({ $and: [{ a: 1 }, { 'b.c': 'x' }], d: { $in: ['only'] }, e: { $gt: 5 } }, { $set: { f: true } }, { upsert: true })
    t.same(await c.findOne({}, { projection: { _id: 0 } }), { a: 1, b: { c: 'x' }, d: 'only', f: true })
    await c.updateOne({ _id: 'pipe' }, [{ $set: { made: { $literal: 'by pipeline' } } }], { upsert: true })
    t.same(await c.findOne({ _id: 'pipe' }), { _id: 'pipe', made: 'by pipeline' })
    await t.rejects(c.replaceOne({ _id: 'x' }, { _id: 'y' }, { upsert: true }))
    const none = await c.findOneAndUpdate({ _id: 'late' }, { $set: { v: 1 } }, { upsert: true, returnDocument: 'before' })
    t.equal(none, null)
    t.same(await c.findOne({ _id: 'late' }), { _id: 'late', v: 1 })
    const removed = await c.findOneAndDelete({ _id: 'nobody' })
    t.equal(removed, null)
  })

  t.test('multi updates with arrayFilters and unchanged documents', async (t) => {
    const c = db.collection<Row>('multi')
    await c.insertMany([{ _id: 1, xs: [1, 5] }, { _id: 2, xs: [6] }, { _id: 3, xs: [0] }])
    const result = await c.updateMany({}, { $set: { 'xs.$[big]': 'big' } }, { arrayFilters: [{ big: { $gte: 5 } }] })
    t.equal(result.matchedCount, 3)
    t.equal(result.modifiedCount, 2)
    t.same((await c.find().sort({ _id: 1 }).toArray()).map((d) => d.xs), [[1, 'big'], ['big'], [0]])
  })

  t.test('validationLevel moderate lets invalid existing documents be updated', async (t) => {
    const c = db.collection<Row>('moderate')
    await c.insertMany([{ _id: 'bad', n: 'text' }, { _id: 'good', n: 1 }])
    await db.command({ collMod: 'moderate', validator: { $jsonSchema: { properties: { n: { bsonType: 'int' } } } }, validationLevel: 'moderate' })
    await c.updateOne({ _id: 'bad' }, { $set: { other: 1 } })
    await t.rejects(c.updateOne({ _id: 'good' }, { $set: { n: 'text' } }), { code: 121 })
    await db.command({ collMod: 'moderate', validationLevel: 'off' })
    await c.updateOne({ _id: 'good' }, { $set: { n: 'text' } })
    t.equal(await c.countDocuments({ n: 'text' }), 2)
  })

  t.test('$jsonSchema works as a query operator', async (t) => {
    const c = db.collection<Row>('schemaQuery')
    await c.insertMany([{ _id: 1, a: 'x' }, { _id: 2, a: 2 }])
    t.same((await c.find({ $jsonSchema: { properties: { a: { bsonType: 'string' } } } }).toArray()).map((d) => d._id), [1])
  })

  t.test('$merge with fail options and $out to another database', async (t) => {
    const src = db.collection<Row>('mergeSource')
    await src.insertMany([{ _id: 1 }, { _id: 2 }])
    await db.collection<Row>('mergeTarget').insertOne({ _id: 1 })
    await t.rejects(src.aggregate([{ $merge: { into: 'mergeTarget', whenMatched: 'fail' } }]).toArray())
    await t.rejects(src.aggregate([{ $merge: { into: 'emptyTarget', whenNotMatched: 'fail' } }]).toArray())
    await src.aggregate([{ $merge: 'plainTarget' }]).toArray()
    t.equal(await db.collection('plainTarget').countDocuments(), 2)
    const otherDb = client.db(`${db.databaseName}_out`)
    t.teardown(() => otherDb.dropDatabase())
    await src.aggregate([{ $out: { db: otherDb.databaseName, coll: 'copy' } }]).toArray()
    t.equal(await otherDb.collection('copy').countDocuments(), 2)
  })

  t.test('$out fails without touching the target when a document breaks its unique index', async (t) => {
    const target = db.collection<Row>('outTarget')
    await target.createIndex({ k: 1 }, { unique: true })
    await target.insertOne({ _id: 'keep', k: 0 })
    const src = db.collection<Row>('outSource')
    await src.insertMany([{ _id: 1, k: 1 }, { _id: 2, k: 1 }])
    await t.rejects(src.aggregate([{ $out: 'outTarget' }]).toArray())
    t.same(await target.find().toArray(), [{ _id: 'keep', k: 0 }])
  })

  t.test('let variables reach $expr in find, update and delete', async (t) => {
    const c = db.collection<Row>('letVars')
    await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }, { _id: 3, a: 3 }])
    t.same((await c.find({ $expr: { $gte: ['$a', '$$low'] } }, { let: { low: 2 } }).toArray()).map((d) => d._id), [2, 3])
    await c.updateMany({ $expr: { $eq: ['$a', '$$target'] } }, { $set: { hit: true } }, { let: { target: 3 } })
    t.same((await c.find({ hit: true }).toArray()).map((d) => d._id), [3])
    await c.deleteMany({ $expr: { $lt: ['$a', '$$cut'] } }, { let: { cut: 2 } })
    t.same((await c.find().toArray()).map((d) => d._id), [2, 3])
  })

  t.test('killCursors reports unknown cursors as not found', async (t) => {
    const first = await db.command({ find: 'natural', filter: {}, batchSize: 1 })
    await db.command({ killCursors: 'natural', cursors: [first.cursor.id] })
    const again = await db.command({ killCursors: 'natural', cursors: [first.cursor.id] })
    t.same(again.cursorsNotFound.map(String), [first.cursor.id.toString()])
  })
})
