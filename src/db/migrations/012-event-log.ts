import type { Db, Document } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '012-event-log'

/**
 * The collections whose documents carry an outbox: the events they owe the log until they are appended. `users` (their
 * status updates) may come before or after 013 adds `status` to its validator: each migration extends the validator as it stands.
 */
export const OUTBOX_SOURCES = ['directMessages', 'chatroomMessages', 'chats', 'importRuns', 'users']

/** The event types as of this migration (a new type needs a migration of its own, since this one's rules are applied). */
const EVENT_TYPES = [
  'direct-message', 'chatroom-message', 'chat-queued', 'chat-assigned', 'chat-closed', 'chat-message', 'import-finished', 'user-status'
]
const eventType = { enum: EVENT_TYPES }
const seq = { bsonType: ['int', 'long', 'double'], minimum: 0 }
const objectId = { bsonType: 'objectId' }
const date = { bsonType: 'date' }

const outboxSchema = {
  bsonType: 'array',
  maxItems: 100,
  items: {
    bsonType: 'object',
    required: ['key', 'type', 'at'],
    additionalProperties: false,
    properties: { key: { bsonType: 'string', minLength: 1, maxLength: 200 }, type: eventType, at: date, facts: { bsonType: 'object' } }
  }
}

/** Adds (or removes) the `outbox` property of a collection's validator, keeping every other rule as it is. */
async function allowOutbox (db: Db, collection: string, allowed: boolean): Promise<void> {
  const [info] = await db.listCollections({ name: collection }).toArray() as { options?: { validator?: Document } }[]
  const validator = info?.options?.validator
  const schema = validator?.$jsonSchema as Document | undefined
  if (!validator || !schema) return
  const properties = { ...(schema.properties as Document | undefined) }
  if (allowed) properties.outbox = outboxSchema
  else delete properties.outbox
  await db.command({ collMod: collection, validator: { ...validator, $jsonSchema: { ...schema, properties } } })
}

/**
 * The event log (`events`, one ordered log per client, with a TTL on `expiresAt`), the head of each log, leases for
 * jobs one instance does at a time, the outbox of every collection that produces events, and webhooks: endpoints,
 * deliveries, their attempts and each client's fan-out position. The streams' old replay indexes give way to the log.
 */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'events', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'seq', 'key', 'type', 'audience', 'data', 'createdAt', 'expiresAt'],
    additionalProperties: false,
    properties: {
      _id: objectId,
      clientId: objectId,
      seq: { ...seq, minimum: 1 },
      key: { bsonType: 'string', minLength: 1, maxLength: 200 },
      type: eventType,
      audience: { bsonType: 'array', maxItems: 10, items: { bsonType: 'string', minLength: 1, maxLength: 100 } },
      data: { bsonType: 'object' },
      createdAt: date,
      expiresAt: date
    }
  })
  const events = db.collection('events')
  await events.createIndex({ clientId: 1, seq: 1 }, { unique: true, name: 'clientId_seq_unique' })
  await events.createIndex({ clientId: 1, key: 1 }, { unique: true, name: 'clientId_key_unique' })
  await events.createIndex({ clientId: 1, audience: 1, seq: 1 }, { name: 'clientId_audience_seq' })
  await events.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' })
  await defineCollection(db, 'eventHeads', {
    bsonType: 'object', required: ['_id', 'seq'], additionalProperties: false, properties: { _id: objectId, seq }
  })
  await defineCollection(db, 'leases', {
    bsonType: 'object',
    required: ['_id', 'owner', 'until'],
    additionalProperties: false,
    properties: { _id: { bsonType: 'string', minLength: 1, maxLength: 200 }, owner: { bsonType: 'string' }, until: date }
  })

  for (const source of OUTBOX_SOURCES) {
    await allowOutbox(db, source, true)
    await db.collection(source).createIndex({ 'outbox.at': 1 }, { sparse: true, name: 'outbox_at' })
  }
  await db.collection('directMessages').dropIndex('recipient_stream').catch(() => {})
  await db.collection('chatroomMessages').dropIndex('chatroom_stream').catch(() => {})
  await defineWebhookCollections(db)
}

const attemptOutcome = {
  at: date,
  succeeded: { bsonType: 'bool' },
  statusCode: { bsonType: ['int', 'null'] },
  error: { bsonType: ['string', 'null'], maxLength: 2000 },
  latencyMs: { bsonType: ['int', 'long', 'double'], minimum: 0 },
  responseSnippet: { bsonType: ['string', 'null'], maxLength: 256 }
}

async function defineWebhookCollections (db: Db): Promise<void> {
  await defineCollection(db, 'webhooks', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'url', 'eventTypes', 'description', 'secret', 'enabled', 'startSeq', 'createdAt', 'updatedAt'],
    additionalProperties: false,
    properties: {
      _id: objectId,
      clientId: objectId,
      url: { bsonType: 'string', minLength: 8, maxLength: 2048 },
      eventTypes: { bsonType: 'array', minItems: 1, maxItems: 20, items: eventType },
      description: { bsonType: 'string', maxLength: 200 },
      secret: { bsonType: 'string', minLength: 16 },
      enabled: { bsonType: 'bool' },
      disabledReason: { bsonType: 'string' },
      failingSince: date,
      startSeq: seq,
      createdAt: date,
      updatedAt: date
    }
  })
  const endpoints = db.collection('webhooks')
  await endpoints.createIndex({ clientId: 1, _id: 1 }, { name: 'clientId_id' })
  await endpoints.createIndex({ enabled: 1, clientId: 1 }, { name: 'enabled_clientId' })

  await defineCollection(db, 'webhookDeliveries', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'endpointId', 'eventSeq', 'event', 'state', 'attempts', 'nextAttemptAt', 'retryUntil', 'createdAt', 'expiresAt'],
    additionalProperties: false,
    properties: {
      _id: objectId,
      clientId: objectId,
      endpointId: objectId,
      eventSeq: { ...seq, minimum: 1 },
      event: { bsonType: 'object', required: ['id', 'type', 'createdAt', 'data'] },
      state: { enum: ['pending', 'delivered', 'failed', 'cancelled'] },
      attempts: { bsonType: ['int', 'long'], minimum: 0 },
      nextAttemptAt: date,
      retryUntil: date,
      leaseOwner: { bsonType: 'string' },
      leaseUntil: date,
      lastAttempt: { bsonType: 'object', properties: attemptOutcome },
      createdAt: date,
      expiresAt: date
    }
  })
  const deliveries = db.collection('webhookDeliveries')
  await deliveries.createIndex({ clientId: 1, endpointId: 1, eventSeq: 1 }, { unique: true, name: 'clientId_endpointId_eventSeq_unique' })
  await deliveries.createIndex({ state: 1, nextAttemptAt: 1 }, { name: 'state_nextAttemptAt' })
  await deliveries.createIndex({ clientId: 1, endpointId: 1, _id: -1 }, { name: 'clientId_endpointId_id' })
  await deliveries.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' })

  await defineCollection(db, 'webhookAttempts', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'endpointId', 'deliveryId', 'attempt', 'at', 'succeeded', 'latencyMs', 'expiresAt'],
    additionalProperties: false,
    properties: { _id: objectId, clientId: objectId, endpointId: objectId, deliveryId: objectId, attempt: { bsonType: ['int', 'long'], minimum: 1 }, ...attemptOutcome, expiresAt: date }
  })
  const attempts = db.collection('webhookAttempts')
  await attempts.createIndex({ clientId: 1, endpointId: 1, _id: -1 }, { name: 'clientId_endpointId_id' })
  await attempts.createIndex({ clientId: 1, deliveryId: 1, _id: -1 }, { name: 'clientId_deliveryId_id' })
  await attempts.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' })

  await defineCollection(db, 'webhookCursors', {
    bsonType: 'object', required: ['_id', 'seq'], additionalProperties: false, properties: { _id: objectId, seq }
  })
}

export async function down (db: Db): Promise<void> {
  for (const collection of ['webhookCursors', 'webhookAttempts', 'webhookDeliveries', 'webhooks', 'leases', 'eventHeads', 'events']) {
    await db.collection(collection).drop().catch(() => {})
  }
  await db.collection('directMessages').createIndex({ clientId: 1, recipientId: 1, _id: 1 }, { name: 'recipient_stream' })
  await db.collection('chatroomMessages').createIndex({ clientId: 1, chatroomId: 1, _id: 1 }, { name: 'chatroom_stream' })
  for (const source of OUTBOX_SOURCES) {
    await db.collection(source).dropIndex('outbox_at').catch(() => {})
    await db.collection(source).updateMany({ outbox: { $exists: true } }, { $unset: { outbox: '' } })
    await allowOutbox(db, source, false)
  }
}
