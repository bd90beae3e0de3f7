import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Message } from './message-schemas.js'
import { outboxEntry } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'

export interface MessageDocument {
  _id: ObjectId
  clientId: ObjectId
  chatId: number
  messageId: number
  text: string
  /** Absent: written by the customer. */
  userId?: number
  sentAt: Date
  /** The API key that wrote it (never shown in answers). */
  createdByKeyId: ObjectId
  /** The `chat-message` event, until it is in the event log. */
  outbox?: OutboxEntry[]
}

export interface NewMessage { chatId: number, text: string, userId?: number, sentAt: Date, createdByKeyId: ObjectId }

/** Where a page of a chat's messages ended: messages are ordered by sentAt, then messageId. */
export interface MessagePosition { sentAt: Date, messageId: number }

export function toMessage (doc: MessageDocument): Message {
  return { id: doc.messageId, chatId: doc.chatId, text: doc.text, userId: doc.userId ?? null, sentAt: doc.sentAt.toISOString() }
}

function createMessagesRepository (db: Db, collection: Collection<MessageDocument>) {
  return {
    /**
     * Stores a message with the next id of the client; an earlier attempt's message with the same `_id` is returned as stored.
     * `agentId`: the chat's agent when the message is written, whose chat stream it reaches.
     */
    async create (clientId: ObjectId, message: NewMessage, _id = new ObjectId(), agentId?: number): Promise<MessageDocument> {
      const messageId = await reserveIds(db, clientId, 'messages')
      const outbox = [outboxEntry('chat-message', `chat-message:${_id.toHexString()}`, agentId === undefined ? undefined : { agentId })]
      const doc: MessageDocument = {
        _id, clientId, messageId, chatId: message.chatId, text: message.text, sentAt: message.sentAt, createdByKeyId: message.createdByKeyId, outbox
      }
      if (message.userId !== undefined) doc.userId = message.userId
      return insertOnce(collection, doc)
    },

    /** The message of `chatId` stored with `_id` (by an earlier attempt of the same idempotent request), if any. */
    async findCreated (clientId: ObjectId, chatId: number, _id: ObjectId): Promise<MessageDocument | null> {
      return collection.findOne({ _id, clientId, chatId })
    },

    /** A chat's messages in the order they were sent (ties by id), after `after` when given. */
    async listByChat (clientId: ObjectId, chatId: number, { limit, after }: { limit: number, after?: MessagePosition }): Promise<MessageDocument[]> {
      const filter: Filter<MessageDocument> = { clientId, chatId }
      if (after) {
        filter.$or = [
          { sentAt: { $gt: after.sentAt } },
          { sentAt: after.sentAt, messageId: { $gt: after.messageId } }
        ]
      }
      return collection.find(filter).sort({ sentAt: 1, messageId: 1 }).limit(limit).toArray()
    }
  }
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>

declare module 'fastify' {
  interface FastifyInstance {
    messagesRepository: MessagesRepository
  }
}

export default fp(async function messagesRepositoryPlugin (app: FastifyInstance) {
  app.decorate('messagesRepository', createMessagesRepository(app.mongo.db, app.mongo.db.collection<MessageDocument>('messages')))
}, { name: 'messages-repository', dependencies: ['mongo'] })
