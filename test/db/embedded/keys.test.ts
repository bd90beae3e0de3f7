import t from 'tap'
import fc from 'fast-check'
import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson'
import { EMPTY_ARRAY, KeyWriter, keyOf, numberOf, seqOfKey, skipValue, tagOf, TAG } from '../../../src/db/embedded/keys.js'
import { compareBson } from '../../../src/db/embedded/values.js'

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)
const compareKeys = (a: unknown, b: unknown): number => sign(keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)

/** Values whose order values.ts and mongod agree on (strings of the Basic Multilingual Plane below the surrogates). */
const scalar = fc.oneof(
  fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(NaN, -0, Infinity, -Infinity, 2 ** 53),
  fc.string({ unit: fc.integer({ min: 0, max: 0xd7ff }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
  fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
  fc.constantFrom(new MinKey(), new MaxKey())
)
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) })

t.test('keys order values as BSON compares them', async (t) => {
  fc.assert(fc.property(value, value, (a, b) => compareKeys(a, b) === sign(compareBson(a, b))), { numRuns: 3000, seed: 16 })
  t.equal(keyOf(1), keyOf(new Int32(1)))
  t.equal(keyOf(1), keyOf(new Double(1)))
  t.equal(keyOf(1), keyOf(Long.fromNumber(1)))
  t.equal(keyOf(1.5), keyOf(Decimal128.fromString('1.5')))
  t.equal(keyOf(5n), keyOf(5))
  t.equal(keyOf(null), keyOf(undefined), 'missing is keyed as null')
  t.ok(keyOf(EMPTY_ARRAY) < keyOf(null) && keyOf(new MinKey()) < keyOf(EMPTY_ARRAY), 'an empty array sorts between MinKey and null')
  t.ok(keyOf('a') === keyOf(new BSONSymbol('a')))
  t.ok(keyOf('a\u0000') > keyOf('a') && keyOf('a\u0001') > keyOf('a\u0000') && keyOf('ab') > keyOf('a\u0001'), 'bytes 0 and 1 are escaped')
  t.ok(keyOf('\uffff') < keyOf('\ud83d\ude00'), 'strings compare by UTF-8 bytes, as mongod does')
  t.equal(keyOf('\ud800'), keyOf('\ufffd'), 'a lone surrogate is U+FFFD, as BSON writes it')
})

t.test('documents, binary data, timestamps, regexes and code have their places', async (t) => {
  const order: unknown[] = [
    new MinKey(), null, -Infinity, 0, 'x', {}, { a: 1 }, { a: 1, b: 0 }, { b: 0 }, [], [1], new Binary(Buffer.from([9])), new Binary(Buffer.from([1, 2])),
    new ObjectId('000000000000000000000001'), false, true, new Date(0), new Timestamp({ t: 1, i: 2 }), new Timestamp({ t: 2, i: 0 }),
    /a/, /a/i, new BSONRegExp('b', ''), new Code('f()'), new MaxKey()
  ]
  for (let i = 1; i < order.length; i++) t.ok(keyOf(order[i - 1]) < keyOf(order[i]), `${String(order[i - 1])} < ${String(order[i])}`)
  t.equal(tagOf(new Code('x')), TAG.javascript)
  t.equal(keyOf({ a: 1, skipped: undefined }), keyOf({ a: 1 }), 'undefined fields are not part of a document')
  t.equal(numberOf(Long.fromString('9007199254740993')), 9007199254740992, 'a Long past 2^53 keys as the nearest double')
})

t.test('a key is read field by field without decoding it', async (t) => {
  const samples: unknown[] = [1, 'ab\u0000c', null, EMPTY_ARRAY, true, new Date(5), new ObjectId(), [1, 'a', [2]], { x: { y: [1] } },
    new Binary(Buffer.from([1, 2, 3])), new Timestamp({ t: 3, i: 4 }), /re/g, new Code('c'), new MinKey(), new MaxKey()]
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...samples), fc.boolean()), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 2 ** 40 }), (fields, seq) => {
    const writer = new KeyWriter()
    const segments: string[] = []
    for (const [v, descending] of fields) {
      const one = new KeyWriter()
      one.value(v)
      if (descending) one.invert(0)
      segments.push(one.finish())
      const start = writer.pos
      writer.value(v)
      if (descending) writer.invert(start)
    }
    writer.seq(seq)
    const key = writer.finish()
    let pos = 0
    fields.forEach(([, descending], i) => {
      const end = skipValue(key, pos, descending)
      if (key.slice(pos, end) !== segments[i]) throw new Error(`field ${i} read as ${JSON.stringify(key.slice(pos, end))}`)
      pos = end
    })
    return seqOfKey(key) === seq && pos === key.length - 6
  }), { numRuns: 500, seed: 16 })
  t.pass('every field ends where its encoding ends')
})
