import fp from 'fastify-plugin'
import { MongoBulkWriteError, ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Message } from './message-schemas.js'

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
}

export interface NewMessage { chatId: number, text: string, userId?: number, sentAt: Date, createdByKeyId: ObjectId }

/** Where a page of a chat's messages ended: messages are ordered by sentAt, then messageId. */
export interface MessagePosition { sentAt: Date, messageId: number }

export function toMessage (doc: MessageDocument): Message {
  return { id: doc.messageId, chatId: doc.chatId, text: doc.text, userId: doc.userId ?? null, sentAt: doc.sentAt.toISOString() }
}

function createMessagesRepository (db: Db, collection: Collection<MessageDocument>) {
  return {
    /** A new message of the client, with the next message id, not stored yet: its chat admits it first (admitMessage). */
    async prepare (clientId: ObjectId, message: NewMessage, _id = new ObjectId()): Promise<MessageDocument> {
      const messageId = await reserveIds(db, clientId, 'messages')
      const doc: MessageDocument = {
        _id, clientId, messageId, chatId: message.chatId, text: message.text, sentAt: message.sentAt, createdByKeyId: message.createdByKeyId
      }
      if (message.userId !== undefined) doc.userId = message.userId
      return doc
    },

    /** Stores an admitted message; when an earlier attempt (or the outbox sweep) stored it already, returns it as stored. */
    async store (doc: MessageDocument): Promise<MessageDocument> {
      return insertOnce(collection, doc)
    },

    /** Stores those of the admitted messages that are not stored yet (one read, one insert), before their events are logged. */
    async storeMissing (docs: MessageDocument[]): Promise<void> {
      if (docs.length === 0) return
      const stored = new Set((await collection.find({ _id: { $in: docs.map((doc) => doc._id) } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id.toHexString()))
      const missing = docs.filter((doc) => !stored.has(doc._id.toHexString()))
      if (missing.length === 0) return
      try {
        await collection.insertMany(missing, { ordered: false })
      } catch (error) {
        // Another writer (the request itself, or a sweep on another instance) stored some meanwhile: they are stored.
        if (!(error instanceof MongoBulkWriteError) || [error.writeErrors].flat().some((item) => Number(item.code) !== 11000)) throw error
      }
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
