/**
 * Commands on views: `create` with `viewOn`, `collMod` of a view's pipeline, `listCollections`
 * entries, and find, count and distinct answered by an aggregation over the view. Writes and
 * index commands on a view are refused as mongod refuses them (166).
 */
import { randomUUID } from 'node:crypto'
import { Binary } from 'bson'
import { parseCollation } from '../collation.js'
import { CommandError, typeMismatch } from '../errors.js'
import { keyOf } from '../keys.js'
import { isPipelineStage } from '../query.js'
import { ID_INDEX } from '../collection.js'
import { bsonTypeName, compareBson, isPlainObject, resolvePath, toView, type Doc } from '../values.js'
import { defineView, notOnView, resolveView, viewOf, viewsOf, type ViewDefinition } from '../views.js'
import { activeCollation, canonicalValue } from '../collation.js'
import type { CommandContext, Handler } from './context.js'

/** Commands that name a collection in their first field and may not run on a view. */
const REFUSED = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'createIndexes', 'dropIndexes', 'deleteIndexes', 'listIndexes', 'compact', 'validate', 'collStats'])

function pipelineOf (value: unknown, field: string): Doc[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw typeMismatch(`BSON field '${field}' is the wrong type '${bsonTypeName(value)}', expected type 'array'`)
  return value.map((stage) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) throw new CommandError(40323, 'Location40323', 'A pipeline stage specification object must contain exactly one field.')
    const name = Object.keys(stage)[0]
    if (!isPipelineStage(name)) throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}'`)
    if (name === '$out' || name === '$merge') throw new CommandError(ViewOptionCode, 'OptionNotSupportedOnView', `${name} cannot be used in a view definition`)
    return stage
  })
}

const ViewOptionCode = 167

/** `create` with `viewOn`: a view on a collection or on another view, with an optional default collation. */
export function createView (body: Doc, ctx: CommandContext, name: string): Doc {
  if (typeof body.viewOn !== 'string') throw typeMismatch(`BSON field 'create.viewOn' is the wrong type '${bsonTypeName(body.viewOn)}', expected type 'string'`)
  if (ctx.store.get(ctx.db, name) !== undefined || viewOf(ctx.store, ctx.db, name) !== undefined) {
    throw new CommandError(48, 'NamespaceExists', `Namespace ${ctx.db}.${name} already exists`)
  }
  const definition: ViewDefinition = { viewOn: body.viewOn, pipeline: pipelineOf(body.pipeline, 'create.pipeline') }
  const collation = body.collation === undefined ? undefined : parseCollation(body.collation, 'create')
  const source = viewOf(ctx.store, ctx.db, body.viewOn)
  if (source !== undefined && JSON.stringify(source.collation) !== JSON.stringify(collation?.spec)) {
    throw new CommandError(ViewOptionCode, 'OptionNotSupportedOnView', `View ${ctx.db}.${name} has a different collation than the view it is defined on, ${ctx.db}.${body.viewOn}`)
  }
  if (collation !== undefined) definition.collation = collation.spec
  defineView(ctx.store, ctx.db, name, definition)
  return { ok: 1 }
}

/** `collMod` of a view: both `viewOn` and `pipeline` replace the definition. */
export function modifyView (body: Doc, ctx: CommandContext, name: string, current: ViewDefinition): Doc {
  for (const field of Object.keys(body)) {
    if (['collMod', 'viewOn', 'pipeline', 'lsid', 'writeConcern', 'comment', '$db', '$clusterTime', '$readPreference'].includes(field)) continue
    throw new CommandError(72, 'InvalidOptions', `option not supported on a view: ${field}`)
  }
  if (body.viewOn === undefined || body.pipeline === undefined) throw new CommandError(72, 'InvalidOptions', "must specify both 'viewOn' and 'pipeline' when applying collMod to a view")
  if (typeof body.viewOn !== 'string') throw typeMismatch(`BSON field 'collMod.viewOn' is the wrong type '${bsonTypeName(body.viewOn)}', expected type 'string'`)
  defineView(ctx.store, ctx.db, name, { ...current, viewOn: body.viewOn, pipeline: pipelineOf(body.pipeline, 'collMod.pipeline') })
  return { ok: 1 }
}

const systemViewsIds = new Map<string, Binary>()

/** listCollections entries for a database's views, and for the `system.views` collection that holds them in mongod. */
export function viewInfos (ctx: CommandContext): Doc[] {
  const views = viewsOf(ctx.store, ctx.db)
  if (views.length === 0) return []
  const key = ctx.db
  let uuid = systemViewsIds.get(key)
  if (uuid === undefined) {
    uuid = new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID)
    systemViewsIds.set(key, uuid)
  }
  return [
    ...views.map(([name, definition]) => ({
      name,
      type: 'view',
      options: { viewOn: definition.viewOn, pipeline: definition.pipeline, ...(definition.collation === undefined ? {} : { collation: definition.collation }) },
      info: { readOnly: true }
    })),
    { name: 'system.views', type: 'collection', options: {}, info: { readOnly: false, uuid }, idIndex: ID_INDEX }
  ]
}

/** The find options that become pipeline stages after the view's own, in mongod's order. */
export function findStages (body: Doc): Doc[] {
  const stages: Doc[] = []
  if (isPlainObject(body.filter) && Object.keys(body.filter).length > 0) stages.push({ $match: body.filter })
  if (isPlainObject(body.sort) && Object.keys(body.sort).length > 0) stages.push({ $sort: body.sort })
  const skip = toView(body.skip)
  if (typeof skip === 'number' && skip > 0) stages.push({ $skip: skip })
  const limit = toView(body.limit)
  if (typeof limit === 'number' && limit !== 0) stages.push({ $limit: Math.abs(limit) })
  if (isPlainObject(body.projection) && Object.keys(body.projection).length > 0) stages.push({ $project: body.projection })
  return stages
}

/** Answers find, count and distinct on a view through `aggregate`; refuses writes; undefined when `name` is no view. */
export function onView (command: string, body: Doc, ctx: CommandContext, aggregate: Handler): Doc | undefined {
  const target = body[command]
  if (typeof target !== 'string' || viewOf(ctx.store, ctx.db, target) === undefined) return undefined
  if (REFUSED.has(command)) throw notOnView(ctx.db, target)
  const run = (pipeline: Doc[], cursor: Doc = {}): Doc => aggregate({ aggregate: target, pipeline, cursor, ...(body.let === undefined ? {} : { let: body.let }) }, ctx)
  if (command === 'find') {
    const limit = toView(body.limit)
    const batchSize = toView(body.batchSize) ?? (typeof limit === 'number' && limit > 0 ? Math.min(limit, 101) : undefined)
    const reply = run(findStages(body), batchSize === undefined ? {} : { batchSize })
    return body.singleBatch === true || (typeof limit === 'number' && limit < 0) ? { ...reply, cursor: { ...(reply.cursor as Doc), id: 0 } } : reply
  }
  if (command === 'count') {
    const stages = findStages({ filter: body.query, skip: body.skip, limit: body.limit })
    const reply = run([...stages, { $count: 'n' }])
    const [row] = (reply.cursor as { firstBatch: Doc[] }).firstBatch
    return { n: row?.n ?? 0, ok: 1 }
  }
  if (command === 'distinct') return viewDistinct(body, run)
  return undefined
}

function viewDistinct (body: Doc, run: (pipeline: Doc[], cursor?: Doc) => Doc): Doc {
  const key = body.key
  if (typeof key !== 'string') throw typeMismatch("BSON field 'distinct.key' is missing or not a string")
  const reply = run(findStages({ filter: body.query }), { batchSize: Number.MAX_SAFE_INTEGER })
  const collation = activeCollation()
  const canon = collation?.canonicalizer()
  const seen = new Map<string, unknown>()
  for (const doc of (reply.cursor as { firstBatch: Doc[] }).firstBatch) {
    for (const value of resolvePath(doc, key)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === undefined) continue
        const k = keyOf(canon === undefined ? v : canonicalValue(v, canon))
        if (!seen.has(k)) seen.set(k, v)
      }
    }
  }
  const compare = collation === undefined ? compareBson : collation.compare
  return { values: [...seen.values()].sort(compare), ok: 1 }
}

export { resolveView }
