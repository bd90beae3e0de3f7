/**
 * Narrow shims for the few operators where mingo 7.2 and mongod disagree. Everything else
 * comes from mingo unchanged.
 */
import { evalExpr } from 'mingo/core'
import { Lazy, type Iterator } from 'mingo/lazy'
import { $group } from 'mingo/operators/pipeline'
import { $push } from 'mingo/operators/accumulator'
import type { Any, AnyObject, Options, SortSpec } from 'mingo/types'
import { dateShims } from './dates.js'
import { lookup } from './lookup.js'
import { sortBy } from './sorting.js'
import { isPlainObject, type Doc } from './values.js'

// ---- $percentile / $median: mingo sorts the inputs as strings ([15, 5]), so ranks come out wrong.

function percentiles (values: unknown[], ps: unknown, method: unknown): Array<number | null> {
  const xs = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b)
  if (!Array.isArray(ps) || ps.some((p) => typeof p !== 'number' || p < 0 || p > 1)) {
    throw new Error("$percentile 'p' must resolve to array of numbers between [0.0, 1.0]")
  }
  return (ps as number[]).map((p) => {
    if (xs.length === 0) return null
    if (method === 'continuous') {
      const rank = p * (xs.length - 1)
      const lo = Math.floor(rank)
      return lo === rank ? xs[lo] : xs[lo] + (rank - lo) * (xs[lo + 1] - xs[lo])
    }
    // 'approximate' and 'discrete': the value at rank ceil(p·n), as mongod returns for small inputs.
    return xs[Math.max(0, Math.ceil(p * xs.length) - 1)]
  })
}

const argsOf = (expr: Any): AnyObject => {
  if (!isPlainObject(expr)) throw new Error('$percentile expects an object { input, p, method }')
  return expr as AnyObject
}

const percentileAccumulator = (coll: Any[], expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles($push(coll, args.input, options), args.p, args.method)
}

const medianAccumulator = (coll: Any[], expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles($push(coll, args.input, options), [0.5], args.method)[0]
}

const inputList = (obj: Any, expr: AnyObject, options: Options): unknown[] => {
  const input = evalExpr(obj, expr.input, options)
  return Array.isArray(input) ? input : [input]
}

const percentileExpression = (obj: Any, expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles(inputList(obj, args, options), evalExpr(obj, args.p, options), args.method)
}

const medianExpression = (obj: Any, expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles(inputList(obj, args, options), [0.5], args.method)[0]
}

// ---- $sort: mingo orders mixed types and array fields differently from mongod; this one
// uses the BSON comparison order (arrays sort by their smallest/largest element).

function bsonSort (collection: Iterator, spec: SortSpec, _options: Options): Iterator {
  return collection.transform((docs) => Lazy(sortBy(docs as Doc[], spec as Doc, (doc) => doc)))
}

// ---- $bucket: mingo puts a value equal to a boundary into the bucket below it. mongod defines
// $bucket as a $group on a $switch over the boundaries followed by a $sort on _id; so does this.

function bucket (collection: Iterator, expr: AnyObject, options: Options): Iterator {
  const bounds = expr.boundaries
  if (!Array.isArray(bounds) || bounds.length < 2) throw new Error('$bucket requires at least two boundaries')
  const branches = bounds.slice(0, -1).map((lower, i) => ({
    case: { $and: [{ $gte: [expr.groupBy, lower] }, { $lt: [expr.groupBy, bounds[i + 1]] }] },
    then: lower
  }))
  const key = { $switch: { branches, ...(expr.default === undefined ? {} : { default: expr.default }) } }
  const output = isPlainObject(expr.output) ? expr.output : { count: { $sum: 1 } }
  return bsonSort($group(collection, { _id: key, ...output }, options), { _id: 1 }, options)
}

export const pipelineShims = { $sort: bsonSort, $bucket: bucket, $lookup: lookup }
export const accumulatorShims = { $percentile: percentileAccumulator, $median: medianAccumulator }
export const expressionShims = { $percentile: percentileExpression, $median: medianExpression, ...dateShims }
