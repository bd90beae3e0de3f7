import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '005-chats'

/** Live chats between a customer and an agent, and the messages written in them. */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'chats', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'chatId', 'customerName', 'state', 'created'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      chatId: { bsonType: ['int', 'long'], minimum: 1 },
      customerName: { bsonType: 'string', minLength: 1, maxLength: 200 },
      state: { enum: ['queued', 'open', 'closed'] },
      userId: { bsonType: ['int', 'long'], minimum: 1 },
      created: { bsonType: 'date' },
      handleStart: { bsonType: 'date' },
      handleEnd: { bsonType: 'date' }
    }
  })
  const chats = db.collection('chats')
  await chats.createIndex({ clientId: 1, chatId: 1 }, { unique: true, name: 'clientId_chatId_unique' })
  await chats.createIndex({ clientId: 1, state: 1, chatId: 1 }, { name: 'clientId_state_chatId' })
  await chats.createIndex({ clientId: 1, userId: 1, chatId: 1 }, { name: 'clientId_userId_chatId' })
  await chats.createIndex({ clientId: 1, userId: 1, handleStart: 1 }, { name: 'clientId_userId_handleStart' })

  await defineCollection(db, 'messages', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'chatId', 'messageId', 'text', 'sentAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      chatId: { bsonType: ['int', 'long'], minimum: 1 },
      messageId: { bsonType: ['int', 'long'], minimum: 1 },
      text: { bsonType: 'string', minLength: 1, maxLength: 5000 },
      userId: { bsonType: ['int', 'long'], minimum: 1 },
      sentAt: { bsonType: 'date' }
    }
  })
  const messages = db.collection('messages')
  await messages.createIndex({ clientId: 1, messageId: 1 }, { unique: true, name: 'clientId_messageId_unique' })
  await messages.createIndex({ clientId: 1, chatId: 1, sentAt: 1, messageId: 1 }, { name: 'clientId_chatId_sentAt_messageId' })
  await messages.createIndex({ clientId: 1, userId: 1, sentAt: 1 }, { name: 'clientId_userId_sentAt' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('messages').drop()
  await db.collection('chats').drop()
}
