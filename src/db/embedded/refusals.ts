/**
 * Writes mongod 7.0 refuses before it touches a document: unknown fields in update and delete
 * statements (such as `sort`, which only 8.0 accepts), `_id` values that cannot be stored,
 * `$`-prefixed field names where storage forbids them, and documents nested too deeply.
 */
import { Timestamp } from 'bson'
import { CommandError, badValue } from './errors.js'
import { isPlainObject, type Doc } from './values.js'

const STATEMENT_FIELDS: Record<string, { list: string; fields: Set<string>; required: string[] }> = {
  update: {
    list: 'updates',
    fields: new Set(['q', 'u', 'c', 'upsert', 'multi', 'arrayFilters', 'hint', 'collation', 'sampleId', 'upsertSupplied', '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery']),
    required: ['q', 'u']
  },
  delete: { list: 'deletes', fields: new Set(['q', 'limit', 'hint', 'collation', 'sampleId']), required: ['q', 'limit'] }
}

/** Refuses an update or delete command whose statements hold a field mongod 7.0 does not know, or lack one it needs. */
export function checkStatements (command: string, body: Doc): void {
  const shape = STATEMENT_FIELDS[command]
  const statements = body[shape.list]
  if (!Array.isArray(statements)) return
  for (const statement of statements) {
    if (!isPlainObject(statement)) continue
    for (const field of Object.keys(statement)) {
      if (!shape.fields.has(field)) throw new CommandError(40415, 'Location40415', `BSON field '${command}.${shape.list}.${field}' is an unknown field.`)
    }
    for (const field of shape.required) {
      if (!Object.hasOwn(statement, field)) throw new CommandError(40414, 'Location40414', `BSON field '${command}.${shape.list}.${field}' is missing but a required field`)
    }
  }
}

// mongod allows 200 levels and keeps 20 for itself (BSONDepth::getMaxDepthForUserStorage).
const MAX_DEPTH = 180

/** True when arrays and documents nest deeper than `limit` levels under `value` (a walk that allocates nothing). */
function nestsDeeper (value: unknown, limit: number): boolean {
  if (Array.isArray(value)) {
    if (limit === 0) return true
    for (let i = 0; i < value.length; i++) if (nestsDeeper(value[i], limit - 1)) return true
    return false
  }
  if (!isPlainObject(value)) return false
  if (limit === 0) return true
  for (const key in value) if (nestsDeeper(value[key], limit - 1)) return true
  return false
}

/** The first `$`-prefixed field name at any depth of an embedded document (DBRefs decode as their own type). */
function dollarField (doc: Doc): string | undefined {
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith('$')) return key
    const inner = isPlainObject(value) ? dollarField(value) : undefined
    if (inner !== undefined) return inner
  }
  return undefined
}

const isRegex = (v: unknown): boolean => v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp'

/** An insert as mongod prepares it: refuses bad `_id` values and too deep nesting, fills top-level zero Timestamps. */
export function prepareInsert (doc: Doc): Doc {
  const id = doc._id
  if (isRegex(id)) throw badValue("can't use a regex for _id")
  if (Array.isArray(id)) throw badValue("can't use an array for _id")
  if (isPlainObject(id)) {
    const field = dollarField(id)
    if (field !== undefined) throw new CommandError(52, 'DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${field} is not valid for storage.`)
  }
  if (nestsDeeper(doc, MAX_DEPTH)) {
    throw new CommandError(15, 'Overflow', `cannot insert document because it exceeds ${MAX_DEPTH} levels of nesting`)
  }
  let out = doc
  for (const key in doc) {
    const value = doc[key]
    if (value instanceof Timestamp && value.isZero()) {
      if (out === doc) out = { ...doc }
      out[key] = nextTimestamp()
    }
  }
  return out
}

let lastTimestamp = { t: 0, i: 0 }

/** A cluster-time-like Timestamp: seconds now, and an increment that grows within a second. */
function nextTimestamp (): Timestamp {
  const t = Math.floor(Date.now() / 1000)
  lastTimestamp = t > lastTimestamp.t ? { t, i: 1 } : { t: lastTimestamp.t, i: lastTimestamp.i + 1 }
  return new Timestamp({ t: lastTimestamp.t, i: lastTimestamp.i })
}

const replacementDollar = (field: string, path: string): CommandError =>
  new CommandError(52, 'DollarPrefixedFieldName', `The dollar ($) prefixed field '${field}' in '${path}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`)

/** The `_id` a document produced by an update may store (mongod's storage validation). */
export function checkStoredId (doc: Doc): void {
  const id = doc._id
  if (isRegex(id)) throw new CommandError(53, 'InvalidIdField', "The '_id' value cannot be of type regex")
  if (Array.isArray(id)) throw new CommandError(53, 'InvalidIdField', "The '_id' value cannot be of type array")
  if (isPlainObject(id)) {
    const field = Object.keys(id).find((k) => k.startsWith('$'))
    if (field !== undefined) throw replacementDollar(field, `_id.${field}`)
  }
}

/** A replacement document: no top-level `$`-prefixed field, and a storable `_id`. */
export function checkReplacement (doc: Doc): void {
  const field = Object.keys(doc).find((k) => k.startsWith('$'))
  if (field !== undefined) throw replacementDollar(field, field)
  checkStoredId(doc)
}
