import { noteCollectionScan } from '../activity.js'
import { Collection, withId } from '../collection.js'
import { CommandError } from '../errors.js'
import { duplicateKeyError } from '../indexes.js'
import { explainAggregate } from '../explain.js'
import { foreignSource, pipelineSource } from '../pushdown.js'
import { compileFilter, isPipelineStage, runPipeline } from '../query.js'
import type { Store } from '../store.js'
import { cloneValue, isPlainObject, resolvePath, toView, type Doc } from '../values.js'
import { resolveView } from '../views.js'
import { letOf, numberArg, type CommandContext, type Handler } from './context.js'
import { collStatsStage, currentOpStage, listLocalSessionsStage } from './diagnostics.js'

type Writer = (store: Store, db: string, docs: Doc[]) => void

function outWriter (stage: Doc, db: string): Writer | undefined {
  if (stage.$out !== undefined) {
    const target = stage.$out
    const [toDb, toName] = typeof target === 'string' ? [db, target] : [String((target as Doc).db), String((target as Doc).coll)]
    return (store, _db, docs) => {
      const collection = store.get(toDb, toName) ?? store.create(toDb, toName)
      const staging = new Collection(toDb, toName, collection.options)
      for (const spec of collection.indexSpecs().slice(1)) staging.addIndex(spec)
      const prepared = docs.map(withId)
      for (const doc of prepared) staging.insert(doc)
      collection.clear()
      for (const doc of prepared) collection.insert(doc, true)
    }
  }
  if (isPlainObject(stage.$merge) || typeof stage.$merge === 'string') return mergeWriter(stage.$merge as Doc | string, db)
  return undefined
}

function mergeWriter (spec: Doc | string, db: string): Writer {
  const options: Doc = typeof spec === 'string' ? { into: spec } : spec
  const into = options.into
  const [toDb, toName] = typeof into === 'string' ? [db, into] : [String((into as Doc).db ?? db), String((into as Doc).coll)]
  const on = options.on === undefined ? ['_id'] : Array.isArray(options.on) ? options.on.map(String) : [String(options.on)]
  const whenMatched = options.whenMatched ?? 'merge'
  const whenNotMatched = options.whenNotMatched ?? 'insert'
  return (store, _db, docs) => {
    const collection = store.obtain(toDb, toName)
    for (const doc of docs) {
      const filter: Doc = {}
      for (const field of on) filter[field] = resolvePath(doc, field)[0] ?? null
      const test = compileFilter(filter)
      const target = collection.candidates(filter).find((r) => test(r.view))
      if (target === undefined) {
        if (whenNotMatched === 'fail') throw new CommandError(13113, 'MergeStageNoMatchingDocument', '$merge could not find a matching document in the target collection for at least one document in the source collection')
        if (whenNotMatched === 'insert') collection.insert(withId(doc))
        continue
      }
      if (whenMatched === 'fail') {
        throw duplicateKeyError(collection.ns, { name: '_id_', key: { _id: 1 }, fields: ['_id'] }, [doc._id])
      }
      if (whenMatched === 'keepExisting') continue
      let next: Doc
      if (Array.isArray(whenMatched)) {
        const variables = { new: doc, ...(isPlainObject(options.let) ? options.let : {}) }
        next = runPipeline([cloneValue(target.view)], whenMatched as Doc[], { variables })[0] ?? target.view
      } else if (whenMatched === 'replace') {
        next = { ...doc, _id: target.doc._id }
      } else {
        next = { ...cloneValue(target.doc), ...doc, _id: target.doc._id }
      }
      collection.replace(target, withId(next))
    }
  }
}

/** Stages that produce the documents themselves, valid only first in a pipeline. */
const SOURCE_STAGES: Record<string, (spec: unknown, ctx: CommandContext, target: unknown) => Doc[]> = {
  $collStats: (spec, ctx, target) => collStatsStage(spec, ctx, target),
  $currentOp: (spec, ctx, target) => currentOpStage(spec, ctx, toView(target) === 1),
  $listLocalSessions: (spec, ctx, target) => listLocalSessionsStage(spec, ctx, toView(target) === 1)
}

const aggregate: Handler = (body, ctx) => {
  if (!Array.isArray(body.pipeline)) throw new CommandError(14, 'TypeMismatch', "'pipeline' option must be specified as an array")
  if (body.explain === true) return explainAggregate(body, ctx, 'queryPlanner')
  const all = (toView(body.pipeline) as unknown[]).filter(isPlainObject)
  all.forEach((stage, i) => {
    const stageName = Object.keys(stage)[0] ?? ''
    if (Object.keys(stage).length !== 1) throw new CommandError(40323, 'Location40323', 'A pipeline stage specification object must contain exactly one field.')
    if (Object.hasOwn(SOURCE_STAGES, stageName)) {
      if (i > 0) throw new CommandError(40602, 'Location40602', `${stageName} is only valid as the first stage in a pipeline`)
      return
    }
    if (!isPipelineStage(stageName)) throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${stageName}'`)
  })
  const name = typeof body.aggregate === 'string' ? body.aggregate : undefined
  const first = Object.keys(all[0] ?? {})[0] ?? ''
  const generated = Object.hasOwn(SOURCE_STAGES, first) ? SOURCE_STAGES[first](all[0][first], ctx, body.aggregate) : undefined
  const pipeline = generated === undefined ? all : all.slice(1)
  const last = pipeline[pipeline.length - 1]
  const writer = last === undefined ? undefined : outWriter(last, ctx.db)
  const own = writer === undefined ? pipeline : pipeline.slice(0, -1)
  // A view reads its collection through its own pipeline first.
  const view = name === undefined ? undefined : resolveView(ctx.store, ctx.db, name)
  const stages = view === undefined ? own : [...view.pipeline, ...own]
  const collection = view === undefined ? undefined : ctx.store.get(ctx.db, view.collection)
  const variables = letOf(body)
  const { resolver: collectionResolver } = foreignSource(ctx.store, ctx.db, variables)
  let input = generated
  let rest = stages
  if (generated === undefined) {
    const source = pipelineSource(collection, stages, variables)
    if (collection !== undefined && collection.size > 0 && source.plan.root.has('COLLSCAN')) noteCollectionScan(collection)
    input = source.docs
    rest = source.rest
  }
  const results = runPipeline(input ?? [], rest, { collectionResolver, variables })
  const cursor = isPlainObject(body.cursor) ? body.cursor : {}
  const ns = `${ctx.db}.${name ?? '$cmd.aggregate'}`
  if (writer !== undefined) {
    writer(ctx.store, ctx.db, results)
    return { ...ctx.cursors.first(ns, [], undefined), ok: 1 }
  }
  return { ...ctx.cursors.first(ns, results, numberArg(cursor, 'batchSize') ?? 101), ok: 1 }
}

export { aggregate }
export const aggregateCommands: Record<string, Handler> = { aggregate }
