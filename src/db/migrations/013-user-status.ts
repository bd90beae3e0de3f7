import type { Db, Document } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '013-user-status'

const STATUS_INDEX = 'clientId_status_eventId'

/** A user's status as the validator accepts it: overwritten by each update, so the document never grows. */
const status: Document = {
  bsonType: 'object',
  required: ['state', 'updatedAt', 'eventId'],
  additionalProperties: false,
  properties: {
    state: { enum: ['online', 'away', 'busy', 'offline'] },
    text: { bsonType: 'string', minLength: 1, maxLength: 100 },
    updatedAt: { bsonType: 'date' },
    eventId: { bsonType: 'objectId' }
  }
}

async function usersSchema (db: Db): Promise<Document> {
  const [info] = await db.listCollections({ name: 'users' }).toArray()
  const schema = (info as { options?: { validator?: { $jsonSchema?: Document } } } | undefined)?.options?.validator?.$jsonSchema
  if (!schema) throw new Error(`${name}: the users collection has no $jsonSchema validator to extend`)
  return schema
}

/** User status on the user (`status`), and the index the status stream replays from (`status.eventId` per client). */
export async function up (db: Db): Promise<void> {
  const schema = await usersSchema(db)
  await defineCollection(db, 'users', { ...schema, properties: { ...(schema.properties as Document), status } })
  await db.collection('users').createIndex({ clientId: 1, 'status.eventId': 1 }, { name: STATUS_INDEX, partialFilterExpression: { 'status.eventId': { $exists: true } } })
}

/** Reverting forgets every status (statuses are short-lived by nature) before `status` leaves the validator. */
export async function down (db: Db): Promise<void> {
  await db.collection('users').dropIndex(STATUS_INDEX)
  await db.collection('users').updateMany({ status: { $exists: true } }, { $unset: { status: '' } })
  const schema = await usersSchema(db)
  const properties = { ...(schema.properties as Document) }
  delete properties.status
  await defineCollection(db, 'users', { ...schema, properties })
}
