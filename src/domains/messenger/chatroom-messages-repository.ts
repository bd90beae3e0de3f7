import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import type { ChatroomMessage } from './chatrooms-schemas.js'
import { outboxEntry } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'

export interface ChatroomMessageDocument {
  _id: ObjectId
  clientId: ObjectId
  chatroomId: number
  messageId: number
  senderId: number
  text: string
  sentAt: Date
  createdAt: Date
  /** The API key that posted it (never shown in answers). */
  createdByKeyId: ObjectId
  /** The `chatroom-message` event, until it is in the event log. */
  outbox?: OutboxEntry[]
}

export interface NewChatroomMessage { senderId: number, text: string, sentAt: Date, createdByKeyId: ObjectId }

export function toChatroomMessage (doc: ChatroomMessageDocument): ChatroomMessage {
  return { id: doc.messageId, chatroomId: doc.chatroomId, senderId: doc.senderId, text: doc.text, sentAt: doc.sentAt.toISOString() }
}

function createChatroomMessagesRepository (db: Db, collection: Collection<ChatroomMessageDocument>) {
  return {
    /**
     * Stores already validated messages with consecutive ids in one insertMany; if the database refuses any,
     * the ones it took are removed again, so a batch is stored whole or not at all. `ids` are the documents' `_id`s
     * (`creationId` of the request). When the attempt resumes one that failed (`resumed`), a batch that attempt stored
     * whole is returned as stored, and what it left behind when cut short is removed before the batch is stored anew.
     */
    async insertBatch (
      clientId: ObjectId, chatroomId: number, messages: NewChatroomMessage[],
      { ids = messages.map(() => new ObjectId()), resumed = false }: { ids?: ObjectId[], resumed?: boolean } = {}
    ): Promise<ChatroomMessageDocument[]> {
      if (resumed) {
        const earlier = await collection.find({ clientId, _id: { $in: ids } }).sort({ messageId: 1 }).toArray()
        if (earlier.length === messages.length) return earlier
        if (earlier.length > 0) await collection.deleteMany({ clientId, _id: { $in: ids } })
      }
      const firstId = await reserveIds(db, clientId, 'chatroomMessages', messages.length)
      const createdAt = new Date()
      const docs = messages.map((message, index): ChatroomMessageDocument =>
        ({
          _id: ids[index] as ObjectId, clientId, chatroomId, messageId: firstId + index, ...message, createdAt,
          outbox: [outboxEntry('chatroom-message', `chatroom-message:${firstId + index}`)]
        }))
      try {
        await collection.insertMany(docs, { ordered: true })
      } catch (error) {
        await collection.deleteMany({ clientId, _id: { $in: docs.map((doc) => doc._id) } })
        throw error
      }
      return docs
    },

    /** A room's messages in the order they were stored (or the reverse), after the message `afterId`. */
    async list (clientId: ObjectId, chatroomId: number, query: { limit: number, order: 'asc' | 'desc', senderId?: number, afterId?: number }): Promise<ChatroomMessageDocument[]> {
      const filter: Filter<ChatroomMessageDocument> = { clientId, chatroomId }
      if (query.senderId !== undefined) filter.senderId = query.senderId
      if (query.afterId !== undefined) filter.messageId = query.order === 'asc' ? { $gt: query.afterId } : { $lt: query.afterId }
      return collection.find(filter).sort({ messageId: query.order === 'asc' ? 1 : -1 }).limit(query.limit).toArray()
    }
  }
}

export type ChatroomMessagesRepository = ReturnType<typeof createChatroomMessagesRepository>

declare module 'fastify' {
  interface FastifyInstance {
    chatroomMessagesRepository: ChatroomMessagesRepository
  }
}

export default fp(async function chatroomMessagesRepositoryPlugin (app: FastifyInstance) {
  app.decorate('chatroomMessagesRepository', createChatroomMessagesRepository(app.mongo.db, app.mongo.db.collection<ChatroomMessageDocument>('chatroomMessages')))
}, { name: 'chatroom-messages-repository', dependencies: ['mongo'] })
