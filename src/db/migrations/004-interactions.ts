import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '004-interactions'

const integerId = { bsonType: ['int', 'long'], minimum: 1 }
const sourceValue = { bsonType: ['string', 'int', 'long', 'double', 'decimal', 'bool', 'null'] }

/** Engagements (channels), interactions, customers and the products-of-discussion calendar of each client. */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'engagements', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'name', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      name: { bsonType: 'string', minLength: 1, maxLength: 50 },
      source: { bsonType: 'string', maxLength: 200 },
      createdAt: { bsonType: 'date' }
    }
  })
  const engagements = db.collection('engagements')
  await engagements.createIndex({ clientId: 1, name: 1 }, { unique: true, name: 'clientId_name_unique' })
  await engagements.createIndex({ clientId: 1, createdAt: 1, _id: 1 }, { name: 'clientId_createdAt' })

  await defineCollection(db, 'interactions', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'engagementId', 'interactionDate', 'topics', 'topicSource', 'custom', 'contentKey', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      engagementId: { bsonType: 'objectId' },
      customerId: integerId,
      agentName: { bsonType: 'string', minLength: 1, maxLength: 200 },
      userId: integerId,
      interactionDate: { bsonType: 'date' },
      sentiment: { bsonType: 'string', minLength: 1, maxLength: 50 },
      topics: { bsonType: 'array', items: { bsonType: 'string', minLength: 1, maxLength: 100 } },
      topicSource: { enum: ['explicit', 'calendar'] },
      custom: { bsonType: 'object', additionalProperties: sourceValue },
      contentKey: { bsonType: 'string', minLength: 64, maxLength: 64 },
      createdAt: { bsonType: 'date' }
    }
  })
  const interactions = db.collection('interactions')
  await interactions.createIndex({ clientId: 1, contentKey: 1 }, { unique: true, name: 'clientId_contentKey_unique' })
  await interactions.createIndex({ clientId: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_date' })
  await interactions.createIndex({ clientId: 1, customerId: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_customer_date' })
  await interactions.createIndex({ clientId: 1, engagementId: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_engagement_date' })
  await interactions.createIndex({ clientId: 1, agentName: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_agent_date' })
  await interactions.createIndex({ clientId: 1, sentiment: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_sentiment_date' })
  await interactions.createIndex({ clientId: 1, topics: 1, interactionDate: -1, _id: -1 }, { name: 'clientId_topics_date' })
  await interactions.createIndex({ clientId: 1, topicSource: 1, interactionDate: 1 }, { name: 'clientId_topicSource_date' })

  await defineCollection(db, 'customers', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'customerId', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      customerId: integerId,
      occupation: { bsonType: 'string', minLength: 1, maxLength: 200 },
      type: { bsonType: 'string', minLength: 1, maxLength: 100 },
      inferred: { enum: [true] },
      createdAt: { bsonType: 'date' }
    }
  })
  await db.collection('customers').createIndex({ clientId: 1, customerId: 1 }, { unique: true, name: 'clientId_customerId_unique' })

  await defineCollection(db, 'topics', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'month', 'product', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      month: { bsonType: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' },
      product: { bsonType: 'string', minLength: 1, maxLength: 100 },
      createdAt: { bsonType: 'date' }
    }
  })
  await db.collection('topics').createIndex({ clientId: 1, month: 1, product: 1 }, { unique: true, name: 'clientId_month_product_unique' })
  await db.collection('topics').createIndex({ clientId: 1, product: 1 }, { name: 'clientId_product' })
}

export async function down (db: Db): Promise<void> {
  for (const collection of ['topics', 'customers', 'interactions', 'engagements']) await db.collection(collection).drop()
}
