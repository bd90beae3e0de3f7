/**
 * What the engine knows about its clients, for the diagnostics commands: logical sessions
 * (`$listLocalSessions`), connections and their handshake metadata (`$currentOp`), and
 * per-collection operation counts and latencies (`$collStats` latencyStats and queryExecStats).
 * Every map is bounded: sessions expire after mongod's 30 minutes, connections leave on close.
 */
import type { Binary } from 'bson'
import type { Store } from './store.js'
import { isPlainObject, type Doc } from './values.js'

const SESSION_TIMEOUT_MS = 30 * 60 * 1000
const MAX_SESSIONS = 100_000

export interface Session { id: Binary; lastUse: Date }
export interface Connection { id: number; client?: string; metadata?: Doc; since: Date }
interface Counter { latency: number; ops: number }
export interface CollectionActivity { reads: Counter; writes: Counter; commands: Counter; transactions: Counter }

interface Activity {
  sessions: Map<string, Session>
  connections: Map<number, Connection>
  collections: Map<string, CollectionActivity>
  nextOpId: number
}

const activities = new WeakMap<Store, Activity>()

export function activityOf (store: Store): Activity {
  let activity = activities.get(store)
  if (activity === undefined) {
    activity = { sessions: new Map(), connections: new Map(), collections: new Map(), nextOpId: 1 }
    activities.set(store, activity)
  }
  return activity
}

const sessionKey = (id: Binary): string => Buffer.from(id.buffer).toString('hex')

/** Notes the session a command names (`lsid`), or a session startSession made. */
export function touchSession (store: Store, lsid: unknown, now = new Date()): void {
  if (!isPlainObject(lsid) || (lsid.id as { _bsontype?: string } | undefined)?._bsontype !== 'Binary') return
  const sessions = activityOf(store).sessions
  const id = lsid.id as Binary
  const key = sessionKey(id)
  sessions.delete(key)
  sessions.set(key, { id, lastUse: now })
  if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string)
}

export function endSessions (store: Store, ids: unknown): void {
  if (!Array.isArray(ids)) return
  for (const lsid of ids) if (isPlainObject(lsid) && (lsid.id as { _bsontype?: string } | undefined)?._bsontype === 'Binary') activityOf(store).sessions.delete(sessionKey(lsid.id as Binary))
}

/** The sessions used within the last 30 minutes, oldest use first. */
export function liveSessions (store: Store, now = Date.now()): Session[] {
  const sessions = activityOf(store).sessions
  for (const [key, session] of sessions) if (now - session.lastUse.getTime() > SESSION_TIMEOUT_MS) sessions.delete(key)
  return [...sessions.values()]
}

export function connect (store: Store, id: number, client?: string): void {
  activityOf(store).connections.set(id, { id, client, since: new Date() })
}

export function disconnect (store: Store, id: number): void {
  activityOf(store).connections.delete(id)
}

/** Keeps the `client` document a driver sends in its handshake. */
export function noteHandshake (store: Store, id: number, body: Doc): void {
  const connection = activityOf(store).connections.get(id)
  if (connection !== undefined && isPlainObject(body.client)) connection.metadata = body.client
}

const counter = (): Counter => ({ latency: 0, ops: 0 })

export function collectionActivity (store: Store, ns: string): CollectionActivity {
  const collections = activityOf(store).collections
  let activity = collections.get(ns)
  if (activity === undefined) {
    activity = { reads: counter(), writes: counter(), commands: counter(), transactions: counter() }
    collections.set(ns, activity)
  }
  return activity
}

const READS = new Set(['find', 'getMore', 'aggregate', 'count', 'distinct'])
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify'])

/** Adds a command's latency to the collection it ran on (getMore names it in `collection`). */
export function recordLatency (store: Store, db: string, command: string, body: Doc, micros: number): void {
  const name = command === 'getMore' ? body.collection : body[command]
  if (typeof name !== 'string' || store.get(db, name) === undefined) return
  const activity = collectionActivity(store, `${db}.${name}`)
  const kind = READS.has(command) ? activity.reads : WRITES.has(command) ? activity.writes : activity.commands
  kind.latency += Math.round(micros)
  kind.ops++
}

export const forgetCollection = (store: Store, ns: string): void => {
  activityOf(store).collections.delete(ns)
}

const scans = new WeakMap<object, number>()

/** Counts a query that read every document of a collection (`queryExecStats.collectionScans`). */
export const noteCollectionScan = (collection: object): void => {
  scans.set(collection, (scans.get(collection) ?? 0) + 1)
}

export const collectionScans = (collection: object): number => scans.get(collection) ?? 0
