import { MongoServerError, type Collection, type Document, type ObjectId, type OptionalUnlessRequiredId, type WithId } from 'mongodb'

function isDuplicateKey (error: unknown): boolean {
  return error instanceof MongoServerError && Number(error.code) === 11000
}

/**
 * Inserts `doc` unless a document with its `_id` is already stored (an earlier attempt of the same idempotent request),
 * and returns the stored one. Pair with `creationId` (src/plugins/idempotent-writes.ts). Any duplicate-key refusal is
 * checked against the `_id`, because a re-run's document may collide on a natural key (a name, a content key) before
 * the database reports the `_id`; a duplicate of another document is thrown as it came.
 */
export async function insertOnce<T extends Document & { _id: ObjectId }> (
  collection: Collection<T>, doc: OptionalUnlessRequiredId<T> & { _id: ObjectId }
): Promise<WithId<T>> {
  try {
    await collection.insertOne(doc)
    return doc as WithId<T>
  } catch (error) {
    if (!isDuplicateKey(error)) throw error
    const stored = await collection.findOne({ _id: doc._id } as never)
    if (!stored) throw error
    return stored
  }
}
