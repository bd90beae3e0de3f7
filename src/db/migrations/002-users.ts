import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '002-users'

export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'users', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'userId', 'name', 'role', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      userId: { bsonType: ['int', 'long'], minimum: 1 },
      name: { bsonType: 'string', minLength: 1, maxLength: 100 },
      role: { enum: ['agent', 'manager', 'admin'] },
      createdAt: { bsonType: 'date' }
    }
  })
  await db.collection('users').createIndex({ clientId: 1, userId: 1 }, { unique: true, name: 'clientId_userId_unique' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('users').drop()
}
