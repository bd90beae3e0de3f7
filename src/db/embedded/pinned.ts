/**
 * Queries that pin one document: equalities on every field of a unique index (the writes of an import and of
 * idempotent creates, one statement at a time), and `{_id: v}` (IDHACK). Found without analysing the filter for every
 * index.
 */
import { equalityBounds } from './bounds.js'
import type { Collection, StoredRecord } from './collection.js'
import { holdsString, type Collation } from './collation.js'
import type { Index } from './indexes.js'
import { compileFilter } from './query.js'
import { IndexScan } from './scans.js'
import { Fetch, type Stage } from './stages.js'
import { isPlainObject, type Doc } from './values.js'

/** True when an index compares strings as the query does: both binary, or under collations that compare alike. */
export const sameCollation = (index: Index, collation: Collation | undefined): boolean => index.collation?.id === collation?.id

/** The value of an equality whose index bounds are one exact point (`{f: v}` or `{f: {$eq: v}}`), if it is one. */
function pointValue (cond: unknown): { value: unknown } | undefined {
  const value = isPlainObject(cond) && Object.keys(cond).length === 1 && '$eq' in cond ? cond.$eq : cond
  if (isPlainObject(value)) return undefined
  const bounds = equalityBounds(value)
  return bounds.tight && bounds.intervals.length === 1 && bounds.intervals[0].point ? { value } : undefined
}

/**
 * The plan the general planner picks for equalities that pin every field of a unique index (the first such index),
 * found without analysing the filter for every index: the writes of an import and of idempotent creates, one statement
 * at a time, spend most of their planning here.
 */
export function pinnedUnique (collection: Collection, filter: Doc, collation: Collation | undefined): { stage: Stage, index: string } | undefined {
  const pinned = pinnedIndex(collection, filter, collation)
  if (pinned === undefined) return undefined
  const { index, points, rest } = pinned
  const bounds = index.fields.map((f) => equalityBounds(points.get(f)).intervals)
  const scan = new IndexScan(index, bounds, 1)
  const predicate = Object.keys(rest).length > 0 ? compileFilter(rest) : undefined
  return { stage: new Fetch(collection, scan, predicate, rest), index: index.name }
}

/**
 * The first unique index the filter's equalities pin, the pinned values, and the rest of the filter. An index of
 * another collation than the query's serves only values without strings.
 */
function pinnedIndex (collection: Collection, filter: Doc, collation: Collation | undefined): { index: Index, points: Map<string, unknown>, rest: Doc } | undefined {
  const points = new Map<string, unknown>()
  for (const field in filter) {
    if (field.startsWith('$')) return undefined
    const point = pointValue(filter[field])
    if (point !== undefined) points.set(field, point.value)
  }
  if (points.size === 0) return undefined
  for (const index of collection.indexes()) {
    if (!index.unique || !index.maintained || index.partial !== undefined) continue
    if (!index.fields.every((f) => points.has(f))) continue
    if (!sameCollation(index, collation) && index.fields.some((f) => holdsString(points.get(f)))) continue
    const rest: Doc = {}
    for (const field in filter) if (!index.fields.includes(field)) rest[field] = filter[field]
    return { index, points, rest }
  }
  return undefined
}

/**
 * The records a write's filter selects when it pins a unique index (what pinnedUnique's plan returns), read straight
 * from the index without building a plan; undefined when it does not. Upserts of imports run this once a statement.
 */
export function pinnedRecords (collection: Collection, filter: Doc, collation: Collation | undefined): StoredRecord[] | undefined {
  const pinned = pinnedIndex(collection, filter, collation)
  if (pinned === undefined) return undefined
  const { index, points, rest } = pinned
  const seq = index.seqWith(index.prefixOf(index.fields.map((f) => points.get(f))))
  const record = seq === undefined ? undefined : collection.record(seq)
  if (record === undefined) return []
  return Object.keys(rest).length === 0 || compileFilter(rest)(record.view) ? [record] : []
}

/** `{_id: v}` (or `$eq`) with a scalar: answered by the `_id` index alone. */
export function idEquality (filter: Doc): { value: unknown } | undefined {
  const keys = Object.keys(filter)
  if (keys.length !== 1 || keys[0] !== '_id') return undefined
  const cond = filter._id
  const value = isPlainObject(cond) && Object.keys(cond).length === 1 && '$eq' in cond ? cond.$eq : cond
  if (value === null || value === undefined || Array.isArray(value) || value instanceof RegExp || isPlainObject(value)) return undefined
  if ((value as { _bsontype?: string })._bsontype === 'BSONRegExp') return undefined
  return { value }
}
