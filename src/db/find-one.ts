import type { Collection, Db, Document, Filter, WithId } from 'mongodb'

/**
 * The first document matching `filter`, as `findOne` answers it, sent as the `find` command itself (limit 1, one
 * batch, no cursor left open). `findOne` goes through the driver's cursor machinery, which costs the app about as much
 * CPU again as the command (bench/driver-cost.ts): this is for the hot reads by id.
 */
export async function findFirst<T extends Document> (db: Db, collection: string, filter: Filter<T>): Promise<WithId<T> | null> {
  const reply = await db.command({ find: collection, filter, limit: 1, singleBatch: true })
  const [first] = (reply.cursor as { firstBatch: Array<WithId<T>> }).firstBatch
  return first ?? null
}

/**
 * The one document a pipeline answers (one built to answer at most one: a `$limit: 1`, a `$facet`, a `$group` by a
 * constant), as `aggregate(...).toArray()` would give it, sent as the `aggregate` command itself: one round trip, without
 * the driver's cursor machinery. Should the pipeline answer more than a batch, the rest is not wanted and its cursor is
 * closed (a second round trip that a pipeline of one document never makes).
 */
export async function aggregateFirst<T extends Document> (collection: Pick<Collection, 'db' | 'collectionName'>, pipeline: Document[]): Promise<T | null> {
  const db = collection.db
  const reply = await db.command({ aggregate: collection.collectionName, pipeline, cursor: {} })
  const cursor = reply.cursor as { id: unknown, firstBatch: T[] }
  if (Number(cursor.id) !== 0) await db.command({ killCursors: collection.collectionName, cursors: [cursor.id] })
  return cursor.firstBatch[0] ?? null
}
