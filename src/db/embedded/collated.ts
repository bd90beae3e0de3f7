/**
 * The operators whose meaning depends on the collation in effect (collation.ts): query
 * comparisons, aggregation comparisons, `$in`, `$max`/`$min`, `$addToSet` and `$group` keys.
 * With no collation (or the simple one) each hands over to mingo's own operator unchanged.
 */
import { evalExpr } from 'mingo/core'
import type { Iterator } from 'mingo/lazy'
import * as accumulators from 'mingo/operators/accumulator'
import * as expressions from 'mingo/operators/expression'
import { $group } from 'mingo/operators/pipeline'
import * as queries from 'mingo/operators/query'
import type { Any, AnyObject, Options } from 'mingo/types'
import { activeCollation, canonicalValue, type Collation } from './collation.js'
import { CommandError } from './errors.js'
import { keyOf } from './keys.js'
import { MaxKey, MinKey, isPlainObject, resolvePath, typeOrder } from './values.js'

type QueryOperator = (selector: string, value: Any, options: Options) => (obj: AnyObject) => boolean
type ExpressionOperator = (obj: AnyObject, expr: Any, options: Options) => Any
type AccumulatorOperator = (coll: AnyObject[], expr: Any, options: Options) => Any

const isRegex = (v: unknown): boolean => v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp'

function asRegExp (v: unknown): RegExp {
  if (v instanceof RegExp) return v
  const { pattern, options } = v as { pattern: string; options: string }
  return new RegExp(pattern, options.replace(/[^imsu]/g, ''))
}


/** Query equality: a value, or one element of an array value, equals the operand; null also matches missing. */
function equals (leaf: unknown, operand: unknown, c: Collation): boolean {
  if (operand === null) return leaf === null || leaf === undefined || (Array.isArray(leaf) && leaf.includes(null))
  if (leaf === undefined) return false
  if (typeOrder(leaf) === typeOrder(operand) && c.compare(leaf, operand) === 0) return true
  return Array.isArray(leaf) && leaf.some((item) => item !== undefined && typeOrder(item) === typeOrder(operand) && c.compare(item, operand) === 0)
}

/** Query ranges compare values of the operand's type only (MinKey and MaxKey bound everything). */
function compares (leaf: unknown, operand: unknown, c: Collation, accept: (n: number) => boolean): boolean {
  const candidates = Array.isArray(leaf) ? [leaf, ...leaf] : [leaf]
  const bound = typeOrder(operand) === typeOrder(new MinKey()) || typeOrder(operand) === typeOrder(new MaxKey())
  return candidates.some((v) => (bound || typeOrder(v) === typeOrder(operand)) && (v !== undefined || operand === null) && accept(c.compare(v, operand)))
}

function matchesIn (leaf: unknown, operands: unknown[], c: Collation): boolean {
  return operands.some((operand) => {
    if (!isRegex(operand)) return equals(leaf, operand, c)
    const re = asRegExp(operand)
    return (Array.isArray(leaf) ? leaf : [leaf]).some((v) => typeof v === 'string' && re.test(v))
  })
}

function collatedQuery (original: QueryOperator, test: (leaves: unknown[], operand: Any, c: Collation) => boolean): QueryOperator {
  return (selector, operand, options) => {
    const fallback = original(selector, operand, options)
    return (obj) => {
      const c = activeCollation()
      return c === undefined ? fallback(obj) : test(resolvePath(obj, selector), operand, c)
    }
  }
}

const range = (accept: (n: number) => boolean) => (leaves: unknown[], operand: Any, c: Collation): boolean => leaves.some((leaf) => compares(leaf, operand, c, accept))

export const collatedQueryOperators = {
  $eq: collatedQuery(queries.$eq, (leaves, operand, c) => leaves.some((leaf) => equals(leaf, operand, c))),
  $ne: collatedQuery(queries.$ne, (leaves, operand, c) => !leaves.some((leaf) => equals(leaf, operand, c))),
  $gt: collatedQuery(queries.$gt, range((n) => n > 0)),
  $gte: collatedQuery(queries.$gte, range((n) => n >= 0)),
  $lt: collatedQuery(queries.$lt, range((n) => n < 0)),
  $lte: collatedQuery(queries.$lte, range((n) => n <= 0)),
  $in: collatedQuery(queries.$in, (leaves, operand, c) => leaves.some((leaf) => matchesIn(leaf, operand as unknown[], c))),
  $nin: collatedQuery(queries.$nin, (leaves, operand, c) => !leaves.some((leaf) => matchesIn(leaf, operand as unknown[], c))),
  $all: collatedQuery(queries.$all, (leaves, operand, c) => {
    const operands = operand as unknown[]
    if (operands.length === 0 || operands.some((o) => isPlainObject(o) && '$elemMatch' in o)) return false
    return operands.every((o) => leaves.some((leaf) => matchesIn(leaf, [o], c)))
  })
}

/** Aggregation order: BSON order, collated strings, and a missing value before null. */
function expressionCompare (a: unknown, b: unknown, c: Collation): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? (b === null ? -1 : c.compare(null, b)) : (a === null ? 1 : c.compare(a, null))
  return c.compare(a, b)
}

function collatedExpression (original: ExpressionOperator, compute: (obj: AnyObject, expr: Any, options: Options, c: Collation) => Any): ExpressionOperator {
  return (obj, expr, options) => {
    const c = activeCollation()
    return c === undefined ? original(obj, expr, options) : compute(obj, expr, options, c)
  }
}

function comparison (original: ExpressionOperator, name: string, result: (n: number) => Any): ExpressionOperator {
  return collatedExpression(original, (obj, expr, options, c) => {
    const args = evalExpr(obj, expr, options)
    if (!Array.isArray(args) || args.length !== 2) {
      throw new CommandError(16020, 'Location16020', `Expression ${name} takes exactly 2 arguments. ${Array.isArray(args) ? args.length : 1} were passed in.`)
    }
    return result(expressionCompare(args[0], args[1], c))
  })
}

/** The largest (or smallest) value of a list (mingo computes `$max: [a, b]` expressions with the accumulator too), skipping null and missing values, as $max and $min do. */
function extreme (values: unknown[], c: Collation, sign: 1 | -1): unknown {
  let best: unknown = null
  for (const v of values) if (v !== null && v !== undefined && (best === null || c.compare(v, best) * sign > 0)) best = v
  return best
}

export const collatedExpressionOperators = {
  $eq: comparison(expressions.$eq, '$eq', (n) => n === 0),
  $ne: comparison(expressions.$ne, '$ne', (n) => n !== 0),
  $gt: comparison(expressions.$gt, '$gt', (n) => n > 0),
  $gte: comparison(expressions.$gte, '$gte', (n) => n >= 0),
  $lt: comparison(expressions.$lt, '$lt', (n) => n < 0),
  $lte: comparison(expressions.$lte, '$lte', (n) => n <= 0),
  $cmp: comparison(expressions.$cmp, '$cmp', (n) => Math.sign(n)),
  $in: collatedExpression(expressions.$in, (obj, expr, options, c) => {
    const [item, list] = evalExpr(obj, expr, options) as [unknown, unknown]
    if (!Array.isArray(list)) throw new CommandError(40081, 'Location40081', `$in requires an array as a second argument, found: ${list === undefined ? 'missing' : typeof list}`)
    return list.some((v) => expressionCompare(item, v, c) === 0)
  })
}

function collatedAccumulator (original: AccumulatorOperator, compute: (values: unknown[], c: Collation) => Any): AccumulatorOperator {
  return (coll, expr, options) => {
    const c = activeCollation()
    return c === undefined ? original(coll, expr, options) : compute(accumulators.$push(coll, expr, options) as unknown[], c)
  }
}

export const collatedAccumulatorOperators = {
  $max: collatedAccumulator(accumulators.$max, (values, c) => extreme(values, c, 1)),
  $min: collatedAccumulator(accumulators.$min, (values, c) => extreme(values, c, -1)),
  $addToSet: collatedAccumulator(accumulators.$addToSet, (values, c) => {
    const canon = c.canonicalizer()
    const seen = new Map<string, unknown>()
    for (const v of values) {
      const key = keyOf(canonicalValue(v, canon))
      if (!seen.has(key)) seen.set(key, v)
    }
    return [...seen.values()]
  })
}

const GROUP_KEY = '$embeddedCollatedKey'

interface GroupKeys { canon: (s: string) => string; firsts: Map<string, unknown> }

/** The group key of a document under the collation: its `_id` with strings replaced by the first equal one of this `$group`. */
const collatedKey: ExpressionOperator = (obj, expr, options) => {
  const { key, keys } = expr as { key: Any; keys: GroupKeys }
  const value = evalExpr(obj, key, options)
  const canonical = canonicalValue(value, keys.canon)
  const id = keyOf(canonical)
  if (!keys.firsts.has(id)) keys.firsts.set(id, value)
  return canonical as Any
}

/** `$group` whose keys compare under the collation; a group's `_id` is the value of its first document. */
function collatedGroup (collection: Iterator, expr: AnyObject, options: Options): Iterator {
  const c = activeCollation()
  if (c === undefined || !Object.hasOwn(expr, '_id')) return $group(collection, expr as Parameters<typeof $group>[1], options)
  const keys: GroupKeys = { canon: c.canonicalizer(), firsts: new Map() }
  const grouped = $group(collection, { ...expr, _id: { [GROUP_KEY]: { key: expr._id, keys } } } as Parameters<typeof $group>[1], options)
  return grouped.map((doc) => {
    const group = doc as AnyObject
    return Object.hasOwn(group, '_id') ? { ...group, _id: keys.firsts.get(keyOf(group._id)) } : group
  })
}

export const collatedPipelineOperators = { $group: collatedGroup }
export const collatedInternalExpressions = { [GROUP_KEY]: collatedKey }

