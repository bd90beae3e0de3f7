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
  const value = evalExpr(obj, arg, options)
  if (typeof value === 'number') {
    const kind = Array.isArray(expr) ? numericKind(obj, arg, options, 0, expr, '0') : numericKind(obj, arg, options, 0)
    if (kind !== undefined) return kind
  }
  return typeNameAt({ value }, 'value')
}

/** mongod's numeric types, narrowest first: arithmetic answers in the widest of its operands' types. */
const WIDTH = ['int', 'long', 'double', 'decimal']
const INT32 = 2 ** 31
const INT64 = 2 ** 63
const ARITHMETIC = new Set(['$add', '$subtract', '$multiply'])
const SAME_TYPE = new Set(['$abs', '$ceil', '$floor', '$trunc', '$round'])
const MAX_DEPTH = 32

/**
 * The numeric type of an expression's result as mongod would give it, where the evaluation form (JS numbers) lost it:
 * stored fields keep their kinds, `$toLong` and `$convert` to long make a Long, and `$add`, `$subtract`, `$multiply`,
 * `$abs`, `$ceil`, `$floor`, `$trunc` and `$round` keep the widest type of their operands (an int result beyond 32 bits
 * is a long, a long one beyond 64 bits a double). Undefined when unknown: the value's own type then stands.
 */
function numericKind (obj: AnyObject, expr: unknown, options: Options, depth: number, container?: unknown, key?: string): string | undefined {
  if (depth > MAX_DEPTH) return undefined
  if (typeof expr === 'string' && expr.startsWith('$') && !expr.startsWith('$$')) {
    const place = fieldPlace(obj, expr.slice(1))
    return place === undefined ? undefined : typeNameAt(place.container, place.key)
  }
  // A literal: its container remembers an integral double or a Long the evaluation form made a number.
  if (typeof expr === 'number') return container === undefined ? undefined : typeNameAt(container, key as string)
  if (!isPlainObject(expr) || Object.keys(expr).length !== 1) return typeNameAt({ value: expr }, 'value')
  const [op, operand] = Object.entries(expr)[0]
  if (op === '$toLong') return 'long'
  if (op === '$convert' && isPlainObject(operand) && (operand.to === 'long' || operand.to === 18)) return 'long'
  const operands = Array.isArray(operand) ? operand : [operand]
  if (SAME_TYPE.has(op)) return numericKind(obj, operands[0], options, depth + 1, operands, '0')
  if (!ARITHMETIC.has(op)) return undefined
  let widest = 0
  for (let i = 0; i < operands.length; i++) {
    const kind = numericKind(obj, operands[i], options, depth + 1, operands, String(i))
    const width = kind === undefined ? -1 : WIDTH.indexOf(kind)
    if (width < 0) return undefined
    widest = Math.max(widest, width)
  }
  const result = evalExpr(obj, expr, options)
  if (typeof result !== 'number') return undefined
  if (WIDTH[widest] === 'int' && Math.abs(result) >= INT32) return 'long'
  if (WIDTH[widest] === 'long' && Math.abs(result) >= INT64) return 'double'
  return WIDTH[widest]
}
