/**
 * Narrow shims for the few operators where mingo 7.2 and mongod disagree. Everything else
 * comes from mingo unchanged.
 */
import { Lazy, type Iterator } from 'mingo/lazy'
import { $group, $project } from 'mingo/operators/pipeline'
import type { AnyObject, Options, SortSpec } from 'mingo/types'
import { collatedAccumulatorOperators, collatedExpressionOperators, collatedInternalExpressions, collatedPipelineOperators, collatedQueryOperators } from './collated.js'
import { dateShims } from './dates.js'
import { include, simpleInclusion } from './inclusion.js'
import { count } from './count-stage.js'
import { lookup } from './lookup.js'
import { percentileAccumulators, percentileExpressions } from './percentiles.js'
import { sortBy } from './sorting.js'
import { typeExpression, typeQuery } from './types.js'
import { isPlainObject, type Doc } from './values.js'

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

// ---- $project: a projection of top-level fields only is done here (inclusion.ts); mingo's serves the rest.

function project (collection: Iterator, expr: AnyObject, options: Options): Iterator {
  const fields = simpleInclusion(expr)
  if (fields === undefined) return $project(collection, expr, options)
  return collection.map((doc) => include(doc as Doc, fields, false))
}

export const pipelineShims = { ...collatedPipelineOperators, $sort: bsonSort, $bucket: bucket, $lookup: lookup, $count: count, $project: project }
export const accumulatorShims = { ...collatedAccumulatorOperators, ...percentileAccumulators }
export const expressionShims = { ...collatedExpressionOperators, ...collatedInternalExpressions, ...percentileExpressions, $type: typeExpression, ...dateShims }
export const queryShims = { ...collatedQueryOperators, $type: typeQuery }
