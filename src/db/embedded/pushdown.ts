/**
 * Where an aggregate's documents come from: its leading `$match` stages (merged), then a `$sort` and `$skip`/`$limit`,
 * are planned as a find and run through the planner, so an index gives the matches and the order and a `$limit` stops
 * the scan; mingo runs the rest. `$lookup` reads foreign collections through the planner as well (foreignSource).
 */
import type { CollectionResolver } from 'mingo/types'
import type { Collection, StoredRecord } from './collection.js'
import { withForeignSource } from './lookup.js'
import { planQuery, type Plan } from './planner.js'
import { runPipeline } from './query.js'
import type { Store } from './store.js'
import { drain } from './stages.js'
import { isPlainObject, type Doc } from './values.js'
import { resolveView, viewOf } from './views.js'

export interface PipelineSource {
  /** Evaluation-form documents the pushed-down stages produce (fresh objects: the pipeline may change them). */
  docs: Doc[]
  /** The stages mingo runs over them. */
  rest: Doc[]
  /** The query the pushed-down stages became, and its plan. */
  plan: Plan
  pushed: Doc[]
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** The leading stages that become a query: `$match`es, a `$sort`, a `$skip` then a `$limit`. */
export function splitPipeline (pipeline: Doc[]): { filter: Doc, sort?: Doc, skip: number, limit: number, pushed: Doc[] } {
  const matches: Doc[] = []
  let i = 0
  while (i < pipeline.length && isPlainObject(pipeline[i].$match)) matches.push(pipeline[i++].$match as Doc)
  let sort: Doc | undefined
  const stage = pipeline[i]
  if (stage !== undefined && isPlainObject(stage.$sort) && Object.values(stage.$sort).every((d) => !isPlainObject(d))) {
    sort = stage.$sort
    i++
  }
  let skip = 0
  let limit = 0
  if (i < pipeline.length && isNumber(pipeline[i].$skip) && (pipeline[i].$skip as number) >= 0) skip = pipeline[i++].$skip as number
  if (i < pipeline.length && isNumber(pipeline[i].$limit) && (pipeline[i].$limit as number) > 0) limit = pipeline[i++].$limit as number
  const filter = matches.length === 0 ? {} : matches.length === 1 ? matches[0] : { $and: matches }
  return { filter, sort, skip, limit, pushed: pipeline.slice(0, i) }
}

/** `{$group: {_id: <constant>, n: {$sum: 1}}}` (how drivers count documents): answered from the plan's count. */
function countingGroup (stage: Doc | undefined): Doc | undefined {
  const group = stage?.$group
  if (!isPlainObject(group) || !('_id' in group)) return undefined
  const id = group._id
  if (typeof id === 'string' ? id.startsWith('$') : isPlainObject(id) || Array.isArray(id)) return undefined
  const counters = Object.entries(group).filter(([k]) => k !== '_id')
  if (!counters.every(([, v]) => isPlainObject(v) && Object.keys(v).length === 1 && v.$sum === 1)) return undefined
  return group
}

export function pipelineSource (collection: Collection | undefined, pipeline: Doc[], variables?: Doc): PipelineSource {
  const { filter, sort, skip, limit, pushed } = splitPipeline(pipeline)
  const rest = pipeline.slice(pushed.length)
  const group = sort === undefined && skip === 0 && limit === 0 ? countingGroup(rest[0]) : undefined
  if (group !== undefined) {
    const plan = planQuery(collection, { filter, variables, purpose: 'count' })
    drain(plan.root)
    const n = (plan.root as { counted?: number }).counted ?? 0
    const out: Doc = { _id: group._id }
    for (const key of Object.keys(group)) if (key !== '_id') out[key] = n
    return { docs: n > 0 ? [out] : [], rest: rest.slice(1), plan, pushed: [...pushed, rest[0]] }
  }
  const plan = planQuery(collection, { filter, variables, sort, skip, limit })
  const docs = drain(plan.root).map((m) => (m.rec as StoredRecord).view)
  return { docs, rest, plan, pushed }
}

/** What `$lookup` read from foreign collections, as mongod's explain reports it for the stage. */
export interface LookupStats {
  totalDocsExamined: number
  totalKeysExamined: number
  collectionScans: number
  indexesUsed: Set<string>
}

/**
 * mingo's collection resolver for an aggregate, backed by the planner, and what it has read so far. A view is read
 * through its pipeline (over its collection, once per aggregate); its documents have no index to offer.
 */
export function foreignSource (store: Store, db: string, variables?: Doc): { resolver: CollectionResolver, stats: LookupStats } {
  const stats: LookupStats = { totalDocsExamined: 0, totalKeysExamined: 0, collectionScans: 0, indexesUsed: new Set() }
  const whole = new Map<string, Doc[]>()
  const all = (name: string): Doc[] => {
    let docs = whole.get(name)
    if (docs === undefined) {
      const view = resolveView(store, db, name)
      docs = (store.get(db, view.collection)?.all() ?? []).map((r) => r.view)
      stats.collectionScans++
      stats.totalDocsExamined += docs.length
      if (view.pipeline.length > 0) docs = runPipeline(docs, view.pipeline, { collectionResolver: resolver, variables })
      whole.set(name, docs)
    }
    return docs
  }
  const resolver: CollectionResolver = withForeignSource((name: string) => all(name), {
    candidates: (name, filter, vars) => {
      if (viewOf(store, db, name) !== undefined) return undefined
      const collection = store.get(db, name)
      if (collection === undefined) return []
      const plan = planQuery(collection, { filter, variables: vars })
      if (plan.indexes.length === 0) return undefined
      const docs = drain(plan.root).map((m) => (m.rec as StoredRecord).view)
      stats.totalKeysExamined += plan.root.keysExamined()
      stats.totalDocsExamined += plan.root.docsExamined()
      for (const name of plan.indexes) stats.indexesUsed.add(name)
      return docs
    },
    all
  })
  return { resolver, stats }
}
