import { Long } from 'bson'
import { noteCollectionScan } from '../activity.js'
import type { Collection, StoredRecord } from '../collection.js'
import type { Cursors } from '../cursors.js'
import { CommandError, typeMismatch } from '../errors.js'
import { evalExpr } from 'mingo/core'
import type { Options } from 'mingo/types'
import { activeCollation } from '../collation.js'
import { pinnedRecords } from '../pinned.js'
import { planQuery, type QueryRequest } from '../planner.js'
import { mingoOptions } from '../query.js'
import { drain } from '../stages.js'
import type { Store } from '../store.js'
import type { TtlMonitor } from '../ttl.js'
import { isPlainObject, readsDocument, toView, type Doc } from '../values.js'

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
  if (variables === undefined && options.hint === undefined && options.sort === undefined) {
    const pinned = pinnedRecords(collection, filter, activeCollation())
    if (pinned !== undefined) return pinned
  }
  const { root } = planQuery(collection, { ...options, filter, variables })
  if (root.has('COLLSCAN')) noteCollectionScan(collection)
  return drain(root).map((member) => member.rec as StoredRecord)
}

/** mongod's rule for user variable names: a lowercase or non-ASCII first letter, then letters, digits and `_`. */
function assertVariableName (name: string): void {
  if (name === 'CURRENT') return
  if (name.length === 0) throw new CommandError(16866, 'Location16866', 'empty variable names are not allowed')
  if (!/^[a-z\u0080-\uffff]/.test(name)) throw new CommandError(16867, 'Location16867', `'${name}' starts with an invalid character for a user variable name`)
  const bad = /[^A-Za-z0-9_\u0080-\uffff]/.exec(name)
  if (bad !== null) throw new CommandError(16868, 'Location16868', `'${name}' contains an invalid character for a variable name: '${bad[0]}'`)
}

/**
 * The command's `let` variables (evaluation form), if any: each is an expression evaluated once,
 * before any document is read (so it may use `$$NOW` and the variables before it, not fields).
 */
export function letOf (body: Doc): Doc | undefined {
  if (body.let === undefined) return undefined
  if (!isPlainObject(body.let)) throw typeMismatch(`BSON field 'let' is the wrong type '${typeof body.let}', expected type 'object'`)
  const variables: Doc = {}
  for (const [name, expr] of Object.entries(toView(body.let) as Doc)) {
    assertVariableName(name)
    if (readsDocument(expr)) {
      throw new CommandError(4890500, 'Location4890500', 'Command let Expression tried to access a field, but this is not allowed because command let expressions run before the query examines any documents.')
    }
    variables[name] = evalExpr({}, expr, mingoOptions({ variables: { ...variables } }) as Options)
  }
  return variables
}

export const toLong = (value: unknown): Long => {
  if (value instanceof Long) return value
  return Long.fromNumber(toView(value) as number)
}
