import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '006-messenger'

const userId = { bsonType: ['int', 'long'], minimum: 1 }
const messageText = { bsonType: 'string', minLength: 1, maxLength: 1000 }

/** Direct messages between users, chatrooms with their members, and the messages posted into them. */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'directMessages', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'senderId', 'recipientId', 'text', 'sentAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      senderId: userId,
      recipientId: userId,
      text: messageText,
      sentAt: { bsonType: 'date' }
    }
  })
  const directMessages = db.collection('directMessages')
  await directMessages.createIndex({ clientId: 1, recipientId: 1, sentAt: -1, _id: -1 }, { name: 'recipient_recent' })
  await directMessages.createIndex({ clientId: 1, recipientId: 1, senderId: 1, sentAt: -1, _id: -1 }, { name: 'recipient_sender_recent' })
  await directMessages.createIndex({ clientId: 1, recipientId: 1, _id: 1 }, { name: 'recipient_stream' })

  await defineCollection(db, 'chatrooms', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'chatroomId', 'name', 'createdBy', 'memberIds', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      chatroomId: { bsonType: ['int', 'long'], minimum: 1 },
      name: { bsonType: 'string', minLength: 1, maxLength: 100 },
      createdBy: userId,
      memberIds: { bsonType: 'array', maxItems: 1000, items: userId },
      createdAt: { bsonType: 'date' }
    }
  })
  const chatrooms = db.collection('chatrooms')
  await chatrooms.createIndex({ clientId: 1, chatroomId: 1 }, { unique: true, name: 'clientId_chatroomId_unique' })
  await chatrooms.createIndex({ clientId: 1, memberIds: 1, chatroomId: 1 }, { name: 'member_chatrooms' })

  await defineCollection(db, 'chatroomMessages', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'chatroomId', 'messageId', 'senderId', 'text', 'sentAt', 'createdAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      chatroomId: { bsonType: ['int', 'long'], minimum: 1 },
      messageId: { bsonType: ['int', 'long'], minimum: 1 },
      senderId: userId,
      text: messageText,
      sentAt: { bsonType: 'date' },
      createdAt: { bsonType: 'date' }
    }
  })
  const chatroomMessages = db.collection('chatroomMessages')
  await chatroomMessages.createIndex({ clientId: 1, messageId: 1 }, { unique: true, name: 'clientId_messageId_unique' })
  await chatroomMessages.createIndex({ clientId: 1, chatroomId: 1, messageId: 1 }, { name: 'chatroom_messages' })
  await chatroomMessages.createIndex({ clientId: 1, chatroomId: 1, senderId: 1, messageId: 1 }, { name: 'chatroom_sender_messages' })
  await chatroomMessages.createIndex({ clientId: 1, chatroomId: 1, _id: 1 }, { name: 'chatroom_stream' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('chatroomMessages').drop()
  await db.collection('chatrooms').drop()
  await db.collection('directMessages').drop()
}
