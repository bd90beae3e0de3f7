import t from 'tap'
import fc from 'fast-check'
import { ObjectId } from 'bson'
import { Query } from 'mingo/query'
import { compileSimple } from '../../../src/db/embedded/filters.js'
import { mingoOptions } from '../../../src/db/embedded/query.js'
import type { Doc } from '../../../src/db/embedded/values.js'

const ids = [new ObjectId('65a1b2c3d4e5f60718293a4b'), new ObjectId('65a1b2c3d4e5f60718293a4c')]
const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(1.5, -0, 2 ** 40), fc.constantFrom('a', 'b', 'ab', ''), fc.boolean(),
  fc.constantFrom(new Date(0), new Date(86_400_000)), fc.constantFrom(...ids))
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.array(fc.record({ b: scalar }, { requiredKeys: [], noNullPrototype: true }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ b: scalar }, { requiredKeys: [], noNullPrototype: true }) }
)
const doc = fc.record({ a: value, c: value }, { requiredKeys: [], noNullPrototype: true })
const path = fc.constantFrom('a', 'c', 'a.b')
const condition = fc.oneof(
  scalar,
  fc.record({ $eq: scalar }),
  fc.record({ $ne: scalar }),
  fc.record({ $in: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $gt: scalar, $lte: scalar }, { requiredKeys: [], noNullPrototype: true }).filter((c) => Object.keys(c).length > 0),
  fc.record({ $gte: scalar, $lt: scalar }, { requiredKeys: [], noNullPrototype: true }).filter((c) => Object.keys(c).length > 0),
  fc.record({ $exists: fc.boolean() })
)
const filter = fc.oneof(
  fc.dictionary(path, condition, { minKeys: 1, maxKeys: 2 }),
  fc.array(fc.dictionary(path, condition, { minKeys: 1, maxKeys: 1 }), { minLength: 1, maxLength: 2 }).map((and) => ({ $and: and }))
)

t.test('compiled filters answer as mingo does', async (t) => {
  let compared = 0
  fc.assert(fc.property(filter, fc.array(doc, { minLength: 1, maxLength: 6 }), (f, docs) => {
    const compiled = compileSimple(f as Doc)
    t.ok(compiled !== undefined, `${JSON.stringify(f)} is a compiled shape`)
    const query = new Query(f as Doc, mingoOptions())
    for (const d of docs) {
      compared++
      if ((compiled as (d: Doc) => boolean)(d as Doc) !== query.test(d as Doc)) {
        t.fail(`${JSON.stringify(f)} on ${JSON.stringify(d)}: compiled ${String(!query.test(d as Doc))}, mingo ${String(query.test(d as Doc))}`)
        return false
      }
    }
    return true
  }), { numRuns: 500, seed: 16 })
  t.ok(compared > 1000)
})

t.test('other shapes are left to mingo', async (t) => {
  for (const f of [{ a: null }, { a: { $regex: 'x' } }, { a: /x/ }, { $or: [{ a: 1 }] }, { a: { $in: [] } }, { a: { $gt: null } }, { a: { b: 1 } },
    { a: [1] }, { a: { $size: 1 } }, { $expr: { $eq: ['$a', 1] } }, { a: { $elemMatch: { $gt: 1 } } }, { a: NaN }, { a: { $exists: 1 } }, { $and: [] }]) {
    t.equal(compileSimple(f as Doc), undefined, JSON.stringify(f))
  }
})
