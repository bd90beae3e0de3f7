import { Context, OpType, ProcessingMode } from 'mingo/core'
import { compileSimple } from './filters.js'
import { baseContext } from './mingo-context.js'
import { Query } from 'mingo/query'
import { Aggregator } from 'mingo/aggregator'
import * as accumulatorOperators from 'mingo/operators/accumulator'
import * as expressionOperators from 'mingo/operators/expression'
import * as pipelineOperators from 'mingo/operators/pipeline'
import * as projectionOperators from 'mingo/operators/projection'
import * as queryOperators from 'mingo/operators/query'
import * as windowOperators from 'mingo/operators/window'
import type { Options } from 'mingo/types'
import { activeCollation } from './collation.js'
import { accumulatorShims, expressionShims, pipelineShims, queryShims } from './shims.js'
import { compileJsonSchema } from './validator.js'
import { cloneValue, isPlainObject, type Doc } from './values.js'

export { sortBy } from './sorting.js'

const CONTEXT = baseContext({
  accumulator: { ...accumulatorOperators, ...accumulatorShims },
  expression: { ...expressionOperators, ...expressionShims },
  pipeline: { ...pipelineOperators, ...pipelineShims },
  projection: projectionOperators,
  query: { ...queryOperators, ...queryShims },
  window: windowOperators
})

export function mingoOptions (extra: Partial<Options> = {}): Partial<Options> {
  return {
    context: CONTEXT,
    idKey: '_id',
    useStrictMode: true,
    scriptEnabled: true,
    processingMode: ProcessingMode.CLONE_OFF,
    jsonSchemaValidator: (schema) => compileJsonSchema(schema),
    ...extra
  }
}

/**
 * mingo copies its whole operator table each time it is handed plain options, but reuses an
 * options object it built itself (its ComputeOptions). A one-off query operator hands that
 * object out once, so compiling a filter costs only the filter.
 */
function prebuiltOptions (): Partial<Options> {
  let built: Options | undefined
  const capture = (): (() => boolean) => () => true
  const context = Context.from(CONTEXT).addQueryOps({
    $embeddedCaptureOptions: (_selector: string, _value: unknown, options: Options) => {
      built = options
      return capture()
    }
  })
  void new Query({ x: { $embeddedCaptureOptions: 1 } }, mingoOptions({ context }))
  return built ?? mingoOptions()
}

const BASE_OPTIONS = prebuiltOptions()

/** True when `name` is an aggregation stage the engine knows ($out and $merge are handled by the engine). */
export const isPipelineStage = (name: string): boolean =>
  name === '$out' || name === '$merge' || CONTEXT.getOperator(OpType.PIPELINE, name) !== null

export type Predicate = (view: Doc) => boolean

/** Compiles a query filter (in evaluation form) into a predicate over evaluation-form documents. */
export function compileFilter (filter: Doc, variables?: Doc): Predicate {
  if (Object.keys(filter).length === 0) return () => true
  // The compiled shapes compare strings binary: under a collation, mingo with the collated operators (collated.ts).
  const fast = activeCollation() === undefined ? compileSimple(filter) : undefined
  if (fast !== undefined) return fast
  const query = new Query(filter, variables === undefined ? BASE_OPTIONS : mingoOptions({ variables }))
  return (view) => query.test(view)
}

/** Projects copies of `docs` (mingo's projection edits nested documents in place; stored documents must not change). */
export function project (docs: Doc[], projection: Doc | undefined): Doc[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs
  return new Query({}, BASE_OPTIONS).find<Doc>(docs.map(cloneValue), projection).all()
}

export function runPipeline (docs: Doc[], pipeline: Doc[], extra: Partial<Options> = {}): Doc[] {
  if (pipeline.length === 0) return docs
  return new Aggregator(pipeline, mingoOptions(extra)).run<Doc>(docs)
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
