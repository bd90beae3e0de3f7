import { noteCollectionScan } from '../activity.js'
import { CommandError } from '../errors.js'
import { keyOf } from '../keys.js'
import { planDistinct, planQuery, type QueryRequest } from '../planner.js'
import { Count, FastCount } from '../counting.js'
import { documentsOf, drain, type Stage } from '../stages.js'
import type { Store } from '../store.js'
import { compareBson, isPlainObject, resolvePath, type Doc } from '../values.js'
import { boolArg, docArg, filterOf, letOf, numberArg, stringArg, toLong, type Handler } from './context.js'

const DEFAULT_FIRST_BATCH = 101

/** The query a find command describes (the planner's request). */
export function findRequest (body: Doc): QueryRequest {
  const skip = numberArg(body, 'skip') ?? 0
  const limit = numberArg(body, 'limit') ?? 0
  if (skip < 0) throw new CommandError(51024, 'Location51024', "BSON field 'skip' value must be >= 0, actual value '" + skip + "'")
  return {
    filter: filterOf(body.filter),
    variables: letOf(body),
    sort: docArg(body, 'sort'),
    projection: docArg(body, 'projection'),
    skip,
    limit: Math.abs(limit),
    hint: body.hint
  }
}

const find: Handler = (body, ctx) => {
  const name = stringArg(body, 'find')
  const request = findRequest(body)
  const limit = numberArg(body, 'limit') ?? 0
  const collection = ctx.store.get(ctx.db, name)
  const { root } = planQuery(collection, request)
  if (collection !== undefined && root.has('COLLSCAN')) noteCollectionScan(collection)
  const batchSize = numberArg(body, 'batchSize') ?? (limit !== 0 ? Math.min(Math.abs(limit), DEFAULT_FIRST_BATCH) : DEFAULT_FIRST_BATCH)
  return { ...ctx.cursors.first(`${ctx.db}.${name}`, documentsOf(root), batchSize, boolArg(body, 'singleBatch') || limit < 0), ok: 1 }
}

const getMore: Handler = (body, ctx) => {
  const name = stringArg(body, 'collection')
  return { ...ctx.cursors.more(toLong(body.getMore), `${ctx.db}.${name}`, numberArg(body, 'batchSize')), ok: 1 }
}

const killCursors: Handler = (body, ctx) => {
  const killed: unknown[] = []
  const notFound: unknown[] = []
  for (const id of Array.isArray(body.cursors) ? body.cursors : []) {
    (ctx.cursors.kill(toLong(id)) ? killed : notFound).push(id)
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 }
}

export function countRequest (body: Doc): QueryRequest {
  return {
    filter: filterOf(body.query),
    variables: letOf(body),
    skip: numberArg(body, 'skip') ?? 0,
    limit: Math.abs(numberArg(body, 'limit') ?? 0),
    hint: body.hint,
    purpose: 'count'
  }
}

const count: Handler = (body, ctx) => {
  const collection = ctx.store.get(ctx.db, stringArg(body, 'count'))
  const { root } = planQuery(collection, countRequest(body))
  if (collection !== undefined && root.has('COLLSCAN')) noteCollectionScan(collection)
  drain(root)
  return { n: root instanceof Count || root instanceof FastCount ? root.counted : 0, ok: 1 }
}

/** The distinct command's plan: a DISTINCT_SCAN when an index answers it, else the query's plan. */
export function distinctPlan (body: Doc, ctx: { store: Store, db: string }): { root: Stage, key: string } {
  const collection = ctx.store.get(ctx.db, stringArg(body, 'distinct'))
  const key = body.key
  if (typeof key !== 'string') throw new CommandError(14, 'TypeMismatch', "BSON field 'distinct.key' is missing or not a string")
  const filter = filterOf(body.query)
  const scan = collection === undefined || body.hint !== undefined ? undefined : planDistinct(collection, key, filter)
  return { root: scan ?? planQuery(collection, { filter, variables: letOf(body), hint: body.hint }).root, key }
}

const distinct: Handler = (body, ctx) => {
  const { root, key } = distinctPlan(body, ctx)
  const seen = new Map<string, unknown>()
  for (const member of drain(root)) {
    for (const value of resolvePath(member.rec?.doc, key)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === undefined) continue
        const k = isPlainObject(v) || Array.isArray(v) ? `x${JSON.stringify(v)}` : keyOf(v)
        if (!seen.has(k)) seen.set(k, v)
      }
    }
  }
  return { values: [...seen.values()].sort(compareBson), ok: 1 }
}

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct }
