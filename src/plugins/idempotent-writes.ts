import { createHash } from 'node:crypto'
import { MongoServerError, ObjectId, type Collection, type Document, type OptionalUnlessRequiredId, type WithId } from 'mongodb'
import type { FastifyRequest } from 'fastify'

/**
 * The `_id` a create route gives the `index`-th document it stores. With an `Idempotency-Key` it is fixed by the key's
 * record, so a retry that re-runs an attempt whose outcome was lost (the database went away after storing the document
 * but before the answer was recorded) reaches the same `_id` and finds the document instead of storing it twice.
 * Without a key it is a fresh ObjectId.
 */
export function creationId (request: FastifyRequest, index = 0): ObjectId {
  const record = request.idempotencyRecord
  if (!record) return new ObjectId()
  if (index === 0) return record
  return new ObjectId(createHash('sha256').update(`${record.toHexString()}:${index}`).digest().subarray(0, 12))
}

function isDuplicateId (error: unknown): boolean {
  if (!(error instanceof MongoServerError) || Number(error.code) !== 11000) return false
  const keys = Object.keys(error.keyPattern ?? error.keyValue ?? {})
  return keys.length === 1 && keys[0] === '_id'
}

/**
 * Inserts `doc` unless a document with its `_id` is already stored (an earlier attempt of the same idempotent request),
 * and returns the stored one. Pair with `creationId`.
 */
export async function insertOnce<T extends Document & { _id: ObjectId }> (
  collection: Collection<T>, doc: OptionalUnlessRequiredId<T> & { _id: ObjectId }
): Promise<WithId<T>> {
  try {
    await collection.insertOne(doc)
    return doc as WithId<T>
  } catch (error) {
    if (!isDuplicateId(error)) throw error
    const stored = await collection.findOne({ _id: doc._id } as never)
    if (!stored) throw error
    return stored
  }
}
