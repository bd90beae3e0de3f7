import { keyOf } from '../keys.js'
import { project, sortBy } from '../query.js'
import { compareBson, isPlainObject, resolvePath, type Doc } from '../values.js'
import { docArg, filterOf, letOf, matching, numberArg, stringArg, toLong, boolArg, type Handler } from './context.js'
import { CommandError } from '../errors.js'
import type { StoredRecord } from '../collection.js'

const DEFAULT_FIRST_BATCH = 101

/** Sorts (by evaluation form), skips and limits matched records. */
export function window (records: StoredRecord[], sort: Doc | undefined, skip = 0, limit = 0): StoredRecord[] {
  let out = records
  if (sort !== undefined && Object.keys(sort).length > 0) {
    if (Object.keys(sort).length === 1 && sort.$natural !== undefined) {
      if (Number(sort.$natural) < 0) out = out.slice().reverse()
    } else {
      out = sortBy(out, sort, (record) => record.view)
    }
  }
  if (skip > 0 || limit > 0) out = out.slice(skip, limit > 0 ? skip + Math.abs(limit) : undefined)
  return out
}

const find: Handler = (body, ctx) => {
  const name = stringArg(body, 'find')
  const collection = ctx.store.get(ctx.db, name)
  const skip = numberArg(body, 'skip') ?? 0
  const limit = numberArg(body, 'limit') ?? 0
  if (skip < 0) throw new CommandError(51024, 'Location51024', "BSON field 'skip' value must be >= 0, actual value '" + skip + "'")
  const records = window(matching(collection, filterOf(body.filter), letOf(body)), docArg(body, 'sort'), skip, limit)
  const docs = project(records.map((r) => r.doc), docArg(body, 'projection'))
  const batchSize = numberArg(body, 'batchSize') ?? (limit > 0 ? Math.min(limit, DEFAULT_FIRST_BATCH) : DEFAULT_FIRST_BATCH)
  return { ...ctx.cursors.first(`${ctx.db}.${name}`, docs, batchSize, boolArg(body, 'singleBatch') || limit < 0), ok: 1 }
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

const count: Handler = (body, ctx) => {
  const collection = ctx.store.get(ctx.db, stringArg(body, 'count'))
  const records = window(matching(collection, filterOf(body.query), letOf(body)), undefined, numberArg(body, 'skip') ?? 0, numberArg(body, 'limit') ?? 0)
  return { n: records.length, ok: 1 }
}

const distinct: Handler = (body, ctx) => {
  const collection = ctx.store.get(ctx.db, stringArg(body, 'distinct'))
  const key = body.key
  if (typeof key !== 'string') throw new CommandError(14, 'TypeMismatch', "BSON field 'distinct.key' is missing or not a string")
  const seen = new Map<string, unknown>()
  for (const record of matching(collection, filterOf(body.query), letOf(body))) {
    for (const value of resolvePath(record.doc, key)) {
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
