import type { ObjectId } from 'mongodb'
import type { EngagementDocument } from '../engagements/repository.js'
import type { CustomerDocument } from '../customers/repository.js'
import type { TypeCategory, TypeKey } from '../customers/type-stats.js'
import { decodeCursor, InvalidCursor } from '../../lib/cursor.js'
import type { ChannelReach } from './client-stats.js'
import type { ChannelCount } from './ranking.js'
import { countsFor, type ChannelCell } from './summaries.js'

/** Shapes the client-wide pipelines' rows for the API: every channel zero-filled, categories as type + inferred, cursors checked. */

export function breakdown (engagements: EngagementDocument[], row: { total: number, channels: ChannelCount<ObjectId>[] } | undefined) {
  return { total: row?.total ?? 0, channels: countsFor(engagements, row?.channels ?? []) }
}

export function topicBreakdown (engagements: EngagementDocument[], row: { total: number, explicit: number, channels: ChannelCount<ObjectId>[] } | undefined) {
  const { total, channels } = breakdown(engagements, row)
  const explicit = row?.explicit ?? 0
  return { total, explicit, calendar: total - explicit, channels }
}

export function reachCells (engagements: EngagementDocument[], rows: ChannelReach[]): (ChannelCell & { customers: number })[] {
  const byId = new Map(rows.map((row) => [row.engagementId.toHexString(), row]))
  return engagements.map((engagement) => {
    const row = byId.get(engagement._id.toHexString())
    return { engagementId: engagement._id.toHexString(), name: engagement.name, count: row?.count ?? 0, customers: row?.customers ?? 0 }
  })
}

/** How the API names a type category: recorded customers of a type, recorded ones without a type, inferred ones. */
export function typeLabel ({ category, type }: TypeKey): { type: string | null, inferred: boolean } {
  return { type: category === 0 ? type : null, inferred: category === 2 }
}

/** A customer's label; a customer whose record is missing counts as inferred, as in the per-type statistics. */
export function customerLabel (doc: Pick<CustomerDocument, 'type' | 'inferred'> | undefined): { type: string | null, inferred: boolean } {
  if (!doc || doc.inferred) return { type: null, inferred: true }
  return { type: doc.type ?? null, inferred: false }
}

export const typeKeyString = ({ category, type }: TypeKey): string => `${category}:${type ?? ''}`

/** Rows by key, for matching the previous period's figures to the current page. */
export function byKey<R, K> (rows: R[], key: (row: R) => K): Map<K, R> {
  return new Map(rows.map((row) => [key(row), row]))
}

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0
const isCategory = (value: unknown): value is TypeCategory => value === 0 || value === 1 || value === 2

/** Cursors keep numbers as BSON Int32 or Double values: plain numbers here, so they can be checked. */
function plain (value: unknown): unknown {
  const bsonType = typeof value === 'object' && value !== null && '_bsontype' in value ? value._bsontype : undefined
  return bsonType === 'Int32' || bsonType === 'Double' ? Number(value) : value
}

/** Decodes a ranking cursor and checks each of its values has the type the ranking sorts on; anything else is a 400. */
function checkedCursor<T extends object> (cursor: string | undefined, checks: { [K in keyof T]: (value: unknown) => boolean }): T | undefined {
  if (cursor === undefined) return undefined
  const position = Object.fromEntries(Object.entries(decodeCursor<Record<string, unknown>>(cursor, Object.keys(checks))).map(([key, value]) => [key, plain(value)]))
  if (!Object.entries<(value: unknown) => boolean>(checks).every(([key, check]) => check(position[key]))) throw new InvalidCursor()
  return position as T
}

export const cursors = {
  customer: (cursor?: string) => checkedCursor<{ total: number, customerId: number }>(cursor, { total: isCount, customerId: (v) => isCount(v) && v > 0 }),
  topic: (cursor?: string) => checkedCursor<{ total: number, topic: string }>(cursor, { total: isCount, topic: (v) => typeof v === 'string' }),
  type: (cursor?: string) => checkedCursor<{ total: number } & TypeKey>(cursor, {
    total: isCount, category: isCategory, type: (v) => v === null || typeof v === 'string'
  }),
  typeCustomers: (cursor?: string) => checkedCursor<{ customers: number } & TypeKey>(cursor, {
    customers: isCount, category: isCategory, type: (v) => v === null || typeof v === 'string'
  })
}
