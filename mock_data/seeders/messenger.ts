import type { Db, ObjectId } from 'mongodb'
import { advanceSequence } from '../../src/db/sequences.js'
import type { Seeder } from './types.js'
import { demoKeyId, demoUserKey } from '../demo-clients.js'
import { demoUsers } from './users.js'

/** The messenger seed's example setup (client guild): "my chatroom" with aaron, betty and carol, and its five messages. */
export const demoChatroom = {
  chatroomId: 1,
  name: 'my chatroom',
  createdBy: 1,
  memberIds: [1, 2, 3],
  createdAt: new Date('2021-01-10T13:01:10Z')
}

export const demoChatroomMessages = [
  { messageId: 1, senderId: 1, text: 'hello' },
  { messageId: 2, senderId: 2, text: 'hi. how are you?' },
  { messageId: 3, senderId: 1, text: 'im well' },
  { messageId: 4, senderId: 1, text: 'how r u?' },
  { messageId: 5, senderId: 2, text: 'great!' }
]

async function seedChatroom (db: Db, clientId: ObjectId): Promise<void> {
  const { chatroomId, ...room } = demoChatroom
  await db.collection('chatrooms').updateOne(
    { clientId, chatroomId },
    { $setOnInsert: { clientId, chatroomId, ...room } },
    { upsert: true }
  )
  await advanceSequence(db, clientId, 'chatrooms', chatroomId)

  for (const message of demoChatroomMessages) {
    const sender = demoUsers.guild.find((user) => user.userId === message.senderId) as typeof demoUsers.guild[number]
    const createdByKeyId = await demoKeyId(db, clientId, demoUserKey('guild', sender))
    await db.collection('chatroomMessages').updateOne(
      { clientId, messageId: message.messageId },
      { $setOnInsert: { clientId, chatroomId, ...message, sentAt: room.createdAt, createdAt: room.createdAt, createdByKeyId } },
      { upsert: true }
    )
  }
  await advanceSequence(db, clientId, 'chatroomMessages', demoChatroomMessages.length)
}

export const messengerSeeder: Seeder = {
  name: 'messenger',
  async seed ({ db, clients }) {
    await seedChatroom(db, clients.guild)
  }
}
