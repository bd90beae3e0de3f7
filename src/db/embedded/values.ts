import { Decimal128, Double, Int32, Long, ObjectId, Binary, Timestamp, BSONRegExp, MinKey, MaxKey } from 'bson'

export type Doc = Record<string, unknown>

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

export const isPlainObject = (v: unknown): v is Doc =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)

const bsonType = (v: unknown): string | undefined =>
  typeof v === 'object' && v !== null ? (v as { _bsontype?: string })._bsontype : undefined

const isInt32Number = (n: number): boolean => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0)

/**
 * Converts a document decoded with `promoteValues: false` to its stored form: Int32 and
 * Doubles that re-encode as doubles become plain numbers; Long, Decimal128 and integral
 * Doubles stay wrapped so they re-encode with their original BSON type.
 */
export function toStored (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(toStored)
  switch (bsonType(value)) {
    case 'Int32': return (value as Int32).value
    case 'Double': {
      const n = (value as Double).value
      return isInt32Number(n) ? value : n
    }
    case undefined: break
    default: return value
  }
  if (value instanceof Date || value instanceof RegExp) return value
  const out: Doc = {}
  for (const key of Object.keys(value)) out[key] = toStored((value as Doc)[key])
  return out
}

/** True when a stored value holds a numeric wrapper that query evaluation must see as a number. */
export function hasNumericWrapper (value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasNumericWrapper)
  const type = bsonType(value)
  if (type === 'Long' || type === 'Double' || type === 'Decimal128' || type === 'Int32') return true
  if (type !== undefined || value instanceof Date || value instanceof RegExp) return false
  for (const key of Object.keys(value)) if (hasNumericWrapper((value as Doc)[key])) return true
  return false
}

/**
 * The BSON numeric type of the numbers of an evaluation-form object or array that came from a Long,
 * a Decimal128 or an integral Double (a plain number alone would read as an int), by key, so that
 * `$type` still tells them apart. Objects without such numbers have no entry.
 */
const viewKinds = new WeakMap<object, Map<string, NumericKind>>()
/** False until a first entry exists, so copies of documents without such numbers skip the lookup. */
let anyViewKinds = false

const WRAPPED_KINDS: Record<string, NumericKind> = { Long: 'long', Double: 'double', Decimal128: 'decimal' }

function noteKind (kinds: Map<string, NumericKind> | undefined, key: string, value: unknown): Map<string, NumericKind> | undefined {
  const kind = WRAPPED_KINDS[bsonType(value) ?? '']
  if (kind === undefined) return kinds
  return (kinds ?? new Map()).set(key, kind)
}

/** The evaluation form: every numeric wrapper becomes a JS number so mingo compares and computes with it. */
export function toView (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  let kinds: Map<string, NumericKind> | undefined
  if (Array.isArray(value)) {
    const items = value.map((item, i) => {
      kinds = noteKind(kinds, String(i), item)
      return toView(item)
    })
    if (kinds !== undefined) rememberKinds(items, kinds)
    return items
  }
  switch (bsonType(value)) {
    case 'Long': return (value as Long).toNumber()
    case 'Double': return (value as Double).value
    case 'Int32': return (value as Int32).value
    case 'Decimal128': return Number((value as Decimal128).toString())
    case undefined: break
    default: return value
  }
  if (value instanceof Date || value instanceof RegExp) return value
  const out: Doc = {}
  for (const key of Object.keys(value)) {
    const item = (value as Doc)[key]
    kinds = noteKind(kinds, key, item)
    out[key] = toView(item)
  }
  if (kinds !== undefined) rememberKinds(out, kinds)
  return out
}

/** The BSON type name of `container[key]`, where the container is in evaluation form (a Long stays "long"). */
export function typeNameAt (container: unknown, key: string): string {
  const value = (container as Doc)[key]
  const kind = typeof value === 'number' ? viewKinds.get(container as object)?.get(key) : undefined
  return kind ?? bsonTypeName(value)
}

/** Deep copy of plain objects, arrays and dates; immutable BSON values are shared. */
export function cloneValue<T> (value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return keepKinds(value, value.map(cloneValue)) as T
  if (value instanceof Date) return new Date(value.getTime()) as T
  if (!isPlainObject(value)) return value
  const out: Doc = {}
  for (const key of Object.keys(value)) out[key] = cloneValue(value[key])
  return keepKinds(value, out) as T
}

function rememberKinds (view: object, kinds: Map<string, NumericKind>): void {
  anyViewKinds = true
  viewKinds.set(view, kinds)
}

function keepKinds<T extends object> (from: object, to: T): T {
  if (!anyViewKinds) return to
  const kinds = viewKinds.get(from)
  if (kinds !== undefined) viewKinds.set(to, kinds)
  return to
}

export type NumericKind = 'int' | 'long' | 'double' | 'decimal'

export function numericKind (value: unknown): NumericKind | undefined {
  if (typeof value === 'number') return isInt32Number(value) ? 'int' : 'double'
  switch (bsonType(value)) {
    case 'Int32': return 'int'
    case 'Long': return 'long'
    case 'Double': return 'double'
    case 'Decimal128': return 'decimal'
    default: return undefined
  }
}

const KIND_RANK: Record<NumericKind, number> = { int: 0, long: 1, double: 2, decimal: 3 }

export const widerKind = (a: NumericKind, b: NumericKind): NumericKind => (KIND_RANK[a] >= KIND_RANK[b] ? a : b)

/** Stores the number `n` with the BSON numeric type `kind` (as mongod keeps the operand type after $inc/$mul). */
export function asKind (n: number, kind: NumericKind): unknown {
  switch (kind) {
    case 'int': return isInt32Number(n) || !Number.isInteger(n) ? n : Long.fromNumber(n)
    case 'long': return Number.isInteger(n) ? Long.fromNumber(n) : n
    case 'double': return isInt32Number(n) ? new Double(n) : n
    case 'decimal': return Decimal128.fromString(String(n))
  }
}

/** BSON type names as `$type` and `$jsonSchema.bsonType` spell them. */
export function bsonTypeName (value: unknown): string {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  switch (typeof value) {
    case 'number': return isInt32Number(value) ? 'int' : 'double'
    case 'string': return 'string'
    case 'boolean': return 'bool'
    case 'bigint': return 'long'
  }
  if (Array.isArray(value)) return 'array'
  if (value instanceof Date) return 'date'
  if (value instanceof RegExp) return 'regex'
  switch (bsonType(value)) {
    case 'ObjectId': return 'objectId'
    case 'Int32': return 'int'
    case 'Long': return 'long'
    case 'Double': return 'double'
    case 'Decimal128': return 'decimal'
    case 'Binary': return 'binData'
    case 'Timestamp': return 'timestamp'
    case 'BSONRegExp': return 'regex'
    case 'MinKey': return 'minKey'
    case 'MaxKey': return 'maxKey'
    case 'Code': return (value as { scope?: unknown }).scope === undefined || (value as { scope?: unknown }).scope === null ? 'javascript' : 'javascriptWithScope'
    case 'BSONSymbol': return 'symbol'
    case 'DBRef': return 'object'
  }
  return 'object'
}

const TYPE_ORDER: Record<string, number> = {
  minKey: 1,
  missing: 2,
  null: 2,
  int: 3,
  long: 3,
  double: 3,
  decimal: 3,
  symbol: 4,
  string: 4,
  object: 5,
  array: 6,
  binData: 7,
  objectId: 8,
  bool: 9,
  date: 10,
  timestamp: 11,
  regex: 12,
  javascript: 13,
  javascriptWithScope: 13,
  maxKey: 14
}

/** The place of a value's type in mongod's comparison order (numbers share one, so do null and missing). */
export const typeOrder = (value: unknown): number => TYPE_ORDER[bsonTypeName(value)] ?? 15

const cmp = <T extends number | string | bigint>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0)

const numberOf = (v: unknown): number => {
  if (typeof v === 'number') return v
  return toView(v) as number
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const size = Math.min(a.length, b.length)
  for (let i = 0; i < size; i++) if (a[i] !== b[i]) return cmp(a[i], b[i])
  return cmp(a.length, b.length)
}

/** Compares two strings; binary by default, or under a collation. */
export type StringCompare = (a: string, b: string) => number

/** Total order over BSON values as mongod compares them (type order first, then value; strings by `strings`). */
export function compareBson (a: unknown, b: unknown, strings?: StringCompare): number {
  const ta = bsonTypeName(a)
  const tb = bsonTypeName(b)
  const oa = TYPE_ORDER[ta] ?? 15
  const ob = TYPE_ORDER[tb] ?? 15
  if (oa !== ob) return cmp(oa, ob)
  switch (oa) {
    case 2: case 1: case 14: return 0
    case 3: {
      const x = numberOf(a)
      const y = numberOf(b)
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1
      if (Number.isNaN(y)) return 1
      return cmp(x, y)
    }
    case 4: return strings === undefined ? cmp(String(a), String(b)) : strings(String(a), String(b))
    case 5: return compareObjects(a as Doc, b as Doc, strings)
    case 6: {
      const xs = a as unknown[]
      const ys = b as unknown[]
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareBson(xs[i], ys[i], strings)
        if (c !== 0) return c
      }
      return cmp(xs.length, ys.length)
    }
    case 7: {
      const x = a as Binary
      const y = b as Binary
      return cmp(x.position, y.position) || cmp(x.sub_type, y.sub_type) || compareBytes(x.buffer.subarray(0, x.position), y.buffer.subarray(0, y.position))
    }
    case 8: return compareBytes((a as ObjectId).id, (b as ObjectId).id)
    case 9: return cmp(Number(a), Number(b))
    case 10: return cmp((a as Date).getTime(), (b as Date).getTime())
    case 11: return (a as Timestamp).compare(b as Timestamp)
    case 12: {
      const x = regexParts(a)
      const y = regexParts(b)
      return cmp(x[0], y[0]) || cmp(x[1], y[1])
    }
    default: return cmp(String(a), String(b))
  }
}

const regexParts = (v: unknown): [string, string] =>
  v instanceof RegExp ? [v.source, v.flags] : [(v as BSONRegExp).pattern, (v as BSONRegExp).options]

function compareObjects (a: Doc, b: Doc, strings?: StringCompare): number {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = compareBson(a[ka[i]], b[kb[i]], strings) || cmp(ka[i], kb[i])
    if (c !== 0) return c
  }
  return cmp(ka.length, kb.length)
}

/** Resolves a dotted path the way index keys and sorts see it: arrays along the way fan out. */
export function resolvePath (doc: unknown, path: string | string[]): unknown[] {
  return resolveParts(doc, typeof path === 'string' ? path.split('.') : path, 0)
}

function resolveParts (value: unknown, parts: string[], i: number): unknown[] {
  if (i === parts.length) return [value]
  if (Array.isArray(value)) {
    const part = parts[i]
    if (/^\d+$/.test(part)) return resolveParts(value[Number(part)], parts, i + 1)
    return value.flatMap((item) => (isPlainObject(item) ? resolveParts(item, parts, i) : []))
  }
  if (!isPlainObject(value)) return [undefined]
  return resolveParts(value[parts[i]], parts, i + 1)
}

/** Sort key of one document for one field: arrays sort by their smallest (asc) or largest (desc) element. */
export function sortKey (doc: unknown, path: string | string[], direction: 1 | -1, compare: (a: unknown, b: unknown) => number = compareBson): unknown {
  const values = resolvePath(doc, path).flatMap((v) => (Array.isArray(v) ? (v.length === 0 ? [undefined] : v) : [v]))
  const present = values.filter((v) => v !== undefined)
  if (present.length === 0) return undefined
  let best = present[0]
  for (const v of present) if (compare(v, best) * direction < 0) best = v
  return best
}

/** True when an aggregation expression reads the current document (a field path), so it is not a constant. */
export function readsDocument (expr: unknown): boolean {
  if (typeof expr === 'string') return expr.startsWith('$') && !expr.startsWith('$$')
  if (Array.isArray(expr)) return expr.some(readsDocument)
  if (isPlainObject(expr)) return !Object.hasOwn(expr, '$literal') && Object.values(expr).some(readsDocument)
  return false
}

export { ObjectId, Long, Double, Int32, Decimal128, Binary, MinKey, MaxKey }
