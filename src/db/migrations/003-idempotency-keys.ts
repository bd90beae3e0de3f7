import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '003-idempotency-keys'

/** Stored first responses of create requests sent with an Idempotency-Key, kept for 24 hours. */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'idempotencyKeys', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'key', 'requestHash', 'state', 'createdAt'],
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: ['objectId', 'null'] },
      key: { bsonType: 'string', minLength: 1, maxLength: 255 },
      requestHash: { bsonType: 'string', minLength: 64, maxLength: 64 },
      state: { enum: ['pending', 'done'] },
      statusCode: { bsonType: 'int' },
      contentType: { bsonType: 'string' },
      body: { bsonType: 'string' },
      createdAt: { bsonType: 'date' }
    }
  })
  const keys = db.collection('idempotencyKeys')
  await keys.createIndex({ clientId: 1, key: 1 }, { unique: true, name: 'clientId_key_unique' })
  await keys.createIndex({ createdAt: 1 }, { expireAfterSeconds: 24 * 60 * 60, name: 'createdAt_ttl' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('idempotencyKeys').drop()
}
