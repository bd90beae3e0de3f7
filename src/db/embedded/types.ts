/**
 * `$type` as mongod answers it, as a query operator and as an expression: mongod's type names
 * ("objectId", "long", "javascript"…), numeric codes and the "number" alias, and Long, Decimal128
 * and integral Double values told apart from ints although the evaluation form holds them as numbers.
 */
import { evalExpr } from 'mingo/core'
import type { Any, AnyObject, Options } from 'mingo/types'
import { CommandError, badValue } from './errors.js'
import { isPlainObject, toView, typeNameAt, type Doc } from './values.js'

const TYPE_CODES: Record<string, number> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127
}

const NUMBER_CODES = [TYPE_CODES.int, TYPE_CODES.long, TYPE_CODES.double, TYPE_CODES.decimal]
const KNOWN_CODES = new Set(Object.values(TYPE_CODES))

/** The type codes a `$type` operand names (a name, a code, "number", or an array of them). */
function typeCodes (selector: string, operand: unknown): Set<number> {
  const items = Array.isArray(operand) ? operand : [operand]
  const codes = new Set<number>()
  for (const raw of items) {
    const item = toView(raw)
    if (typeof item === 'string') {
      if (item === 'number') NUMBER_CODES.forEach((code) => codes.add(code))
      else if (Object.hasOwn(TYPE_CODES, item)) codes.add(TYPE_CODES[item])
      else throw badValue(`Unknown type name alias: ${item}`)
    } else if (typeof item === 'number') {
      if (!Number.isInteger(item) || !KNOWN_CODES.has(item)) throw badValue(`Invalid numerical type code: ${item}`)
      codes.add(item)
    } else {
      throw new CommandError(14, 'TypeMismatch', 'type must be represented as a number or a string')
    }
  }
  if (codes.size === 0) throw new CommandError(9, 'FailedToParse', `${selector} must match at least one type`)
  return codes
}

interface Leaf { container: unknown; key: string }

/** The places a dotted path reaches, fanning out over arrays of documents as a query path does. */
function leaves (value: unknown, parts: string[], i: number, out: Leaf[]): void {
  if (Array.isArray(value)) {
    if (/^\d+$/.test(parts[i])) {
      if (i === parts.length - 1) out.push({ container: value, key: parts[i] })
      else leaves(value[Number(parts[i])], parts, i + 1, out)
      return
    }
    for (const item of value) if (isPlainObject(item)) leaves(item, parts, i, out)
    return
  }
  if (!isPlainObject(value)) return
  if (i === parts.length - 1) out.push({ container: value, key: parts[i] })
  else leaves(value[parts[i]], parts, i + 1, out)
}

function leafMatches (leaf: Leaf, codes: Set<number>): boolean {
  const value = (leaf.container as Doc)[leaf.key]
  if (value === undefined) return false
  if (!Array.isArray(value)) return codes.has(TYPE_CODES[typeNameAt(leaf.container, leaf.key)])
  if (codes.has(TYPE_CODES.array)) return true
  return value.some((_, i) => codes.has(TYPE_CODES[typeNameAt(value, String(i))]))
}

/** The `$type` query operator: a field (or one of its array elements) holds one of the named types. */
export function typeQuery (selector: string, operand: Any, _options: Options): (doc: AnyObject) => boolean {
  const codes = typeCodes(selector, operand)
  const parts = selector.split('.')
  return (doc) => {
    const found: Leaf[] = []
    leaves(doc, parts, 0, found)
    return found.some((leaf) => leafMatches(leaf, codes))
  }
}

/** The value of a plain field path with its container, when no array lies on the way. */
function fieldPlace (doc: AnyObject, path: string): Leaf | undefined {
  const parts = path.split('.')
  let container: unknown = doc
  for (const part of parts.slice(0, -1)) {
    container = (container as Doc)[part]
    if (!isPlainObject(container)) return undefined
  }
  return { container, key: parts[parts.length - 1] }
}

/** The `$type` expression: mongod's name of the argument's BSON type ("missing" when absent). */
export function typeExpression (obj: AnyObject, expr: Any, options: Options): Any {
  if (Array.isArray(expr) && expr.length !== 1) {
    throw new CommandError(16020, 'Location16020', `Expression $type takes exactly 1 arguments. ${expr.length} were passed in.`)
  }
  const arg = Array.isArray(expr) ? expr[0] : expr
  if (typeof arg === 'string' && arg.startsWith('$') && !arg.startsWith('$$')) {
    const place = fieldPlace(obj, arg.slice(1))
    if (place !== undefined) return typeNameAt(place.container, place.key)
  }
  return typeNameAt({ value: evalExpr(obj, arg, options) }, 'value')
}
