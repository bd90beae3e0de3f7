import t from 'tap'
import fc from 'fast-check'
import { Long, ObjectId } from 'bson'
import { simpleSets, simpleUpsertDocument } from '../../../src/db/embedded/simple-upsert.js'
import { upsertDocument } from '../../../src/db/embedded/update.js'
import type { Doc } from '../../../src/db/embedded/values.js'

const field = fc.constantFrom('a', 'b', 'c', 'clientId', 'createdAt', 'n')
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }),
  fc.constant(new ObjectId('65a1b2c3d4e5f60718293a4b')), fc.constant(Long.fromString('9007199254740993')), fc.array(fc.integer(), { maxLength: 3 }))
const fields = fc.dictionary(field, value, { maxKeys: 4 })
const id = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 3 }))

/** Generated ids differ between two builds: compare everything else. */
const withoutGeneratedId = (doc: Doc): Doc => (doc._id instanceof ObjectId && doc._id.toHexString() !== '65a1b2c3d4e5f60718293a4b' ? { ...doc, _id: 'generated' } : doc)

const outcome = (build: () => Doc): { doc?: Doc, code?: number } => {
  try {
    return { doc: withoutGeneratedId(build()) }
  } catch (error) {
    return { code: (error as { code?: number }).code }
  }
}

t.test('whole-field upserts build the document update.ts builds', async (t) => {
  fc.assert(fc.property(fields, id, fields, fields, id, (filter, filterId, set, onInsert, setId) => {
    const q: Doc = filterId === undefined ? filter : { _id: filterId, ...filter }
    const insertFields: Doc = setId === undefined ? onInsert : { _id: setId, ...onInsert }
    const u: Doc = { ...(Object.keys(set).length > 0 ? { $set: set } : {}), $setOnInsert: insertFields }
    const sets = simpleSets(u)
    if (sets === undefined) return true
    const fast = outcome(() => simpleUpsertDocument(q, sets))
    const slow = outcome(() => upsertDocument(q, u, undefined))
    t.same(fast, slow, JSON.stringify({ q, u }))
    t.same(fast.doc === undefined ? [] : Object.keys(fast.doc), slow.doc === undefined ? [] : Object.keys(slow.doc), 'the same field order')
    return true
  }), { numRuns: 300, seed: 16 })
})

t.test('updates outside the simple form are left to update.ts', async (t) => {
  t.equal(simpleSets({ $set: { 'a.b': 1 } }), undefined, 'a dotted path')
  t.equal(simpleSets({ $inc: { n: 1 } }), undefined, 'another operator')
  t.equal(simpleSets({ $set: { a: 1 }, $setOnInsert: { a: 2 } }), undefined, 'a path in both (mongod: 40)')
  t.equal(simpleSets([{ $set: { a: 1 } }]), undefined, 'a pipeline')
  t.equal(simpleSets({ a: 1 }), undefined, 'a replacement')
  t.same(simpleSets({ $setOnInsert: { a: 1 } }), { set: {}, onInsert: { a: 1 } })
})
