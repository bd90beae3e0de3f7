import type { Db, Document, Filter, WithId } from 'mongodb'

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
