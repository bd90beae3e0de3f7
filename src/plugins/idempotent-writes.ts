import { createHash } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { FastifyRequest } from 'fastify'

/**
 * The `_id` a create route gives the `index`-th document it stores. With an `Idempotency-Key` it is fixed by the key's
 * record, so a retry that re-runs an attempt whose outcome was lost (the database went away after storing the document
 * but before the answer was recorded) reaches the same `_id` and finds the document instead of storing it twice.
 * Without a key it is a fresh ObjectId. Store the document with `insertOnce` (src/db/insert-once.ts).
 */
export function creationId (request: FastifyRequest, index = 0): ObjectId {
  const record = request.idempotencyRecord
  if (!record) return new ObjectId()
  if (index === 0) return record
  return new ObjectId(createHash('sha256').update(`${record.toHexString()}:${index}`).digest().subarray(0, 12))
}
