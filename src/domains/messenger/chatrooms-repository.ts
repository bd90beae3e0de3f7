import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Chatroom } from './chatrooms-schemas.js'

export interface ChatroomDocument {
  _id: ObjectId
  clientId: ObjectId
  chatroomId: number
  name: string
  createdBy: number
  memberIds: number[]
  createdAt: Date
}

export function toChatroom (doc: ChatroomDocument): Chatroom {
  return { id: doc.chatroomId, name: doc.name, createdBy: doc.createdBy, memberCount: doc.memberIds.length, createdAt: doc.createdAt.toISOString() }
}

export function isMember (room: ChatroomDocument, userId: number): boolean {
  return room.memberIds.includes(userId)
}

function createChatroomsRepository (db: Db, collection: Collection<ChatroomDocument>) {
  return {
    /** Stores a room with the next id of the client; an earlier attempt's room with the same `_id` is returned as stored. */
    async create (clientId: ObjectId, room: { name: string, createdBy: number, memberIds: number[] }, _id = new ObjectId()): Promise<ChatroomDocument> {
      const chatroomId = await reserveIds(db, clientId, 'chatrooms')
      return insertOnce(collection, { _id, clientId, chatroomId, ...room, createdAt: new Date() })
    },

    async findById (clientId: ObjectId, chatroomId: number): Promise<ChatroomDocument | null> {
      return collection.findOne({ clientId, chatroomId })
    },

    /** The client's chatrooms in id order (only those `memberId` belongs to, when given), after `afterId`. */
    async list (clientId: ObjectId, { limit, afterId, memberId }: { limit: number, afterId?: number, memberId?: number }): Promise<ChatroomDocument[]> {
      const filter: Filter<ChatroomDocument> = { clientId }
      if (memberId !== undefined) filter.memberIds = memberId
      if (afterId !== undefined) filter.chatroomId = { $gt: afterId }
      return collection.find(filter).sort({ chatroomId: 1 }).limit(limit).toArray()
    },

    /**
     * Adds users to the room (those already in it stay once); returns the room as it is now. With `atMost`, only while
     * the room has at most that many members (null otherwise), so that racing invitations never overfill it.
     */
    async addMembers (clientId: ObjectId, chatroomId: number, userIds: number[], atMost?: number): Promise<ChatroomDocument | null> {
      const filter: Filter<ChatroomDocument> = { clientId, chatroomId }
      if (atMost !== undefined) filter[`memberIds.${atMost}`] = { $exists: false }
      return collection.findOneAndUpdate(
        filter,
        { $addToSet: { memberIds: { $each: userIds } } },
        { returnDocument: 'after' }
      )
    }
  }
}

export type ChatroomsRepository = ReturnType<typeof createChatroomsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    chatroomsRepository: ChatroomsRepository
  }
}

export default fp(async function chatroomsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('chatroomsRepository', createChatroomsRepository(app.mongo.db, app.mongo.db.collection<ChatroomDocument>('chatrooms')))
}, { name: 'chatrooms-repository', dependencies: ['mongo'] })
