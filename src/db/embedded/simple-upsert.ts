/**
 * The upserts imports and idempotent creates send — `$setOnInsert` (and `$set`) of whole top-level fields — built
 * without mingo's updater, which costs about 70 µs a statement to set itself up. The result is the document
 * update.ts builds for the same statement (test/db/embedded/simple-upsert.test.ts compares the two on random
 * statements); anything else (dotted or `$` paths, other operators, a path in both) goes to update.ts.
 */
import { ObjectId } from 'bson'
import { CommandError } from './errors.js'
import { checkStoredId } from './refusals.js'
import { upsertSeed } from './update.js'
import { compareBson, isPlainObject, type Doc } from './values.js'

const plainFields = (fields: unknown): fields is Doc =>
  isPlainObject(fields) && Object.keys(fields).every((k) => k.length > 0 && !k.includes('.') && !k.startsWith('$'))

/** The fields an update sets, when it is only `$setOnInsert` and `$set` of plain top-level fields; undefined otherwise. */
export function simpleSets (u: unknown): { set: Doc, onInsert: Doc } | undefined {
  if (!isPlainObject(u)) return undefined
  const ops = Object.keys(u)
  if (ops.length === 0 || ops.some((op) => op !== '$set' && op !== '$setOnInsert')) return undefined
  const set = u.$set ?? {}
  const onInsert = u.$setOnInsert ?? {}
  if (!plainFields(set) || !plainFields(onInsert)) return undefined
  if (Object.keys(onInsert).some((k) => Object.hasOwn(set, k))) return undefined
  return { set, onInsert }
}

/** The document an upsert of such an update inserts: `_id` first, the filter's equalities, then the fields set, in order. */
export function simpleUpsertDocument (filter: Doc, sets: { set: Doc, onInsert: Doc }): Doc {
  const seed = upsertSeed(filter)
  const fields: Doc = { ...sets.set, ...sets.onInsert }
  const id = Object.hasOwn(fields, '_id') ? fields._id : seed._id
  if (seed._id !== undefined && compareBson(seed._id, id) !== 0) {
    throw new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'")
  }
  const out: Doc = { _id: id === undefined ? new ObjectId() : id }
  for (const key of Object.keys(seed)) if (key !== '_id') out[key] = Object.hasOwn(fields, key) ? fields[key] : seed[key]
  for (const key of Object.keys(fields)) if (key !== '_id' && !Object.hasOwn(seed, key)) out[key] = fields[key]
  checkStoredId(out)
  return out
}
