import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertOnce } from '../../db/insert-once.js'
import { RECENT_WINDOW_MS, type DirectMessage } from './direct-messages-schemas.js'
import { outboxEntry } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'

export interface DirectMessageDocument {
  _id: ObjectId
  clientId: ObjectId
  senderId: number
  recipientId: number
  text: string
  sentAt: Date
  /** The API key that sent it (never shown in answers). */
  createdByKeyId: ObjectId
  /** The `direct-message` event, until it is in the event log. */
  outbox?: OutboxEntry[]
}

/** Where a page of recent messages ended: the next page holds the messages strictly older than it. */
export interface RecentPosition { sentAt: Date, id: ObjectId }

export interface RecentQuery {
  recipientId: number
  senderId?: number
  limit: number
  since?: Date
  after?: RecentPosition
}

export function toDirectMessage (doc: DirectMessageDocument): DirectMessage {
  return { id: doc._id.toHexString(), senderId: doc.senderId, recipientId: doc.recipientId, text: doc.text, sentAt: doc.sentAt.toISOString() }
}

/** The oldest instant a recent-message query may reach at `now`. */
export function recentWindowStart (now: Date): Date {
  return new Date(now.getTime() - RECENT_WINDOW_MS)
}

function createDirectMessagesRepository (collection: Collection<DirectMessageDocument>) {
  return {
    /**
     * Stores a message with the event it owes in its outbox (announce it next); an earlier attempt's message with the
     * same `_id` is returned as stored.
     */
    async send (
      clientId: ObjectId, message: { senderId: number, recipientId: number, text: string, createdByKeyId: ObjectId }, { sentAt = new Date(), _id = new ObjectId() } = {}
    ): Promise<DirectMessageDocument> {
      const outbox = [outboxEntry('direct-message', `direct-message:${_id.toHexString()}`)]
      return insertOnce(collection, { _id, clientId, ...message, sentAt, outbox })
    },

    /** A recipient's messages newest first, never older than the 30-day window before `now` nor than `since`. */
    async recent (clientId: ObjectId, query: RecentQuery, now = new Date()): Promise<DirectMessageDocument[]> {
      const windowStart = recentWindowStart(now)
      const from = query.since && query.since > windowStart ? query.since : windowStart
      const filter: Filter<DirectMessageDocument> = { clientId, recipientId: query.recipientId, sentAt: { $gte: from } }
      if (query.senderId !== undefined) filter.senderId = query.senderId
      if (query.after) {
        filter.$or = [
          { sentAt: { $lt: query.after.sentAt } },
          { sentAt: query.after.sentAt, _id: { $lt: query.after.id } }
        ]
      }
      return collection.find(filter).sort({ sentAt: -1, _id: -1 }).limit(query.limit).toArray()
    }
  }
}

export type DirectMessagesRepository = ReturnType<typeof createDirectMessagesRepository>

declare module 'fastify' {
  interface FastifyInstance {
    directMessagesRepository: DirectMessagesRepository
  }
}

export default fp(async function directMessagesRepositoryPlugin (app: FastifyInstance) {
  app.decorate('directMessagesRepository', createDirectMessagesRepository(app.mongo.db.collection<DirectMessageDocument>('directMessages')))
}, { name: 'direct-messages-repository', dependencies: ['mongo'] })
