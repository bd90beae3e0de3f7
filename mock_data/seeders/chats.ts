import type { Db, ObjectId } from 'mongodb'
import { advanceSequence } from '../../src/db/sequences.js'
import type { Seeder } from './types.js'
import { demoKey, demoKeyId, demoUserKey } from '../demo-clients.js'
import { demoUsers } from './users.js'

/** The agent-chat seed's chats and messages (client acme); times are UTC, microseconds truncated to milliseconds. */
export const demoChats = [
  { chatId: 1, created: '2020-09-29T08:55:20.540Z', customerName: 'John', userId: 1, handleStart: '2020-09-29T09:00:20.540Z', handleEnd: '2020-09-29T09:05:20.540Z' },
  { chatId: 2, created: '2020-09-29T09:00:20.540Z', customerName: 'Jane', userId: 1, handleStart: '2020-09-29T09:02:20.540Z' },
  { chatId: 3, created: '2020-09-29T09:00:20.540Z', customerName: 'Jerry', userId: 3, handleStart: '2020-09-29T09:02:20.540Z', handleEnd: '2020-09-29T09:05:20.540Z' },
  { chatId: 4, created: '2020-09-29T08:40:20.540Z', customerName: 'Jacintha', userId: 3, handleStart: '2020-09-29T08:44:20.540Z', handleEnd: '2020-09-29T08:54:20.540Z' },
  { chatId: 5, created: '2020-09-29T08:55:20.540Z', customerName: 'Julia' },
  { chatId: 6, created: '2020-09-29T08:50:20.540Z', customerName: 'Joseph' }
] as const

export const demoMessages = [
  { messageId: 1, chatId: 1, text: 'Hello, I need to cancel my reservation.', sentAt: '2020-09-29T09:00:20.540Z' },
  { messageId: 2, chatId: 1, text: 'I can do that.', userId: 1, sentAt: '2020-09-29T09:01:20.540Z' },
  { messageId: 3, chatId: 1, text: 'That has been cancelled.', userId: 1, sentAt: '2020-09-29T09:02:20.540Z' },
  { messageId: 4, chatId: 1, text: 'Sound, thanks.', sentAt: '2020-09-29T09:04:20.540Z' },
  { messageId: 5, chatId: 2, text: 'Your website is giving me an error.', sentAt: '2020-09-29T09:02:20.540Z' },
  { messageId: 6, chatId: 2, text: 'Sorry to hear that, what is the error?', userId: 1, sentAt: '2020-09-29T09:04:20.540Z' },
  { messageId: 7, chatId: 3, text: 'What are your opening hours?.', sentAt: '2020-09-29T09:02:20.540Z' },
  { messageId: 8, chatId: 3, text: 'Monday to Friday, 9am to 6pm.', userId: 3, sentAt: '2020-09-29T09:04:20.540Z' },
  { messageId: 9, chatId: 3, text: 'Thanks.', sentAt: '2020-09-29T09:04:20.540Z' },
  { messageId: 10, chatId: 4, text: 'I\'d like to make a complaint.', sentAt: '2020-09-29T08:44:20.540Z' },
  { messageId: 11, chatId: 4, text: 'Please fill out a complaint form.', userId: 3, sentAt: '2020-09-29T08:46:20.540Z' },
  { messageId: 12, chatId: 4, text: 'You can find it on our website.', userId: 3, sentAt: '2020-09-29T08:53:20.540Z' },
  { messageId: 13, chatId: 4, text: 'OK I\'ll do that.', sentAt: '2020-09-29T09:01:20.540Z' }
] as const

function chatDocument (clientId: ObjectId, chat: typeof demoChats[number]) {
  const handleStart = 'handleStart' in chat ? new Date(chat.handleStart) : undefined
  const handleEnd = 'handleEnd' in chat ? new Date(chat.handleEnd) : undefined
  return {
    clientId,
    chatId: chat.chatId,
    customerName: chat.customerName,
    state: handleEnd ? 'closed' : handleStart ? 'open' : 'queued',
    created: new Date(chat.created),
    ...('userId' in chat ? { userId: chat.userId } : {}),
    ...(handleStart ? { handleStart } : {}),
    ...(handleEnd ? { handleEnd } : {})
  }
}

function messageDocument (clientId: ObjectId, message: typeof demoMessages[number], createdByKeyId: ObjectId) {
  return {
    clientId,
    chatId: message.chatId,
    messageId: message.messageId,
    text: message.text,
    ...('userId' in message ? { userId: message.userId } : {}),
    sentAt: new Date(message.sentAt),
    createdByKeyId
  }
}

/** Who wrote each demo message: an agent's message by that agent's bound key, the customer's by the agent integration key (the chat widget). */
async function authorKeyIds (db: Db, clientId: ObjectId): Promise<{ customer: ObjectId, agents: Map<number, ObjectId> }> {
  const agents = new Map<number, ObjectId>()
  for (const user of demoUsers.acme) agents.set(user.userId, await demoKeyId(db, clientId, demoUserKey('acme', user)))
  return { customer: await demoKeyId(db, clientId, demoKey('acme', 'agent')), agents }
}

async function seedChats (db: Db, clientId: ObjectId): Promise<void> {
  for (const chat of demoChats) {
    await db.collection('chats').updateOne(
      { clientId, chatId: chat.chatId },
      { $setOnInsert: chatDocument(clientId, chat) },
      { upsert: true }
    )
  }
  const authors = await authorKeyIds(db, clientId)
  for (const message of demoMessages) {
    const keyId = 'userId' in message ? authors.agents.get(message.userId) as ObjectId : authors.customer
    await db.collection('messages').updateOne(
      { clientId, messageId: message.messageId },
      { $setOnInsert: messageDocument(clientId, message, keyId) },
      { upsert: true }
    )
  }
  await advanceSequence(db, clientId, 'chats', Math.max(...demoChats.map((chat) => chat.chatId)))
  await advanceSequence(db, clientId, 'messages', Math.max(...demoMessages.map((message) => message.messageId)))
}

export const chatsSeeder: Seeder = {
  name: 'chats and messages',
  async seed ({ db, clients }) {
    await seedChats(db, clients.acme)
  }
}
