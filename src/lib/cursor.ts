import { EJSON, type Document } from 'bson'
import createError from '@fastify/error'

export const InvalidCursor = createError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API issued', 400)

/** Encodes the sort key of the last item of a page as an opaque, URL-safe cursor. */
export function encodeCursor (position: Document): string {
  return Buffer.from(EJSON.stringify(position, { relaxed: false })).toString('base64url')
}

/** Sort keys are scalars (numbers, strings, dates, ObjectIds): a forged `{"$ne": null}` must never reach a query. */
function isScalar (value: unknown): boolean {
  return value === null || typeof value !== 'object' || value instanceof Date || '_bsontype' in value
}

/** Decodes a cursor made by encodeCursor; anything else is a 400. */
export function decodeCursor<T extends Document> (cursor: string, keys: (keyof T & string)[]): T {
  let position: unknown
  try {
    position = EJSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'), { relaxed: false })
  } catch {
    throw new InvalidCursor()
  }
  if (position === null || typeof position !== 'object' || Array.isArray(position)) throw new InvalidCursor()
  const fields = Object.keys(position)
  if (fields.length !== keys.length || !keys.every((key) => fields.includes(key))) throw new InvalidCursor()
  if (!Object.values(position).every(isScalar)) throw new InvalidCursor()
  return position as T
}

/**
 * One page of a list read `limit + 1` documents deep: the first `limit` as items, and the cursor after the last of
 * them when the extra document shows there is more.
 */
export function pageOf<D, T> (docs: D[], limit: number, toItem: (doc: D) => T, position: (last: D) => Document): { data: T[], nextCursor: string | null } {
  const page = docs.slice(0, limit)
  const last = page.at(-1)
  return { data: page.map((doc) => toItem(doc)), nextCursor: docs.length > limit && last !== undefined ? encodeCursor(position(last)) : null }
}
