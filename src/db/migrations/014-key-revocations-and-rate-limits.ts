import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '014-key-revocations-and-rate-limits'

/**
 * The index every instance's revocation poll reads once a second (keys revoked since a time, newest first), and the
 * rate-limit counts all instances share: one document per bucket and fixed window, removed by TTL after it ends.
 */
export async function up (db: Db): Promise<void> {
  await db.collection('apiKeys').createIndex(
    { revokedAt: -1 },
    { name: 'revokedAt_recent', partialFilterExpression: { revokedAt: { $exists: true } } }
  )
  await defineCollection(db, 'rateLimits', {
    bsonType: 'object',
    required: ['_id', 'kind', 'count', 'windowStart', 'expiresAt'],
    properties: {
      _id: { bsonType: 'string', maxLength: 200 },
      kind: { enum: ['auth', 'request'] },
      count: { bsonType: ['int', 'long'], minimum: 0 },
      windowStart: { bsonType: 'date' },
      expiresAt: { bsonType: 'date' }
    }
  })
  const counts = db.collection('rateLimits')
  await counts.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' })
  await counts.createIndex({ windowStart: 1, kind: 1, count: -1 }, { name: 'windowStart_kind_count' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('rateLimits').drop()
  await db.collection('apiKeys').dropIndex('revokedAt_recent')
}
