/**
 * Diagnostics as a MongoDB 7.0 standalone answers them: `dbStats`, `collStats` (deprecated,
 * still answered), the `$collStats`, `$currentOp` and `$listLocalSessions` stages, the
 * `currentOp` command and `replSetGetStatus` (76: no replication). Sizes are the BSON sizes of
 * the stored documents; an index's size is estimated from its keys over a bounded sample.
 */
import { createHash } from 'node:crypto'
import { statfsSync } from 'node:fs'
import { hostname } from 'node:os'
import { Binary, Long, calculateObjectSize } from 'bson'
import { activityOf, collectionActivity, collectionScans, liveSessions, type CollectionActivity } from '../activity.js'
import type { Collection } from '../collection.js'
import { CommandError, namespaceNotFound } from '../errors.js'
import { compileFilter } from '../query.js'
import { isPlainObject, toView, type Doc } from '../values.js'
import { viewsOf } from '../views.js'
import type { CommandContext, Handler } from './context.js'

const INDEX_SAMPLE = 1000
const INDEX_ENTRY_OVERHEAD = 16

function scaleOf (value: unknown): number {
  const scale = toView(value ?? 1)
  if (typeof scale !== 'number' || !(scale >= 1)) throw new CommandError(2, 'BadValue', 'Scale factor must be greater than zero')
  return Math.trunc(scale)
}

const dataSize = (collection: Collection): number => collection.dataSize()

/** Bytes of each index: its keys' bytes (averaged over a bounded sample of them), plus a per-entry overhead. */
function indexSizes (collection: Collection): Record<string, number> {
  const out: Record<string, number> = {}
  for (const index of collection.indexes()) {
    let bytes = 0
    let sampled = 0
    for (const key of index.tree.keys()) {
      if (sampled >= INDEX_SAMPLE) break
      bytes += key.length + INDEX_ENTRY_OVERHEAD
      sampled++
    }
    const entries = index.size
    out[index.name] = sampled === 0 ? 4096 : Math.ceil(bytes * (entries / sampled)) + 4096 * Math.ceil(entries / 10_000)
  }
  return out
}

function storageStats (collection: Collection, scale: number): Doc {
  const size = dataSize(collection)
  const count = collection.size
  const sizes = indexSizes(collection)
  const totalIndexSize = Object.values(sizes).reduce((a, b) => a + b, 0)
  const scaled = (n: number): number => Math.trunc(n / scale)
  return {
    size: scaled(size),
    count,
    avgObjSize: count === 0 ? 0 : Math.trunc(size / count),
    numOrphanDocs: 0,
    storageSize: scaled(size),
    freeStorageSize: 0,
    capped: false,
    nindexes: Object.keys(sizes).length,
    indexDetails: {},
    indexBuilds: [],
    totalIndexSize: scaled(totalIndexSize),
    totalSize: scaled(size + totalIndexSize),
    indexSizes: Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, scaled(n)])),
    scaleFactor: scale
  }
}

function filesystem (scale: number): Doc {
  try {
    const fs = statfsSync(process.cwd())
    return { fsUsedSize: Math.trunc(((fs.blocks - fs.bfree) * fs.bsize) / scale), fsTotalSize: Math.trunc((fs.blocks * fs.bsize) / scale) }
  } catch {
    return {}
  }
}

const dbStats: Handler = (body, ctx) => {
  const scale = scaleOf(body.scale)
  const collections = ctx.store.collections(ctx.db)
  // mongod keeps view definitions as documents of `system.views`, a collection with an _id index.
  const definitions = viewsOf(ctx.store, ctx.db).map(([name, view]) => ({ _id: `${ctx.db}.${name}`, ...view }))
  const views = definitions.length
  const objects = collections.reduce((n, c) => n + c.size, 0) + views
  const size = collections.reduce((n, c) => n + dataSize(c), 0) + definitions.reduce((n, d) => n + calculateObjectSize(d), 0)
  const indexSize = collections.reduce((n, c) => n + Object.values(indexSizes(c)).reduce((a, b) => a + b, 0), 0) + (views > 0 ? 4096 : 0)
  const scaled = (n: number): number => Math.trunc(n / scale)
  return {
    db: ctx.db,
    collections: collections.length + (views > 0 ? 1 : 0),
    views,
    objects,
    avgObjSize: objects === 0 ? 0 : size / objects,
    dataSize: scaled(size),
    storageSize: scaled(size),
    indexes: collections.reduce((n, c) => n + c.indexSpecs().length, 0) + (views > 0 ? 1 : 0),
    indexSize: scaled(indexSize),
    totalSize: scaled(size + indexSize),
    scaleFactor: scale,
    ...filesystem(scale),
    ok: 1
  }
}

function requireCollection (ctx: CommandContext, name: unknown, stage: string): Collection {
  const collection = typeof name === 'string' ? ctx.store.get(ctx.db, name) : undefined
  if (collection === undefined) throw namespaceNotFound(`${stage}Collection [${ctx.db}.${String(name)}] not found.`)
  return collection
}

const collStats: Handler = (body, ctx) => {
  const collection = requireCollection(ctx, body.collStats, '')
  return { ns: collection.ns, ...storageStats(collection, scaleOf(body.scale)), ok: 1 }
}

const micros = (n: number): Long => Long.fromNumber(n)

function latencyStats (activity: CollectionActivity): Doc {
  const kind = (c: { latency: number; ops: number }): Doc => ({ latency: micros(c.latency), ops: micros(c.ops) })
  return { reads: kind(activity.reads), writes: kind(activity.writes), commands: kind(activity.commands), transactions: kind(activity.transactions) }
}

const COLLSTATS_FIELDS = new Set(['latencyStats', 'storageStats', 'count', 'queryExecStats'])

/** The one document `$collStats` yields on a standalone, with the sections asked for. */
export function collStatsStage (spec: unknown, ctx: CommandContext, name: unknown): Doc[] {
  if (!isPlainObject(spec)) throw new CommandError(5447000, 'Location5447000', `$collStats must take a nested object but found: $collStats: ${String(spec)}`)
  for (const field of Object.keys(spec)) {
    if (!COLLSTATS_FIELDS.has(field)) throw new CommandError(40415, 'Location40415', `BSON field '$collStats.${field}' is an unknown field.`)
    if (!isPlainObject(spec[field])) throw new CommandError(14, 'TypeMismatch', `BSON field '$collStats.${field}' is the wrong type, expected type 'object'`)
  }
  const ns = `${ctx.db}.${String(name)}`
  const out: Doc = { ns, host: `${hostname()}:27017`, localTime: new Date() }
  const activity = collectionActivity(ctx.store, ns)
  if (spec.latencyStats !== undefined) out.latencyStats = latencyStats(activity)
  if (spec.storageStats !== undefined) {
    const collection = requireCollection(ctx, name, 'Unable to retrieve storageStats in $collStats stage :: caused by :: ')
    out.storageStats = storageStats(collection, scaleOf((spec.storageStats as Doc).scale))
  }
  if (spec.count !== undefined) out.count = requireCollection(ctx, name, 'Unable to retrieve count in $collStats stage :: caused by :: ').size
  if (spec.queryExecStats !== undefined) {
    const collection = typeof name === 'string' ? ctx.store.get(ctx.db, name) : undefined
    const total = collection === undefined ? 0 : collectionScans(collection)
    out.queryExecStats = { collectionScans: { total: micros(total), nonTailable: micros(total) } }
  }
  return [out]
}

/** The command being answered now, for `$currentOp` (commands run one at a time). */
interface Running { body: Doc; db: string; connectionId: number; started: bigint; opid: number }
let running: Running | undefined

export function beginCommand (ctx: CommandContext, body: Doc): void {
  running = { body, db: ctx.db, connectionId: ctx.connectionId, started: process.hrtime.bigint(), opid: activityOf(ctx.store).nextOpId++ }
}

export function endCommand (): void {
  running = undefined
}

const CURRENTOP_FLAGS = ['allUsers', 'idleConnections', 'idleCursors', 'idleSessions', 'localOps', 'truncateOps', 'backtrace', 'targetAllNodes']

function currentOps (ctx: CommandContext, idleConnections: boolean): Doc[] {
  const host = `${hostname()}:27017`
  const connections = activityOf(ctx.store).connections
  const docs: Doc[] = []
  if (running !== undefined) {
    const conn = connections.get(running.connectionId)
    const elapsed = Number((process.hrtime.bigint() - running.started) / 1000n)
    const { $db: _db, lsid, $clusterTime: _time, $readPreference: _pref, ...command } = running.body
    const name = Object.keys(running.body)[0]
    const target = typeof running.body[name] === 'string' ? `${running.db}.${String(running.body[name])}` : `${running.db}.$cmd.${name}`
    docs.push({
      type: 'op',
      host,
      desc: `conn${running.connectionId}`,
      connectionId: running.connectionId,
      ...(conn?.client === undefined ? {} : { client: conn.client }),
      ...(conn?.metadata === undefined ? {} : { clientMetadata: conn.metadata }),
      active: true,
      currentOpTime: new Date().toISOString(),
      threaded: true,
      opid: running.opid,
      ...(isPlainObject(lsid) ? { lsid } : {}),
      secs_running: Long.fromNumber(Math.floor(elapsed / 1e6)),
      microsecs_running: Long.fromNumber(elapsed),
      op: 'command',
      ns: name === 'aggregate' && typeof running.body.aggregate !== 'string' ? `${running.db}.$cmd.aggregate` : target,
      redacted: false,
      command: { ...command, $db: running.db },
      numYields: 0,
      locks: {},
      waitingForLock: false,
      lockStats: {},
      waitingForFlowControl: false,
      flowControlStats: {}
    })
  }
  if (idleConnections) {
    for (const conn of connections.values()) {
      if (conn.id === running?.connectionId) continue
      docs.push({
        type: 'op',
        host,
        desc: `conn${conn.id}`,
        connectionId: conn.id,
        ...(conn.client === undefined ? {} : { client: conn.client }),
        ...(conn.metadata === undefined ? {} : { clientMetadata: conn.metadata }),
        active: false,
        currentOpTime: new Date().toISOString()
      })
    }
  }
  return docs
}

/** `$currentOp`: the running operation (this aggregate), and idle connections when asked. */
export function currentOpStage (spec: unknown, ctx: CommandContext, aggregateOne: boolean): Doc[] {
  if (ctx.db !== 'admin' || !aggregateOne) throw new CommandError(73, 'InvalidNamespace', "$currentOp must be run against the 'admin' database with {aggregate: 1}")
  if (!isPlainObject(spec)) throw new CommandError(ErrorCodesFailedToParse, 'FailedToParse', `$currentOp options must be specified in an object, but found: ${typeof spec}`)
  for (const [field, value] of Object.entries(spec)) {
    if (!CURRENTOP_FLAGS.includes(field)) throw new CommandError(ErrorCodesFailedToParse, 'FailedToParse', `Unrecognized option '${field}' in $currentOp stage.`)
    if (typeof value !== 'boolean') throw new CommandError(ErrorCodesFailedToParse, 'FailedToParse', `The '${field}' parameter of the $currentOp stage must be a boolean value, but found: ${typeof value}`)
  }
  return currentOps(ctx, spec.idleConnections === true)
}

const ErrorCodesFailedToParse = 9

/** The `currentOp` command: `$currentOp` with `$all` as idleConnections and the other fields as a filter. */
const currentOp: Handler = (body, ctx) => {
  if (ctx.db !== 'admin') throw new CommandError(13, 'Unauthorized', 'currentOp may only be run against the admin database.')
  const { currentOp: _op, $all, $ownOps: _own, $db: _db, lsid: _lsid, $clusterTime: _time, $readPreference: _pref, ...filter } = body
  const test = compileFilter(toView(filter) as Doc)
  return { inprog: currentOps(ctx, $all === true).filter((doc) => test(toView(doc) as Doc)), ok: 1 }
}

/** sha256 of the empty user name: the `uid` of sessions on a server without authentication. */
const NO_USER = new Binary(createHash('sha256').update('').digest())

/** `$listLocalSessions`: the sessions the engine has seen in the last 30 minutes. */
export function listLocalSessionsStage (spec: unknown, ctx: CommandContext, aggregateOne: boolean): Doc[] {
  if (!aggregateOne) throw new CommandError(73, 'InvalidNamespace', '$listLocalSessions must be run against the database with {aggregate: 1}, not a collection')
  if (!isPlainObject(spec)) throw new CommandError(14, 'TypeMismatch', "BSON field '$listLocalSessions' is the wrong type, expected type 'object'")
  for (const field of Object.keys(spec)) {
    if (field !== 'allUsers' && field !== 'users') throw new CommandError(40415, 'Location40415', `BSON field 'ListSessionsSpec.${field}' is an unknown field.`)
  }
  return liveSessions(ctx.store).map((session) => ({ _id: { id: session.id, uid: NO_USER }, lastUse: session.lastUse }))
}

export const diagnosticCommands: Record<string, Handler> = {
  dbStats,
  dbstats: dbStats,
  collStats,
  collstats: collStats,
  currentOp,
  replSetGetStatus: () => { throw new CommandError(76, 'NoReplicationEnabled', 'not running with --replSet') }
}
