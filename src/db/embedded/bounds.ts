/**
 * Index bounds: the intervals of index-key space a filter's predicates allow for one field, with MongoDB's type
 * bracketing (a numeric range never reaches strings) and mongod's display strings ("(5, inf.0]", "[\"a\", {})").
 * An interval is kept as encoded endpoints (keys.ts) so that unions and intersections are string comparisons.
 */
import { MaxKey, MinKey, ObjectId } from 'bson'
import { binaryCompare, collatedKeyCompare, type KeyCompare } from './collated-keys.js'
import { activeCollation, type Collation } from './collation.js'
import { AFTER, EMPTY_ARRAY, TAG, keyOf, numberOf, tagOf } from './keys.js'
import { isPlainObject } from './values.js'

export interface Interval {
  lo: string
  loInc: boolean
  hi: string
  hiInc: boolean
  /** The endpoints' values, shown (formatValue) only when a plan is explained; or their text, when no value has it. */
  loValue?: unknown
  hiValue?: unknown
  loText?: string
  hiText?: string
  /** A single value: an equality. */
  point: boolean
  /** How mongod shows it when that is not [lo, hi] (a regex prefix: ["abc", "abd")), scanned forward and backward. */
  display?: [string, string]
}

/** Intervals of one field, ascending and disjoint, and whether they say exactly what the predicates say (no FETCH check needed). */
export interface FieldBounds { intervals: Interval[], tight: boolean }

const FULL: Interval = { lo: keyOf(new MinKey()), loInc: true, hi: keyOf(new MaxKey()), hiInc: true, loValue: new MinKey(), hiValue: new MaxKey(), point: false }

export const loText = (i: Interval): string => i.loText ?? formatValue(i.loValue)
export const hiText = (i: Interval): string => i.hiText ?? formatValue(i.hiValue)
export const fullBounds = (): FieldBounds => ({ intervals: [FULL], tight: true })
export const isFull = (intervals: Interval[]): boolean => intervals.length === 1 && intervals[0].lo === FULL.lo && intervals[0].hi === FULL.hi

const orders = new WeakMap<Collation, KeyCompare>()

/**
 * The order of one value's keys: binary, or under the running command's collation (collated-keys.ts), whose string
 * intervals only an index with the same collation scans.
 */
export function valueOrder (): KeyCompare {
  const collation = activeCollation()
  if (collation === undefined) return binaryCompare
  let order = orders.get(collation)
  if (order === undefined) {
    order = collatedKeyCompare([1], collation.compareStrings)
    orders.set(collation, order)
  }
  return order
}

/** [start, end) in key-string space. */
const startOf = (i: Interval): string => (i.loInc ? i.lo : i.lo + AFTER)
const endOf = (i: Interval): string => (i.hiInc ? i.hi + AFTER : i.hi)
const isEmpty = (i: Interval, cmp: KeyCompare): boolean => cmp(startOf(i), endOf(i)) >= 0

export function union (lists: Interval[][]): Interval[] {
  const cmp = valueOrder()
  const all = lists.flat().filter((i) => !isEmpty(i, cmp)).sort((a, b) => cmp(startOf(a), startOf(b)))
  const out: Interval[] = []
  for (const i of all) {
    const last = out[out.length - 1]
    if (last !== undefined && cmp(startOf(i), endOf(last)) <= 0) {
      if (cmp(endOf(i), endOf(last)) > 0) out[out.length - 1] = { ...last, hi: i.hi, hiInc: i.hiInc, hiValue: i.hiValue, hiText: i.hiText, point: false, display: undefined }
      else if (last.point && !(cmp(startOf(i), startOf(last)) === 0 && cmp(endOf(i), endOf(last)) === 0)) out[out.length - 1] = { ...last, point: false, display: undefined }
    } else {
      out.push(i)
    }
  }
  return out
}

export function intersect (a: Interval[], b: Interval[]): Interval[] {
  const cmp = valueOrder()
  const out: Interval[] = []
  for (const x of a) {
    for (const y of b) {
      const lo = cmp(startOf(x), startOf(y)) >= 0 ? x : y
      const hi = cmp(endOf(x), endOf(y)) <= 0 ? x : y
      if (lo === hi) {
        out.push(lo)
        continue
      }
      const i: Interval = { lo: lo.lo, loInc: lo.loInc, loValue: lo.loValue, loText: lo.loText, hi: hi.hi, hiInc: hi.hiInc, hiValue: hi.hiValue, hiText: hi.hiText, point: false }
      if (!isEmpty(i, cmp)) out.push(i)
    }
  }
  return union([out])
}

/** Everything else, as `$ne`/`$nin`/`$not` see it. */
function complement (list: Interval[]): Interval[] {
  const out: Interval[] = []
  let lo = FULL.lo
  let loInc = true
  let loValue = FULL.loValue
  let loTextOf = FULL.loText
  for (const i of union([list])) {
    out.push({ lo, loInc, loValue, loText: loTextOf, hi: i.lo, hiInc: !i.loInc, hiValue: i.loValue, hiText: i.loText, point: false })
    lo = i.hi
    loInc = !i.hiInc
    loValue = i.hiValue
    loTextOf = i.hiText
  }
  out.push({ lo, loInc, loValue, loText: loTextOf, hi: FULL.hi, hiInc: true, hiValue: FULL.hiValue, point: false })
  const cmp = valueOrder()
  return out.filter((i) => !isEmpty(i, cmp))
}

// ---- display, as mongod prints index bounds

export function formatValue (v: unknown): string {
  if (v === undefined || v === EMPTY_ARRAY) return 'undefined'
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v)
  if (v instanceof Date) return `new Date(${v.getTime()})`
  if (v instanceof RegExp) return `/${v.source}/${v.flags}`
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[ ${v.map(formatValue).join(', ')} ]`
  const type = (v as { _bsontype?: string })._bsontype
  switch (type) {
    case 'ObjectId': return `ObjectId('${(v as ObjectId).toHexString()}')`
    case 'MinKey': return 'MinKey'
    case 'MaxKey': return 'MaxKey'
    case 'Long': return (v as { toString(): string }).toString()
    case 'Int32': return String((v as { value: number }).value)
    case 'Double': return formatNumber((v as { value: number }).value, true)
    case 'Decimal128': return `${(v as { toString(): string }).toString()}`
    case 'BSONRegExp': return `/${(v as { pattern: string }).pattern}/${(v as { options: string }).options}`
    case 'Timestamp': return `Timestamp(${(v as { high: number }).high >>> 0}, ${(v as { low: number }).low >>> 0})`
    case 'Binary': return `BinData(${(v as { sub_type: number }).sub_type}, ${Buffer.from((v as { buffer: Uint8Array }).buffer).toString('hex').toUpperCase()})`
  }
  if (isPlainObject(v)) {
    const entries = Object.entries(v)
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')} }`
  }
  return String(v)
}

function formatNumber (n: number | bigint, double = false): string {
  if (typeof n === 'bigint') return n.toString()
  if (Number.isNaN(n)) return 'nan.0'
  if (n === Infinity) return 'inf.0'
  if (n === -Infinity) return '-inf.0'
  return Number.isInteger(n) && (double || Math.abs(n) > 2 ** 53) ? `${n}.0` : String(n)
}

/** `reversed`: as a backward scan of the field reads it ("[inf.0, 5]"). */
export function formatInterval (i: Interval, reversed = false): string {
  if (i.display !== undefined) return i.display[reversed ? 1 : 0]
  if (reversed) return `${i.hiInc ? '[' : '('}${hiText(i)}, ${loText(i)}${i.loInc ? ']' : ')'}`
  return `${i.loInc ? '[' : '('}${loText(i)}, ${hiText(i)}${i.hiInc ? ']' : ')'}`
}

// ---- building intervals from predicate values

const interval = (lo: unknown, loInc: boolean, hi: unknown, hiInc: boolean): Interval => ({
  lo: keyOf(lo), loInc, hi: keyOf(hi), hiInc, loValue: lo, hiValue: hi, point: false
})

const pointOf = (v: unknown): Interval => {
  const key = keyOf(v)
  return { lo: key, loInc: true, hi: key, hiInc: true, loValue: v, hiValue: v, point: true }
}

/** The [lowest, highest] values of a value's type, as mongod brackets open ranges. */
function bracket (v: unknown): [Interval, Interval] | undefined {
  switch (tagOf(v)) {
    case TAG.number: {
      const lo = interval(-Infinity, true, -Infinity, true)
      return [lo, interval(Infinity, true, Infinity, true)]
    }
    case TAG.string: return [interval('', true, '', true), interval({}, false, {}, false)]
    case TAG.date: return [DATE_MIN, DATE_MAX]
    case TAG.objectId: {
      const min = new ObjectId('000000000000000000000000')
      const max = new ObjectId('ffffffffffffffffffffffff')
      return [interval(min, true, min, true), interval(max, true, max, true)]
    }
    case TAG.bool: return [interval(false, true, false, true), interval(true, true, true, true)]
    default: return undefined
  }
}

/** The ends of the date type, int64 milliseconds as mongod prints them (beyond what a JS Date holds). */
function dateEnd (ms: number, text: string): Interval {
  const key = keyOf(new Date(0)).slice(0, 1) + keyOf(ms).slice(1)
  return { lo: key, loInc: true, hi: key, hiInc: true, loText: `new Date(${text})`, hiText: `new Date(${text})`, point: false }
}

const DATE_MIN = dateEnd(-(2 ** 63), '-9223372036854775808')
const DATE_MAX = dateEnd(2 ** 63, '9223372036854775807')

/** True when the index key of `v` stands for exactly `v` (a Long past 2^53 or an inexact Decimal128 shares its key). */
function exactKey (v: unknown): boolean {
  const type = (v as { _bsontype?: string } | null)?._bsontype
  if (type === 'Long' || type === 'Decimal128') {
    const n = numberOf(v)
    return Number.isFinite(n) && String(BigInt(Math.trunc(n))) === (v as { toString(): string }).toString()
  }
  return true
}

/** Values whose index bounds are a point that says exactly what equality says (no FETCH check). */
const tightScalar = (v: unknown): boolean => {
  const tag = tagOf(v)
  return (tag === TAG.number || tag === TAG.string || tag === TAG.date || tag === TAG.objectId || tag === TAG.bool) &&
    !(typeof v === 'number' && Number.isNaN(v)) && exactKey(v)
}

const isRegex = (v: unknown): boolean => v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp'

/** The key of null and of a missing field. */
export const nullPoint = (): Interval[] => [pointOf(null)]

/** Bounds of an equality with `v` (`{f: v}`, `$eq`, an `$in` element). */
export function equalityBounds (v: unknown): FieldBounds {
  if (isRegex(v)) return regexBounds(v)
  if (v === null || v === undefined) return { intervals: union([[pointOf(EMPTY_ARRAY), pointOf(null)]]), tight: false }
  if (Array.isArray(v)) {
    const lists = [[pointOf(v)], v.length === 0 ? [pointOf(EMPTY_ARRAY)] : [pointOf(v[0])]]
    return { intervals: union(lists), tight: false }
  }
  return { intervals: [pointOf(v)], tight: tightScalar(v) }
}

/** `$gt`/`$gte`/`$lt`/`$lte` of `v`, within `v`'s type. */
export function rangeBounds (op: string, v: unknown): FieldBounds {
  if (typeof v === 'number' && Number.isNaN(v)) {
    return op === '$gte' || op === '$lte' ? { intervals: [pointOf(NaN)], tight: true } : { intervals: [], tight: true }
  }
  if (v === null || v === undefined) return op === '$gte' || op === '$lte' ? equalityBounds(null) : { intervals: [], tight: true }
  const tag = tagOf(v)
  if (tag === TAG.minKey || tag === TAG.maxKey) return { intervals: [FULL], tight: false }
  const brackets = bracket(v)
  if (brackets === undefined) return { intervals: [FULL], tight: false }
  const [min, max] = brackets
  const exact = exactKey(v)
  const at = interval(v, true, v, true)
  const inclusive = op === '$gte' || op === '$lte' || !exact
  const list = op === '$gt' || op === '$gte'
    ? [{ ...at, loInc: inclusive, hi: max.hi, hiInc: max.hiInc, hiValue: max.hiValue, hiText: max.hiText }]
    : [{ ...at, lo: min.lo, loInc: min.loInc, loValue: min.loValue, loText: min.loText, hiInc: inclusive }]
  const cmp = valueOrder()
  return { intervals: list.filter((i) => !isEmpty(i, cmp)), tight: exact && tag !== TAG.string }
}

const PREFIX = /^\^((?:[^\\.*+?()[\]{}|^$]|\\[\\.*+?()[\]{}|^$/-])+)/

/**
 * `$regex`: a prefix range for an anchored literal prefix (no `i`, `m` or `x`), every string otherwise (and under a
 * collation, whose order is not the bytes'); regex values too.
 */
export function regexBounds (v: unknown, flags = ''): FieldBounds {
  const source = v instanceof RegExp ? v.source : typeof v === 'string' ? v : (v as { pattern: string }).pattern
  const allFlags = `${flags}${v instanceof RegExp ? v.flags : (v as { options?: string } | null)?.options ?? ''}`
  const self = isRegex(v) ? [pointOf(v)] : []
  const match = /[imx]/.test(allFlags) || activeCollation() !== undefined ? null : PREFIX.exec(source)
  if (match === null) {
    const strings = bracket('') as [Interval, Interval]
    return { intervals: union([[{ ...strings[0], hi: strings[1].hi, hiInc: false, hiValue: strings[1].hiValue }], self]), tight: false }
  }
  const prefix = match[1].replace(/\\(.)/g, '$1')
  const encoded = keyOf(prefix).slice(0, -1)
  const last = prefix.charCodeAt(prefix.length - 1)
  const next = prefix.slice(0, -1) + String.fromCharCode(last + 1)
  const [from, to] = [formatValue(prefix), formatValue(next)]
  const range: Interval = { lo: encoded, loInc: true, hi: encoded, hiInc: true, loValue: prefix, hiValue: next, point: false, display: [`[${from}, ${to})`, `(${to}, ${from}]`] }
  return { intervals: union([[range], self]), tight: false }
}

/** `$type` brackets. */
export function typeBounds (types: unknown): FieldBounds {
  const list = Array.isArray(types) ? types : [types]
  const parts: Interval[][] = []
  for (const t of list) {
    const name = typeof t === 'number' ? NUMERIC_TYPES[t] : t
    const sample = TYPE_SAMPLES[String(name)]
    if (sample === undefined) return { intervals: [FULL], tight: false }
    if (sample === null) {
      parts.push(equalityBounds(null).intervals)
      continue
    }
    const b = bracket(sample) as [Interval, Interval]
    parts.push([{ ...b[0], hi: b[1].hi, hiInc: b[1].hiInc, hiValue: b[1].hiValue, hiText: b[1].hiText }])
  }
  return { intervals: union(parts), tight: false }
}

const NUMERIC_TYPES: Record<number, string> = { 1: 'double', 2: 'string', 7: 'objectId', 8: 'bool', 9: 'date', 10: 'null', 16: 'int', 18: 'long', 19: 'decimal' }
const TYPE_SAMPLES: Record<string, unknown> = {
  double: 0, int: 0, long: 0, decimal: 0, number: 0, string: '', objectId: new ObjectId('000000000000000000000000'), bool: false, date: new Date(0), null: null
}

export const notBounds = (inner: FieldBounds): FieldBounds => ({ intervals: complement(inner.intervals), tight: false })
