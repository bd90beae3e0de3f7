import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '001-clients-and-api-keys'

export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'clients', {
    bsonType: 'object',
    required: ['_id', 'name', 'nickName', 'createdAt'],
    properties: {
      _id: { bsonType: 'objectId' },
      name: { bsonType: 'string', minLength: 1, maxLength: 200 },
      nickName: { bsonType: 'string', minLength: 1, maxLength: 50 },
      createdAt: { bsonType: 'date' }
    }
  })
  await db.collection('clients').createIndex({ nickName: 1 }, { unique: true, name: 'nickName_unique' })

  await defineCollection(db, 'apiKeys', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'name', 'role', 'hash', 'prefix', 'createdAt'],
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      name: { bsonType: 'string', minLength: 1, maxLength: 100 },
      role: { enum: ['agent', 'manager', 'admin'] },
      hash: { bsonType: 'string', minLength: 64, maxLength: 64 },
      prefix: { bsonType: 'string' },
      createdAt: { bsonType: 'date' },
      revokedAt: { bsonType: 'date' }
    }
  })
  await db.collection('apiKeys').createIndex({ hash: 1 }, { unique: true, name: 'hash_unique' })
  await db.collection('apiKeys').createIndex({ clientId: 1, createdAt: 1 }, { name: 'clientId_createdAt' })

  // Per-client integer sequences (users, chats, messages, customers, chatrooms): {_id: "<clientId>:<name>", seq}
  await defineCollection(db, 'counters', {
    bsonType: 'object',
    required: ['_id', 'seq'],
    properties: { _id: { bsonType: 'string' }, seq: { bsonType: ['int', 'long'] } }
  })
}

export async function down (db: Db): Promise<void> {
  await db.collection('apiKeys').drop()
  await db.collection('clients').drop()
  await db.collection('counters').drop()
}
