import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '008-idempotency-failed-state'

/** The idempotency record's validator, with the states it may take. */
function idempotencyKeySchema (states: string[]) {
  return {
    bsonType: 'object',
    required: ['_id', 'clientId', 'key', 'requestHash', 'state', 'createdAt'],
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: ['objectId', 'null'] },
      key: { bsonType: 'string', minLength: 1, maxLength: 255 },
      requestHash: { bsonType: 'string', minLength: 64, maxLength: 64 },
      state: { enum: states },
      statusCode: { bsonType: 'int' },
      contentType: { bsonType: 'string' },
      body: { bsonType: 'string' },
      createdAt: { bsonType: 'date' }
    }
  }
}

/**
 * An attempt that answered 5xx keeps its record as `failed` (it used to be deleted), so that its retry re-runs with
 * the same record id and finds whatever the failed attempt stored instead of storing it twice.
 */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'idempotencyKeys', idempotencyKeySchema(['pending', 'done', 'failed']))
}

export async function down (db: Db): Promise<void> {
  await db.collection('idempotencyKeys').deleteMany({ state: 'failed' })
  await defineCollection(db, 'idempotencyKeys', idempotencyKeySchema(['pending', 'done']))
}
