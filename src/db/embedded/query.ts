import { Context, ProcessingMode } from 'mingo/core'
import { Query } from 'mingo/query'
import { Aggregator } from 'mingo/aggregator'
import { Lazy, type Iterator } from 'mingo/lazy'
import * as accumulatorOperators from 'mingo/operators/accumulator'
import * as expressionOperators from 'mingo/operators/expression'
import * as pipelineOperators from 'mingo/operators/pipeline'
import * as projectionOperators from 'mingo/operators/projection'
import * as queryOperators from 'mingo/operators/query'
import * as windowOperators from 'mingo/operators/window'
import type { Options, SortSpec } from 'mingo/types'
import { compileJsonSchema } from './validator.js'
import { compareBson, isPlainObject, sortKey, type Doc } from './values.js'

/**
 * Shim: mingo's `$sort` orders mixed types and arrays differently from mongod, so
 * aggregation uses this `$sort`, built on the BSON comparison order.
 */
function bsonSortStage (collection: Iterator, spec: SortSpec, _options: Options): Iterator {
  const compare = sortComparator(spec as Doc)
  return collection.transform((docs) => Lazy(sortDocs(docs as Doc[], compare)))
}

const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: { ...pipelineOperators, $sort: bsonSortStage },
  projection: projectionOperators,
  query: queryOperators,
  window: windowOperators
})

export function mingoOptions (extra: Partial<Options> = {}): Partial<Options> {
  return {
    context: CONTEXT,
    idKey: '_id',
    useStrictMode: true,
    scriptEnabled: false,
    processingMode: ProcessingMode.CLONE_OFF,
    jsonSchemaValidator: (schema) => compileJsonSchema(schema),
    ...extra
  }
}

const BASE_OPTIONS = mingoOptions()

export type Predicate = (view: Doc) => boolean

/** Compiles a query filter (in evaluation form) into a predicate over evaluation-form documents. */
export function compileFilter (filter: Doc): Predicate {
  if (Object.keys(filter).length === 0) return () => true
  const query = new Query(filter, BASE_OPTIONS)
  return (view) => query.test(view)
}

export function project (docs: Doc[], projection: Doc | undefined): Doc[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs
  return new Query({}, BASE_OPTIONS).find<Doc>(docs, projection).all()
}

export function runPipeline (docs: Doc[], pipeline: Doc[], extra: Partial<Options> = {}): Doc[] {
  if (pipeline.length === 0) return docs
  return new Aggregator(pipeline, mingoOptions(extra)).run<Doc>(docs)
}

export type Comparator = (a: Doc, b: Doc) => number

export function sortComparator (spec: Doc): Comparator {
  const fields = Object.entries(spec)
    .filter(([, dir]) => !isPlainObject(dir))
    .map(([path, dir]) => ({ path, dir: (Number(dir) < 0 ? -1 : 1) as 1 | -1 }))
  return (a, b) => {
    for (const { path, dir } of fields) {
      const c = compareBson(sortKey(a, path, dir), sortKey(b, path, dir))
      if (c !== 0) return c * dir
    }
    return 0
  }
}

/** Stable sort (Array.prototype.sort is stable), so ties keep natural order. */
export function sortDocs<T extends Doc> (docs: T[], compare: Comparator): T[] {
  return docs.slice().sort(compare)
}

/**
 * Equality constraints a filter puts on its top-level fields (`{f: v}`, `{f: {$eq: v}}`,
 * `{f: {$in: [...]}}`, and the same inside `$and`), used to pick index candidates.
 */
export function equalityConstraints (filter: Doc): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>()
  const visit = (f: Doc): void => {
    for (const [field, cond] of Object.entries(f)) {
      if (field === '$and' && Array.isArray(cond)) {
        for (const sub of cond) if (isPlainObject(sub)) visit(sub)
        continue
      }
      if (field.startsWith('$')) continue
      const values = equalityValues(cond)
      if (values !== undefined && !out.has(field)) out.set(field, values)
    }
  }
  visit(filter)
  return out
}

const indexable = (v: unknown): boolean => !Array.isArray(v) && !(v instanceof RegExp) && !isOperatorDoc(v) &&
  (v as { _bsontype?: string } | null)?._bsontype !== 'BSONRegExp'

const isOperatorDoc = (v: unknown): boolean => isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'))

function equalityValues (cond: unknown): unknown[] | undefined {
  if (!isOperatorDoc(cond)) return indexable(cond) ? [cond] : undefined
  const ops = cond as Doc
  if ('$eq' in ops && indexable(ops.$eq)) return [ops.$eq]
  if (Array.isArray(ops.$in) && ops.$in.every(indexable)) return ops.$in
  return undefined
}
