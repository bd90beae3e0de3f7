import { Long } from 'bson'
import type { Collection, StoredRecord } from '../collection.js'
import type { Cursors } from '../cursors.js'
import { CommandError, typeMismatch } from '../errors.js'
import { pinnedRecords } from '../pinned.js'
import { planQuery, type QueryRequest } from '../planner.js'
import { drain } from '../stages.js'
import type { Store } from '../store.js'
import type { TtlMonitor } from '../ttl.js'
import { isPlainObject, toView, type Doc } from '../values.js'

export interface CommandContext {
  store: Store
  cursors: Cursors
  /** The database the command runs against (`$db`). */
  db: string
  connectionId: number
  /** The port the server listens on (explain's serverInfo). */
  port?: number
  /** The TTL monitor (setParameter ttlMonitorSleepSecs). */
  ttl?: TtlMonitor
  /** The BSON bytes of the documents of the request's document sequences, by field (wire.ts). */
  raw?: Record<string, Buffer[]>
}

export type Handler = (body: Doc, ctx: CommandContext) => Doc

export function stringArg (body: Doc, field: string): string {
  const value = body[field]
  if (typeof value !== 'string') {
    throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof value}`)
  }
  return value
}

export function docArg (body: Doc, field: string): Doc | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (!isPlainObject(value)) throw typeMismatch(`BSON field '${field}' is the wrong type '${typeof value}', expected type 'object'`)
  return value
}

export function numberArg (body: Doc, field: string): number | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  const n = toView(value)
  if (typeof n !== 'number') throw typeMismatch(`BSON field '${field}' is the wrong type, expected a number`)
  return n
}

export function boolArg (body: Doc, field: string): boolean {
  const value = toView(body[field])
  return value === true || (typeof value === 'number' && value !== 0)
}

export const filterOf = (value: unknown): Doc => (isPlainObject(value) ? toView(value) as Doc : {})

/** Records of `collection` matching `filter` (evaluation form), through the query planner (`sort`, `limit`, `hint`: as find's). */
export function matching (collection: Collection | undefined, filter: Doc, variables?: Doc, options: Omit<QueryRequest, 'filter' | 'variables'> = {}): StoredRecord[] {
  if (collection === undefined) return []
  if (variables === undefined && options.hint === undefined && options.sort === undefined && options.collation === undefined) {
    const pinned = pinnedRecords(collection, filter)
    if (pinned !== undefined) return pinned
  }
  const { root } = planQuery(collection, { ...options, filter, variables })
  return drain(root).map((member) => member.rec as StoredRecord)
}

/** The command's `let` variables (evaluation form), if any. */
export const letOf = (body: Doc): Doc | undefined => (isPlainObject(body.let) ? toView(body.let) as Doc : undefined)

export const toLong = (value: unknown): Long => {
  if (value instanceof Long) return value
  return Long.fromNumber(toView(value) as number)
}
