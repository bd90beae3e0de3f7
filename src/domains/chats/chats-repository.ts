import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Chat, ChatState } from './schemas.js'
import { outboxEntry, withOutbox } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'

export interface ChatDocument {
  _id: ObjectId
  clientId: ObjectId
  chatId: number
  customerName: string
  state: ChatState
  userId?: number
  created: Date
  handleStart?: Date
  handleEnd?: Date
  /** Events of the chat's changes, until they are in the event log (see src/domains/chats/events.ts). */
  outbox?: OutboxEntry[]
}

export function toChat (doc: ChatDocument): Chat {
  return {
    id: doc.chatId,
    customerName: doc.customerName,
    state: doc.state,
    userId: doc.userId ?? null,
    createdAt: doc.created.toISOString(),
    handleStart: doc.handleStart?.toISOString() ?? null,
    handleEnd: doc.handleEnd?.toISOString() ?? null
  }
}

export interface ChatListFilter { limit: number, afterChatId?: number, state?: ChatState, userId?: number }

/** The outbox entry of an assignment: the agents are facts, since the chat may change hands again before it is announced. */
function assignment (chatId: number, userId: number, previousUserId: number | null): OutboxEntry {
  return outboxEntry('chat-assigned', `chat-assigned:${chatId}:${new ObjectId().toHexString()}`, { userId, previousUserId })
}

/** Every state change is one conditional update, so two concurrent transitions can never both win. */
function createChatsRepository (db: Db, collection: Collection<ChatDocument>) {
  return {
    /** Opens a queued chat with the next id of the client; an earlier attempt's chat with the same `_id` is returned as stored. */
    async create (clientId: ObjectId, customerName: string, { created = new Date(), _id = new ObjectId() } = {}): Promise<ChatDocument> {
      const chatId = await reserveIds(db, clientId, 'chats')
      const outbox = [outboxEntry('chat-queued', `chat-queued:${chatId}`)]
      return insertOnce(collection, { _id, clientId, chatId, customerName, state: 'queued', created, outbox })
    },

    async findById (clientId: ObjectId, chatId: number): Promise<ChatDocument | null> {
      return collection.findOne({ clientId, chatId })
    },

    /** Queued → open: the agent starts handling the chat now. Null when the chat is not queued. */
    async assignQueued (clientId: ObjectId, chatId: number, userId: number, at: Date): Promise<ChatDocument | null> {
      return collection.findOneAndUpdate(
        { clientId, chatId, state: 'queued' },
        withOutbox({ $set: { state: 'open', userId, handleStart: at } }, [assignment(chatId, userId, null)]),
        { returnDocument: 'after' }
      )
    },

    /** Open → open with another agent; the handle start stays. Null unless the chat is open with agent `fromUserId`. */
    async reassignOpen (clientId: ObjectId, chatId: number, fromUserId: number | undefined, userId: number): Promise<ChatDocument | null> {
      return collection.findOneAndUpdate(
        { clientId, chatId, state: 'open', userId: fromUserId },
        withOutbox({ $set: { userId } }, [assignment(chatId, userId, fromUserId ?? null)]),
        { returnDocument: 'after' }
      )
    },

    /** Open → closed: the handle ends now. Null when the chat is not open. */
    async close (clientId: ObjectId, chatId: number, at: Date): Promise<ChatDocument | null> {
      return collection.findOneAndUpdate(
        { clientId, chatId, state: 'open', handleStart: { $lte: at } },
        withOutbox({ $set: { state: 'closed', handleEnd: at } }, [outboxEntry('chat-closed', `chat-closed:${chatId}`)]),
        { returnDocument: 'after' }
      )
    },

    /** Chats in id order, after `afterChatId` when given, optionally of one state and one agent. */
    async list (clientId: ObjectId, { limit, afterChatId, state, userId }: ChatListFilter): Promise<ChatDocument[]> {
      const filter: Filter<ChatDocument> = { clientId }
      if (state) filter.state = state
      if (userId !== undefined) filter.userId = userId
      if (afterChatId !== undefined) filter.chatId = { $gt: afterChatId }
      return collection.find(filter).sort({ chatId: 1 }).limit(limit).toArray()
    }
  }
}

export type ChatsRepository = ReturnType<typeof createChatsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    chatsRepository: ChatsRepository
  }
}

export default fp(async function chatsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('chatsRepository', createChatsRepository(app.mongo.db, app.mongo.db.collection<ChatDocument>('chats')))
}, { name: 'chats-repository', dependencies: ['mongo'] })
