import t from 'tap'
import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson'
import { Collection } from '../../../src/db/embedded/collection.js'
import { Cursors } from '../../../src/db/embedded/cursors.js'
import { CommandError, asCommandError } from '../../../src/db/embedded/errors.js'
import { include, simpleInclusion } from '../../../src/db/embedded/inclusion.js'
import { keyOf } from '../../../src/db/embedded/keys.js'
import { runPipeline } from '../../../src/db/embedded/query.js'
import { Store } from '../../../src/db/embedded/store.js'
import { compileJsonSchema } from '../../../src/db/embedded/validator.js'
import { asKind, bsonTypeName, cloneValue, compareBson, hasNumericWrapper, numericKind, resolvePath, sortKey, toStored, toView } from '../../../src/db/embedded/values.js'
import { MessageReader } from '../../../src/db/embedded/wire.js'

t.test('BSON values', async (t) => {
  t.test('toStored unwraps Int32 and non-integral Doubles only', async (t) => {
    const stored = toStored({ a: new Int32(1), b: new Double(1.5), c: new Double(2), d: Long.fromNumber(3), e: [new Int32(4)], f: new Date(0), g: /x/ }) as Record<string, unknown>
    t.equal(stored.a, 1)
    t.equal(stored.b, 1.5)
    t.ok(stored.c instanceof Double)
    t.ok(stored.d instanceof Long)
    t.same(stored.e, [4])
    t.ok(stored.f instanceof Date)
    t.ok(stored.g instanceof RegExp)
  })

  t.test('toView turns every numeric wrapper into a number', async (t) => {
    t.same(toView({ a: Long.fromNumber(3), b: new Double(2), c: Decimal128.fromString('1.25'), d: [new Int32(4)], e: new Date(5), f: /y/ }),
      { a: 3, b: 2, c: 1.25, d: [4], e: new Date(5), f: /y/ })
    t.equal(hasNumericWrapper({ x: [{ y: Long.fromNumber(1) }] }), true)
    t.equal(hasNumericWrapper({ x: [1, 'a', new Date(), /r/, new ObjectId()] }), false)
  })

  t.test('cloneValue copies containers and dates but shares immutable BSON values', async (t) => {
    const oid = new ObjectId()
    const original = { a: { b: [1, { c: 2 }] }, d: new Date(7), oid }
    const copy = cloneValue(original)
    t.same(copy, original)
    t.not(copy.a, original.a)
    t.not(copy.d, original.d)
    t.equal(copy.oid, oid)
  })

  t.test('numeric kinds widen as mongod widens them', async (t) => {
    t.equal(numericKind(1), 'int')
    t.equal(numericKind(2 ** 40), 'double')
    t.equal(numericKind(new Int32(1)), 'int')
    t.equal(numericKind('1'), undefined)
    t.ok(asKind(2 ** 40, 'int') instanceof Long, 'an int that overflows becomes a long')
    t.equal(asKind(1.5, 'long'), 1.5)
    t.equal(asKind(1.5, 'double'), 1.5)
    t.ok(asKind(3, 'double') instanceof Double)
    t.equal((asKind(1.5, 'decimal') as Decimal128).toString(), '1.5')
  })

  t.test('bsonTypeName names every BSON type', async (t) => {
    const names = [undefined, null, 1, 1.5, 'a', true, 10n, [], new Date(), /x/, new ObjectId(), new Int32(1), Long.fromNumber(1), new Double(1),
      Decimal128.fromString('1'), new Binary(Buffer.from([1])), new Timestamp({ t: 1, i: 1 }), new BSONRegExp('a', 'i'), new MinKey(), new MaxKey(), {}]
      .map(bsonTypeName)
    t.same(names, ['missing', 'null', 'int', 'double', 'string', 'bool', 'long', 'array', 'date', 'regex', 'objectId', 'int', 'long', 'double',
      'decimal', 'binData', 'timestamp', 'regex', 'minKey', 'maxKey', 'object'])
  })

  t.test('compareBson orders within and across types', async (t) => {
    t.equal(compareBson(new MinKey(), null), -1)
    t.equal(compareBson(new MaxKey(), new Timestamp({ t: 1, i: 1 })), 1)
    t.equal(compareBson(null, undefined), 0)
    t.equal(compareBson(NaN, 1), -1)
    t.equal(compareBson(1, NaN), 1)
    t.equal(compareBson(NaN, NaN), 0)
    t.equal(compareBson(Long.fromNumber(2), 1.5), 1)
    t.equal(compareBson({ a: 1 }, { a: 1, b: 1 }), -1)
    t.equal(compareBson({ a: 1 }, { b: 1 }), -1)
    t.equal(compareBson([1, 2], [1, 3]), -1)
    t.equal(compareBson([1, 2], [1]), 1)
    t.equal(compareBson(new Binary(Buffer.from([1, 2])), new Binary(Buffer.from([1, 3]))), -1)
    t.equal(compareBson(new Binary(Buffer.from([9])), new Binary(Buffer.from([1, 3]))), -1, 'shorter binData sorts first')
    t.equal(compareBson(false, true), -1)
    t.equal(compareBson(new Date(1), new Date(2)), -1)
    t.equal(compareBson(new Timestamp({ t: 1, i: 2 }), new Timestamp({ t: 1, i: 1 })), 1)
    t.equal(compareBson(/a/, /b/), -1)
    t.equal(compareBson(new BSONRegExp('a', 'i'), /a/), 1)
  })

  t.test('paths fan out over arrays; sort keys take the min or max element', async (t) => {
    const doc = { a: [{ b: 1 }, { b: [2, 3] }, 'skip'], c: [5, 1], e: [], n: { '0': 'zero' } }
    t.same(resolvePath(doc, 'a.b'), [1, [2, 3]])
    t.same(resolvePath(doc, 'a.1.b'), [[2, 3]])
    t.same(resolvePath(doc, 'n.0'), ['zero'])
    t.same(resolvePath(doc, 'x.y'), [undefined])
    t.equal(sortKey(doc, 'c', 1), 1)
    t.equal(sortKey(doc, 'c', -1), 5)
    t.equal(sortKey(doc, 'e', 1), undefined)
    t.equal(sortKey(doc, 'missing', 1), undefined)
  })

  t.test('index keys equate numbers of every type and null with missing', async (t) => {
    t.equal(keyOf(1), keyOf(new Double(1)))
    t.equal(keyOf(1), keyOf(Long.fromNumber(1)))
    t.equal(keyOf(-0), keyOf(0))
    t.equal(keyOf(null), keyOf(undefined))
    t.equal(keyOf(NaN), keyOf(Number.NaN))
    t.ok(keyOf(NaN) < keyOf(-Infinity), 'NaN sorts below every number')
    t.not(keyOf('1'), keyOf(1))
    t.not(keyOf(true), keyOf(false))
    t.equal(keyOf({ a: 1 }), keyOf({ a: new Double(1) }))
  })
})

t.test('$jsonSchema keywords', async (t) => {
  const check = (schema: Record<string, unknown>, value: unknown): boolean => compileJsonSchema(schema)(value)
  t.equal(check({ type: 'object' }, {}), true)
  t.equal(check({ type: ['string', 'null'] }, null), true)
  t.equal(check({ type: 'number' }, '1'), false)
  t.equal(check({ type: 'unknownType' }, 1), false)
  t.equal(check({ bsonType: 'number' }, Decimal128.fromString('1')), true)
  t.equal(check({ bsonType: [1] }, 1), false)
  t.equal(check({ minimum: 1, exclusiveMinimum: true }, 1), false)
  t.equal(check({ maximum: 1, exclusiveMaximum: true }, 1), false)
  t.equal(check({ minimum: 1 }, 'not a number'), true)
  t.equal(check({ multipleOf: 3 }, 9), true)
  t.equal(check({ multipleOf: 3 }, 10), false)
  t.equal(check({ minLength: 2 }, 'é'), false, 'length counts code points')
  t.equal(check({ patternProperties: { '^x': { bsonType: 'int' } } }, { xa: 1, y: 'free' }), true)
  t.equal(check({ patternProperties: { '^x': { bsonType: 'int' } } }, { xa: 'no' }), false)
  t.equal(check({ properties: { a: {} }, patternProperties: { '^x': {} }, additionalProperties: false }, { a: 1, x1: 2 }), true)
  t.equal(check({ properties: { a: {} }, additionalProperties: { bsonType: 'string' } }, { a: 1, b: 'ok' }), true)
  t.equal(check({ properties: { a: {} }, additionalProperties: { bsonType: 'string' } }, { a: 1, b: 2 }), false)
  t.equal(check({ minProperties: 2 }, { a: 1 }), false)
  t.equal(check({ maxProperties: 1 }, { a: 1, b: 2 }), false)
  t.equal(check({ items: [{ bsonType: 'int' }, { bsonType: 'string' }] }, [1, 'a', true]), true)
  t.equal(check({ items: [{ bsonType: 'int' }], additionalItems: false }, [1, 2]), false)
  t.equal(check({ items: [{ bsonType: 'int' }], additionalItems: { bsonType: 'string' } }, [1, 'x']), true)
  t.equal(check({ uniqueItems: true }, [1, 2, 1]), false)
  t.equal(check({ uniqueItems: true }, [1, 2]), true)
  t.equal(check({ allOf: [{ minimum: 1 }, { maximum: 3 }] }, 2), true)
  t.equal(check({ anyOf: [{ bsonType: 'string' }, { bsonType: 'int' }] }, true), false)
  t.equal(check({ oneOf: [{ minimum: 1 }, { minimum: 2 }] }, 5), false)
  t.equal(check({ not: { bsonType: 'string' } }, 1), true)
  t.equal(check({ enum: [1, 'a'] }, new Double(1)), true)
})

t.test('operator shims', async (t) => {
  const docs = [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }, { v: 'x' }]
  t.test('$percentile methods and validation', async (t) => {
    const [row] = runPipeline(docs, [{ $group: { _id: null, c: { $percentile: { input: '$v', p: [0.25, 0.5], method: 'approximate' } }, none: { $median: { input: '$missing', method: 'approximate' } } } }])
    t.same(row, { _id: null, c: [1, 2], none: null })
    t.throws(() => runPipeline(docs, [{ $group: { _id: null, c: { $percentile: { input: '$v', p: [0.5], method: 'continuous' } } } }]), { code: 2 }, '7.0 knows only approximate')
    t.same(runPipeline([{ xs: [5, 1, 3] }], [{ $project: { _id: 0, m: { $median: { input: '$xs', method: 'approximate' } }, p: { $percentile: { input: '$xs', p: [1], method: 'approximate' } } } }]), [{ m: 3, p: [5] }])
    t.throws(() => runPipeline(docs, [{ $group: { _id: null, p: { $percentile: { input: '$v', p: [2], method: 'approximate' } } } }]))
    t.throws(() => runPipeline(docs, [{ $group: { _id: null, p: { $percentile: 'bad' } } }]))
  })

  t.test('$dateTrunc calendar units, bins and fixed offsets', async (t) => {
    const at = new Date('2024-05-17T22:30:00Z')
    const trunc = (spec: Record<string, unknown>): string => (runPipeline([{ at }], [{ $project: { _id: 0, d: { $dateTrunc: { date: '$at', ...spec } } } }])[0].d as Date).toISOString()
    t.equal(trunc({ unit: 'month' }), '2024-05-01T00:00:00.000Z')
    t.equal(trunc({ unit: 'month', binSize: 5 }), '2024-03-01T00:00:00.000Z', 'bins count from 2000-01-01')
    t.equal(trunc({ unit: 'quarter' }), '2024-04-01T00:00:00.000Z')
    t.equal(trunc({ unit: 'year' }), '2024-01-01T00:00:00.000Z')
    t.equal(trunc({ unit: 'year', binSize: 10 }), '2020-01-01T00:00:00.000Z')
    t.equal(trunc({ unit: 'day', timezone: '+05:30' }), '2024-05-17T18:30:00.000Z')
    t.equal(trunc({ unit: 'day', timezone: '-0300' }), '2024-05-17T03:00:00.000Z')
    t.equal(trunc({ unit: 'day', timezone: 'UTC' }), '2024-05-17T00:00:00.000Z')
    t.equal(trunc({ unit: 'week' }), '2024-05-12T00:00:00.000Z', 'weeks start on Sunday by default')
    t.equal(trunc({ unit: 'day', timezone: 'America/New_York' }), '2024-05-17T04:00:00.000Z')
    t.equal(trunc({ unit: 'hour' }), '2024-05-17T22:00:00.000Z')
    t.same(runPipeline([{ at: null }], [{ $project: { _id: 0, d: { $dateTrunc: { date: '$at', unit: 'day' } } } }]), [{ d: null }])
    t.throws(() => trunc({ unit: 'week', startOfWeek: 'someday' }))
    t.throws(() => trunc({ unit: 'day', binSize: 0 }))
  })

  t.test('$bucket requires boundaries and may omit output', async (t) => {
    t.same(runPipeline([{ v: 1 }, { v: 5 }], [{ $bucket: { groupBy: '$v', boundaries: [0, 5, 10] } }]), [{ _id: 0, count: 1 }, { _id: 5, count: 1 }])
    t.throws(() => runPipeline([{ v: 1 }], [{ $bucket: { groupBy: '$v', boundaries: [0] } }]))
  })
})

t.test('cursors and framing', async (t) => {
  t.test('idle cursors are reaped and unknown ones are not found', async (t) => {
    const cursors = new Cursors()
    const reply = cursors.first('db.c', [{ a: 1 }, { a: 2 }], 1)
    t.equal(cursors.size, 1)
    cursors.reap(Date.now() + 11 * 60 * 1000)
    t.equal(cursors.size, 0)
    t.throws(() => cursors.more(reply.cursor.id, 'db.c', 1), { code: 43 })
    const other = cursors.first('db.c', [{ a: 1 }, { a: 2 }], 1)
    t.throws(() => cursors.more(other.cursor.id, 'db.other', 1), { code: 43 }, 'a cursor belongs to its namespace')
    cursors.clear()
    t.equal(cursors.size, 0)
  })

  t.test('a batch stops before 16MB of documents', async (t) => {
    const big = { s: 'x'.repeat(6 * 1024 * 1024) }
    const reply = new Cursors().first('db.c', [big, big, big, big], undefined)
    t.equal(reply.cursor.firstBatch?.length, 2)
  })

  t.test('MessageReader reassembles split and coalesced messages', async (t) => {
    const message = (id: number): Buffer => {
      const b = Buffer.alloc(20)
      b.writeInt32LE(20, 0)
      b.writeInt32LE(id, 4)
      return b
    }
    const reader = new MessageReader()
    const both = Buffer.concat([message(1), message(2), message(3)])
    t.same(reader.push(both.subarray(0, 2)), [])
    t.same(reader.push(both.subarray(2, 30)).map((m) => m.readInt32LE(4)), [1])
    t.same(reader.push(both.subarray(30)).map((m) => m.readInt32LE(4)), [2, 3])
    const bad = Buffer.alloc(4)
    bad.writeInt32LE(3)
    t.throws(() => new MessageReader().push(bad), { message: 'invalid message length 3' })
  })
})

t.test('store and errors', async (t) => {
  const store = new Store()
  t.throws(() => store.create('bad.name', 'c'), { code: 73 })
  t.throws(() => store.create('db', ''), { code: 73 })
  t.throws(() => store.create('db', 'a$b'), { code: 2 })
  store.create('db', 'c')
  t.throws(() => store.create('db', 'c'), { code: 48 })
  t.equal(store.drop('db', 'c'), true)
  t.equal(store.drop('db', 'c'), false)
  t.same(store.databaseNames(), [])
  const wrapped = asCommandError('plain')
  t.ok(wrapped instanceof CommandError)
  t.equal(wrapped.code, 2)
  t.equal(asCommandError(new Error('boom')).message, 'boom')
})

t.test('index candidates', async (t) => {
  const c = new Collection('db', 'c')
  c.addIndex({ v: 2, key: { tenant: 1, kind: 1, n: 1 }, name: 'tenant_kind_n' })
  c.addIndex({ v: 2, key: { tag: 1 }, name: 'tag_1' })
  c.addIndex({ v: 2, key: { maybe: 1 }, name: 'maybe_1', sparse: true })
  for (let i = 0; i < 300; i++) c.insert({ _id: i, tenant: `t${i % 3}`, kind: i % 10, n: i, tag: i === 7 ? 'rare' : 'common', list: [i, 'all'] })
  const ids = (filter: Record<string, unknown>): unknown[] => c.candidates(filter).map((r) => r.doc._id).sort((a, b) => Number(a) - Number(b))

  t.test('equality on a leading prefix of a compound index, then a range on the next field', async (t) => {
    t.equal(ids({ tenant: 't1' }).length, 100)
    t.same(ids({ tenant: 't1', kind: 4 }), [4, 34, 64, 94, 124, 154, 184, 214, 244, 274])
    t.same(ids({ tenant: 't1', kind: 4, n: 34 }), [34])
    t.same(ids({ tenant: { $in: ['t0', 't1'] }, kind: { $eq: 3 }, n: { $gt: 100 } }), [103, 123, 133, 153, 163, 183, 193, 213, 223, 243, 253, 273, 283])
    t.same(ids({ $and: [{ tenant: 't2' }, { kind: 5 }] }), [5, 35, 65, 95, 125, 155, 185, 215, 245, 275])
  })

  t.test('candidates match the filter whichever index answers', async (t) => {
    t.same(ids({ tenant: 't1', tag: 'rare' }), [7])
    t.same(ids({ _id: { $in: [5, 6, 999] }, tenant: 't0' }), [6])
    t.equal(ids({ kind: 4 }).length, 30)
    t.equal(ids({ maybe: null }).length, 300, 'a sparse index cannot answer an equality with null')
    t.equal(ids({ tenant: /t1/ }).length, 100)
  })

  t.test('updates move index entries; removed documents leave every index', async (t) => {
    const [first] = c.candidates({ _id: 4 })
    c.replace(first, { ...first.doc, kind: 5, touched: true })
    t.same(ids({ tenant: 't1', kind: 4 }).slice(0, 2), [34, 64])
    t.same(ids({ tenant: 't1', kind: 5, touched: true }), [4])
    c.remove(c.candidates({ _id: 34 })[0])
    t.same(ids({ tenant: 't1', kind: 4 }).slice(0, 2), [64, 94])
    t.equal(c.get(34), undefined)
    t.equal(c.indexes().every((index) => index.size === (index.sparse ? 0 : 299)), true)
  })
})

t.test('simple inclusion projections', async (t) => {
  t.test('only top-level inclusions are simple; mingo projects everything else', async (t) => {
    t.same(simpleInclusion({ _id: 0, a: 1, b: true, c: -2 }), new Set(['a', 'b', 'c']))
    t.same(simpleInclusion({ a: 1, _id: 1 }), new Set(['a', '_id']))
    for (const spec of ['a', null, [], {}, { _id: 0 }, { _id: 1 }, { a: 1, b: 0 }, { a: Number.NaN }, { a: '$b' }, { a: { $literal: 1 } }, { 'a.b': 1 }, { $a: 1 }, { '': 1 }]) {
      t.equal(simpleInclusion(spec), undefined, JSON.stringify(spec))
    }
  })

  t.test('fields in the document\'s order; undefined as missing; values copied only when asked', async (t) => {
    const nested = { x: 1 }
    const doc = { _id: 1, b: nested, a: undefined, c: 3 }
    const fields = simpleInclusion({ c: 1, b: 1, a: 1 }) as Set<string>
    const shared = include(doc, fields, false)
    t.same(Object.keys(shared), ['_id', 'b', 'c'])
    t.equal(shared.b, nested)
    const copied = include(doc, fields, true)
    t.same(copied, { _id: 1, b: { x: 1 }, c: 3 })
    t.not(copied.b, nested)
  })
})
