import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { findFirst } from '../../db/find-one.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Chat, ChatState } from './schemas.js'
import { OUTBOX_HAS_MESSAGE_ROOM, outboxEntry, withOutbox } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'
import type { MessageDocument } from './messages-repository.js'

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
  /** The latest send time of the chat's messages, kept by `admitMessage` so that a close never ends the chat before it. */
  lastMessageAt?: Date
  /**
   * Events of the chat's changes and of the messages it admitted, until they are in the event log (see
   * src/domains/chats/events.ts). A `chat-message` entry holds its whole message (`facts`, an AdmittedMessage).
   */
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

/** What a chat's `chat-message` outbox entry keeps: the message it admitted and the agent the chat had then. */
export interface AdmittedMessage { message: MessageDocument, agentId?: number }

/** The key of a message's event (and of its entry in its chat's outbox), by the message's `_id`. */
export function chatMessageKey (messageDocId: ObjectId): string {
  return `chat-message:${messageDocId.toHexString()}`
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
      return findFirst<ChatDocument>(db, collection.collectionName, { clientId, chatId })
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

    /**
     * Admits a message into the chat, as one conditional update of the chat that also records the message whole in the
     * chat's outbox (its `chat-message` entry): the customer's (`message.userId` undefined) while the chat is not closed,
     * an agent's while the chat is open with that agent, and either only while the chat's agent is still `agentId` (the
     * agent the message reaches). Null when the chat is no longer so, or its outbox has no room for a message (some is
     * kept for the chat's own changes). Once admitted, the message is committed: it is stored next, and should that not
     * happen, storing it is the first thing its announcement does. A close that comes after sees its send time in
     * `lastMessageAt` and ends the chat no earlier, and its `chat-closed` entry follows the message's in the outbox, so
     * the log has the message before the close.
     */
    async admitMessage (message: MessageDocument, agentId: number | undefined): Promise<ChatDocument | null> {
      const { clientId, chatId } = message
      const state = message.userId === undefined ? { $in: ['queued', 'open'] as ChatState[] } : 'open' as const
      const facts: AdmittedMessage = { message, ...(agentId === undefined ? {} : { agentId }) }
      return collection.findOneAndUpdate(
        { clientId, chatId, state, userId: agentId ?? { $exists: false }, ...OUTBOX_HAS_MESSAGE_ROOM },
        withOutbox<ChatDocument>({ $max: { lastMessageAt: message.sentAt } }, [outboxEntry('chat-message', chatMessageKey(message._id), facts)]),
        { returnDocument: 'after' }
      )
    },

    /** The message a chat admitted under `_id` and still holds in its outbox (not announced yet), if any. */
    async admitted (clientId: ObjectId, chatId: number, _id: ObjectId): Promise<MessageDocument | null> {
      const chat = await collection.findOne({ clientId, chatId, 'outbox.key': chatMessageKey(_id) })
      const entry = chat?.outbox?.find((item) => item.key === chatMessageKey(_id))
      return (entry?.facts as AdmittedMessage | undefined)?.message ?? null
    },

    /**
     * Open → closed: the handle ends at `at`, or at the latest message's send time when that is later (a send time may be
     * up to a minute ahead of the clock), so no message is ever dated after the end. `agentId`: only if the chat is that agent's.
     * Null when the chat is not open (or not `agentId`'s).
     */
    async close (clientId: ObjectId, chatId: number, at: Date, agentId?: number): Promise<ChatDocument | null> {
      return collection.findOneAndUpdate(
        { clientId, chatId, state: 'open', handleStart: { $lte: at }, ...(agentId === undefined ? {} : { userId: agentId }) },
        withOutbox([{ $set: { state: 'closed', handleEnd: { $max: [at, { $ifNull: ['$lastMessageAt', at] }] } } }], [outboxEntry('chat-closed', `chat-closed:${chatId}`)]),
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
