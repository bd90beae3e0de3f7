import t from 'tap'
import { Binary, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('$type names and matches every BSON type as mongod does', async (t) => {
  const { db } = await setup(t)
  const values = db.collection<Row>('values')
  await values.insertMany([
    { _id: 1, v: new ObjectId() },
    { _id: 2, v: Long.fromNumber(5) },
    { _id: 3, v: new Int32(5) },
    { _id: 4, v: new Double(5) },
    { _id: 5, v: 1.5 },
    { _id: 6, v: 'text' },
    { _id: 7, v: Decimal128.fromString('1.10') },
    { _id: 8, v: [1, 'a'] },
    { _id: 9, v: null },
    { _id: 10, v: { a: 1 } },
    { _id: 11, v: true },
    { _id: 12, v: new Date(0) },
    { _id: 13, v: /re/i },
    { _id: 14, v: new Timestamp({ t: 1, i: 1 }) },
    { _id: 15, v: new Binary(Buffer.from('ab')) },
    { _id: 16, v: new MinKey() },
    { _id: 17, v: new MaxKey() },
    { _id: 18, v: new Code('function () {}') },
    { _id: 19 },
    { _id: 20, v: [] },
    { _id: 21, v: Long.fromString('9007199254740993') }
  ])
  const ids = async (filter: Row): Promise<unknown[]> => (await values.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id)

  t.test('the $type expression gives mongod names, Long and ObjectId included', async (t) => {
    const rows = await values.aggregate<{ _id: number; type: string }>([{ $project: { type: { $type: '$v' } } }, { $sort: { _id: 1 } }]).toArray()
    t.same(rows.map((r) => r.type), [
      'objectId', 'long', 'int', 'double', 'double', 'string', 'decimal', 'array', 'null', 'object', 'bool', 'date',
      'regex', 'timestamp', 'binData', 'minKey', 'maxKey', 'javascript', 'missing', 'array', 'long'
    ])
    const [nested] = await values.aggregate([{ $match: { _id: 2 } }, { $project: { _id: 0, inner: { $type: ['$v'] }, computed: { $type: { $literal: 'x' } } } }]).toArray()
    t.same(nested, { inner: 'long', computed: 'string' })
    const [paths] = await db.aggregate([{ $documents: [{ a: [{ b: 1 }], o: { n: null } }] }, { $project: { through: { $type: '$a.b' }, inner: { $type: '$o.n' }, gone: { $type: '$o.n.deeper' } } }]).toArray()
    t.same(paths, { through: 'array', inner: 'null', gone: 'missing' })
  })

  t.test('the $type expression of a computed number: Long from $toLong and from arithmetic on a Long', async (t) => {
    const computed = db.collection<Row>('computed')
    await computed.insertOne({ _id: 1, l: Long.fromNumber(5), i: 7, d: new Double(2), big: 2147483647 })
    const [row] = await computed.aggregate([
      {
        $project: {
          _id: 0,
          toLong: { $type: { $toLong: '$i' } },
          convert: { $type: { $convert: { input: '$i', to: 'long' } } },
          longPlusInt: { $type: { $add: ['$l', 1] } },
          longTimesInt: { $type: { $multiply: ['$i', '$l'] } },
          longMinusDouble: { $type: { $subtract: ['$l', '$d'] } },
          intPlusInt: { $type: { $add: ['$i', 1] } },
          intOverflow: { $type: { $add: ['$big', 1] } },
          absOfLong: { $type: { $abs: { $subtract: [0, '$l'] } } },
          nested: { $type: { $add: [{ $multiply: ['$l', 2] }, '$i'] } },
          doubleLiteral: { $type: { $add: ['$i', new Double(1)] } },
          nullInput: { $type: { $add: ['$l', null] } }
        }
      }
    ]).toArray()
    t.same(row, {
      toLong: 'long',
      convert: 'long',
      longPlusInt: 'long',
      longTimesInt: 'long',
      longMinusDouble: 'double',
      intPlusInt: 'int',
      intOverflow: 'long',
      absOfLong: 'long',
      nested: 'long',
      doubleLiteral: 'double',
      nullInput: 'null'
    })
  })

  t.test('the $type filter matches by name, by number, by alias and by list', async (t) => {
    t.same(await ids({ v: { $type: 'objectId' } }), [1])
    t.same(await ids({ v: { $type: 7 } }), [1])
    t.same(await ids({ v: { $type: 'long' } }), [2, 21])
    t.same(await ids({ v: { $type: 18 } }), [2, 21])
    t.same(await ids({ v: { $type: 'int' } }), [3, 8], 'an array matches when one element has the type')
    t.same(await ids({ v: { $type: 'double' } }), [4, 5])
    t.same(await ids({ v: { $type: 'decimal' } }), [7])
    t.same(await ids({ v: { $type: 'number' } }), [2, 3, 4, 5, 7, 8, 21])
    t.same(await ids({ v: { $type: 'string' } }), [6, 8])
    t.same(await ids({ v: { $type: 'array' } }), [8, 20])
    t.same(await ids({ v: { $type: ['bool', 'date', 'null'] } }), [9, 11, 12])
    t.same(await ids({ v: { $type: 'regex' } }), [13])
    t.same(await ids({ v: { $type: 'timestamp' } }), [14])
    t.same(await ids({ v: { $type: 'binData' } }), [15])
    t.same(await ids({ v: { $type: 'minKey' } }), [16])
    t.same(await ids({ v: { $type: -1 } }), [16])
    t.same(await ids({ v: { $type: 127 } }), [17])
    t.same(await ids({ v: { $type: 'javascript' } }), [18])
    t.same(await ids({ v: { $type: 'object' } }), [10])
  })

  t.test('the filter reaches Long values in embedded documents and arrays', async (t) => {
    const nested = db.collection<Row>('nested')
    await nested.insertMany([
      { _id: 1, o: { l: Long.fromNumber(1) }, list: [{ l: 2 }, { l: Long.fromNumber(3) }], longs: [Long.fromNumber(4)] },
      { _id: 2, o: { l: 1 }, list: [{ l: 2 }], longs: [4] }
    ])
    const nestedIds = async (filter: Row): Promise<unknown[]> => (await nested.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id)
    t.same(await nestedIds({ 'o.l': { $type: 'long' } }), [1])
    t.same(await nestedIds({ 'list.l': { $type: 'long' } }), [1])
    t.same(await nestedIds({ longs: { $type: 'long' } }), [1])
    t.same(await nestedIds({ 'longs.0': { $type: 'int' } }), [2])
    t.same(await nestedIds({ 'o.l': { $type: 'int' } }), [2])
  })

  t.test('invalid type operands are refused', async (t) => {
    await t.rejects(values.find({ v: { $type: 'missing' } }).toArray(), { code: 2 })
    await t.rejects(values.find({ v: { $type: 'nosuchtype' } }).toArray(), { code: 2 })
    await t.rejects(values.find({ v: { $type: 99 } }).toArray(), { code: 2 })
    await t.rejects(values.find({ v: { $type: [] } }).toArray(), { code: 9 })
    await t.rejects(values.aggregate([{ $project: { t: { $type: ['$v', '$v'] } } }]).toArray(), { code: 16020 })
  })
})
