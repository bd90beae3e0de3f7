import type { Db, Document } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '009-user-bound-keys'

const objectId = { bsonType: 'objectId' }

/** The fields this migration adds to each collection's validator (all optional: documents stored before it have none). */
const added: Record<string, Record<string, Document>> = {
  apiKeys: { userId: { bsonType: ['int', 'long'], minimum: 1 } },
  messages: { createdByKeyId: objectId },
  directMessages: { createdByKeyId: objectId },
  chatroomMessages: { createdByKeyId: objectId },
  chats: { lastMessageAt: { bsonType: 'date' } },
  idempotencyKeys: { keyId: { bsonType: ['objectId', 'null'] } }
}

async function currentSchema (db: Db, collection: string): Promise<Document> {
  const [info] = await db.listCollections({ name: collection }).toArray()
  const validator = (info as { options?: { validator?: { $jsonSchema?: Document } } } | undefined)?.options?.validator
  if (!validator?.$jsonSchema) throw new Error(`${name}: collection ${collection} has no $jsonSchema validator to extend`)
  return validator.$jsonSchema
}

/** Adds (or, reverting, removes) fields in a collection's validator as it stands, whatever earlier migrations made it. */
async function changeValidator (db: Db, collection: string, change: (properties: Record<string, Document>) => void): Promise<void> {
  const schema = await currentSchema(db, collection)
  const properties = { ...(schema.properties as Record<string, Document>) }
  change(properties)
  await defineCollection(db, collection, { ...schema, properties })
}

/**
 * User-bound API keys (`userId`: the key acts as that user only, listed by client and user); the key that created each
 * message (`createdByKeyId`); a chat's latest message time, which its close never ends before (`lastMessageAt`); and
 * idempotency records kept per API key (`keyId`) instead of per client, so two users of one client never share an answer.
 */
export async function up (db: Db): Promise<void> {
  for (const [collection, fields] of Object.entries(added)) {
    await changeValidator(db, collection, (properties) => Object.assign(properties, fields))
  }
  await db.collection('apiKeys').createIndex({ clientId: 1, userId: 1, createdAt: 1 }, { name: 'clientId_userId_createdAt', partialFilterExpression: { userId: { $exists: true } } })
  const records = db.collection('idempotencyKeys')
  await records.createIndex({ clientId: 1, keyId: 1, key: 1 }, { unique: true, name: 'clientId_keyId_key_unique' })
  await records.dropIndex('clientId_key_unique')
}

/**
 * Reverting revokes the user-bound keys (unbound, they would act for the whole client) and forgets the idempotency
 * records written per key (they expire within 24 hours anyway), before the fields leave the validators.
 */
export async function down (db: Db): Promise<void> {
  await db.collection('apiKeys').updateMany({ userId: { $exists: true }, revokedAt: { $exists: false } }, { $set: { revokedAt: new Date() } })
  const records = db.collection('idempotencyKeys')
  await records.deleteMany({ keyId: { $ne: null } })
  for (const [collection, fields] of Object.entries(added)) {
    await db.collection(collection).updateMany({}, { $unset: Object.fromEntries(Object.keys(fields).map((field) => [field, ''])) })
  }
  await records.createIndex({ clientId: 1, key: 1 }, { unique: true, name: 'clientId_key_unique' })
  await records.dropIndex('clientId_keyId_key_unique')
  await db.collection('apiKeys').dropIndex('clientId_userId_createdAt')
  for (const [collection, fields] of Object.entries(added)) {
    await changeValidator(db, collection, (properties) => { for (const field of Object.keys(fields)) delete properties[field] })
  }
}
