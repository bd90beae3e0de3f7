import t from 'tap'
import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp, UUID } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('BSON values round-trip with their exact types', async (t) => {
  const { db } = await setup(t)
  const values = db.collection<Row>('values')

  t.test('numeric types keep Int32, Double, Long and Decimal128 apart', async (t) => {
    const id = new ObjectId()
    await values.insertOne({
      _id: id,
      int: new Int32(7),
      integralDouble: new Double(2),
      fraction: 2.5,
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(5),
      decimal: Decimal128.fromString('12345.6789012345678901234'),
      negativeZero: -0
    })
    const raw = await values.findOne({ _id: id }, { promoteValues: false })
    t.ok(raw !== null)
    const doc = raw as Record<string, unknown>
    t.ok(doc.int instanceof Int32)
    t.equal((doc.int as Int32).value, 7)
    t.ok(doc.integralDouble instanceof Double)
    t.equal((doc.integralDouble as Double).value, 2)
    t.ok(doc.fraction instanceof Double)
    t.ok(doc.long instanceof Long)
    t.equal((doc.long as Long).toString(), '9007199254740993')
    t.ok(doc.smallLong instanceof Long)
    t.equal((doc.smallLong as Long).toString(), '5')
    t.ok(doc.decimal instanceof Decimal128)
    t.equal((doc.decimal as Decimal128).toString(), '12345.6789012345678901234')
    t.ok(doc.negativeZero instanceof Double)
    t.ok(Object.is((doc.negativeZero as Double).value, -0))
  })

  t.test('insertMany keeps number types at every depth, in documents with and without doubles or longs', async (t) => {
    const batch = db.collection<Row>('typed_batch')
    await batch.insertMany([
      { _id: 1, n: new Int32(1), deep: [{ v: new Int32(2) }, [new Int32(3)]], when: new Date(0), text: 'only int32' },
      { _id: 2, n: new Int32(1), deep: [{ v: new Double(2) }, [new Int32(3)]] },
      { _id: 3, n: new Int32(1), deep: [{ v: new Int32(2) }, [Long.fromNumber(3)]] },
      { _id: 4, n: new Double(1), deep: { v: { w: new Double(2.5) } } }
    ])
    const ids = async (filter: Row) => (await batch.find(filter, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()).map((doc) => doc._id)
    t.same(await ids({ n: { $type: 'int' } }), [1, 2, 3])
    t.same(await ids({ n: { $type: 'double' } }), [4])
    t.same(await ids({ 'deep.v': { $type: 'double' } }), [2])
    t.same(await ids({ 'deep.v': { $type: 'int' } }), [1, 3])
    t.same(await ids({ 'deep.v.w': { $type: 'double' } }), [4])
    const raw = await batch.find({}, { promoteValues: false }).sort({ _id: 1 }).toArray()
    t.ok((raw[0].deep as Array<Array<unknown>>)[1][0] instanceof Int32, 'an Int32 inside an array of a document with no other type stays an Int32')
    t.ok((raw[2].deep as Array<Array<unknown>>)[1][0] instanceof Long, 'a Long inside an array stays a Long')
    t.ok((raw[1].deep as Array<Row>)[0].v instanceof Double, 'an integral Double stays a Double')
    t.same(raw[0].when, new Date(0))
  })

  t.test('other BSON types round-trip', async (t) => {
    const id = new ObjectId()
    const bytes = new Binary(Buffer.from([0, 1, 2, 250, 255]))
    const uuid = new UUID()
    const when = new Date('2024-02-29T12:34:56.789Z')
    const doc = {
      _id: id,
      oid: new ObjectId('65a1b2c3d4e5f60718293a4b'),
      date: when,
      bin: bytes,
      uuid,
      nothing: null,
      flag: true,
      text: 'héllo ✓',
      ts: new Timestamp({ t: 1700000000, i: 3 }),
      nested: { list: [1, 'two', [3, { four: 4 }], { five: [5] }], deep: { deeper: { deepest: 'x' } } },
      empty: { arr: [], obj: {} }
    }
    await values.insertOne(doc)
    const back = await values.findOne({ _id: id })
    t.ok(back !== null)
    t.same(back?.oid.toHexString(), '65a1b2c3d4e5f60718293a4b')
    t.equal(back?.date.getTime(), when.getTime())
    t.same(Buffer.from(back?.bin.buffer), Buffer.from([0, 1, 2, 250, 255]))
    t.equal(back?.uuid.toHexString(), uuid.toHexString())
    t.equal(back?.nothing, null)
    t.equal(back?.flag, true)
    t.equal(back?.text, 'héllo ✓')
    t.ok((back?.ts as Timestamp).equals(new Timestamp({ t: 1700000000, i: 3 })))
    t.same(back?.nested, doc.nested)
    t.same(back?.empty, { arr: [], obj: {} })
    t.same(Object.keys(back ?? {}), Object.keys(doc))
  })

  t.test('a generated _id is an ObjectId stored as the first field', async (t) => {
    const result = await values.insertOne({ name: 'first', _ignored: 1 })
    const raw = await db.command({ find: 'values', filter: { name: 'first' } })
    const stored = raw.cursor.firstBatch[0]
    t.ok(stored._id instanceof ObjectId)
    t.equal(stored._id.toHexString(), String(result.insertedId))
    t.same(Object.keys(stored), ['_id', 'name', '_ignored'])
  })

  t.test('a client-supplied _id placed last is moved first', async (t) => {
    await db.command({ insert: 'values', documents: [{ z: 1, _id: 'moved' }] })
    const raw = await db.command({ find: 'values', filter: { _id: 'moved' } })
    t.same(Object.keys(raw.cursor.firstBatch[0]), ['_id', 'z'])
  })

  t.test('numbers of different BSON types compare by value', async (t) => {
    const nums = db.collection<Row>('nums')
    await nums.insertMany([
      { _id: 1, n: new Int32(5) },
      { _id: 2, n: Long.fromNumber(5) },
      { _id: 3, n: new Double(5) },
      { _id: 4, n: Decimal128.fromString('5') },
      { _id: 5, n: 6.5 }
    ])
    t.same((await nums.find({ n: 5 }).sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2, 3, 4])
    t.same((await nums.find({ n: { $gt: Long.fromNumber(5) } }).toArray()).map((d) => d._id), [5])
    t.same((await nums.find({ n: { $in: [new Double(6.5)] } }).toArray()).map((d) => d._id), [5])
  })

  t.test('$inc keeps the stored numeric type', async (t) => {
    const counters = db.collection<Row>('counters')
    await counters.insertOne({ _id: 1, long: Long.fromNumber(10), double: new Double(1), int: 1 })
    await counters.updateOne({ _id: 1 }, { $inc: { long: 5, double: 1, int: 1 } })
    const raw = await counters.findOne({ _id: 1 }, { promoteValues: false })
    t.ok(raw?.long instanceof Long)
    t.equal((raw?.long as Long).toString(), '15')
    t.ok(raw?.double instanceof Double)
    t.equal((raw?.double as Double).value, 2)
    t.ok(raw?.int instanceof Int32)
    t.equal((raw?.int as Int32).value, 2)
  })

  t.test('mixed types sort in BSON order', async (t) => {
    const mixed = db.collection<Row>('mixed')
    await mixed.insertMany([
      { _id: 'date', v: new Date(0) },
      { _id: 'bool', v: true },
      { _id: 'oid', v: new ObjectId('000000000000000000000001') },
      { _id: 'bin', v: new Binary(Buffer.from([1])) },
      { _id: 'arr', v: [[1]] },
      { _id: 'obj', v: { a: 1 } },
      { _id: 'str', v: 'a' },
      { _id: 'num', v: 1 },
      { _id: 'null', v: null },
      { _id: 'long', v: Long.fromNumber(-3) }
    ])
    const order = (await mixed.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)
    t.same(order, ['null', 'long', 'num', 'str', 'obj', 'arr', 'bin', 'oid', 'bool', 'date'])
    const desc = (await mixed.aggregate([{ $sort: { v: -1, _id: 1 } }]).toArray()).map((d) => d._id)
    t.same(desc, ['date', 'bool', 'oid', 'bin', 'arr', 'obj', 'str', 'num', 'long', 'null'])
  })

  t.test('arrays sort by their smallest element ascending and largest descending', async (t) => {
    const arrays = db.collection<Row>('arrays')
    await arrays.insertMany([{ _id: 'a', v: [5, 1] }, { _id: 'b', v: 3 }, { _id: 'c', v: [2, 9] }])
    t.same((await arrays.find().sort({ v: 1 }).toArray()).map((d) => d._id), ['a', 'c', 'b'])
    t.same((await arrays.find().sort({ v: -1 }).toArray()).map((d) => d._id), ['c', 'a', 'b'])
  })
})
