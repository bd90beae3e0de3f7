import { Type, type TSchema } from '@sinclair/typebox'
import type { Document } from 'mongodb'
import { decodeCursor, pageOf } from '../../lib/cursor.js'

export const LEGACY_PAGE_MAX = 100

/** `limit` and `cursor` of the messenger seed's lists. */
export const LegacyPageQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: LEGACY_PAGE_MAX, default: 20, description: 'Items per page (1–100, default 20)' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The previous page\'s `next_cursor`, for the next page' }))
})

/** A page of a seed-style list: `{"data": [...], "next_cursor": "..."}`, the cursor null on the last page. */
export function LegacyPage<T extends TSchema> (item: T, title: string) {
  return Type.Object({
    data: Type.Array(item, { maxItems: LEGACY_PAGE_MAX }),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null when there is none' })
  }, { title })
}

/** One item in the seed's envelope: `{"data": {...}}`. */
export function LegacyData<T extends TSchema> (item: T, title: string) {
  return Type.Object({ data: item }, { title })
}

/** The integer position a seed-style cursor holds (`key` of the last item of the previous page); a foreign cursor is a 400. */
export function legacyAfter (cursor: string | undefined, key: string): number | undefined {
  if (cursor === undefined) return undefined
  const invalid = Object.assign(new Error('querystring.cursor: is not a cursor this API issued'), { statusCode: 400 })
  let position: unknown
  try {
    position = decodeCursor<Record<string, unknown>>(cursor, [key])[key]
  } catch {
    throw invalid
  }
  // Canonical EJSON keeps an integer as a BSON Int32, whose value is the number.
  const value = typeof position === 'object' && position !== null && '_bsontype' in position ? position.valueOf() : position
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid
  return value
}

/** A page read `limit + 1` deep, as `{data, next_cursor}`. */
export function legacyPageOf<D, T> (docs: D[], limit: number, toItem: (doc: D) => T, position: (last: D) => Document) {
  const page = pageOf(docs, limit, toItem, position)
  return { data: page.data, next_cursor: page.nextCursor }
}
