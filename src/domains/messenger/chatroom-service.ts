import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { isMember, type ChatroomDocument } from './chatrooms-repository.js'
import type { ChatroomMessageDocument, NewChatroomMessage } from './chatroom-messages-repository.js'

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

/** The first problem of a batch of messages: which item, which field, and the status it answers. */
export interface BatchProblem {
  index: number
  field: 'sender' | 'sentAt'
  statusCode: 400 | 403 | 404
  message: string
}

export interface BatchItem { senderId: number, sentAt?: Date }

/** Rules shared by every chatroom route (the room must be the client's, only its members post or read) and posting. */
export function chatroomService (app: FastifyInstance) {
  return {
    async room (clientId: ObjectId, chatroomId: number): Promise<ChatroomDocument> {
      const room = await app.chatroomsRepository.findById(clientId, chatroomId)
      if (!room) throw app.httpErrors.notFound(`Chatroom ${chatroomId} not found`)
      return room
    },

    /** 404 for a user the client does not have, 403 for one who is not a member of the room. */
    async requireMember (clientId: ObjectId, room: ChatroomDocument, userId: number): Promise<void> {
      const problem = await this.batchProblem(clientId, room, [{ senderId: userId }])
      if (problem) throw httpError(problem.statusCode, problem.message.replace(/^user/, 'User'))
    },

    /** 404 naming every user id the client does not have. */
    async requireUsers (clientId: ObjectId, userIds: number[]): Promise<void> {
      const found = await app.usersRepository.findByIds(clientId, userIds)
      const missing = userIds.filter((userId) => !found.some((user) => user.userId === userId))
      if (missing.length === 1) throw app.httpErrors.notFound(`User ${missing[0]} not found`)
      if (missing.length > 1) throw app.httpErrors.notFound(`Users ${missing.join(', ')} not found`)
    },

    /** Checks every message of a batch before any is stored: senders exist and are members, no send time is in the future. */
    async batchProblem (clientId: ObjectId, room: ChatroomDocument, items: BatchItem[], now = new Date()): Promise<BatchProblem | null> {
      const senderIds = [...new Set(items.map((item) => item.senderId))]
      const known = new Set((await app.usersRepository.findByIds(clientId, senderIds)).map((user) => user.userId))
      for (const [index, item] of items.entries()) {
        if (!known.has(item.senderId)) return { index, field: 'sender', statusCode: 404, message: `user ${item.senderId} not found` }
        if (!isMember(room, item.senderId)) {
          return { index, field: 'sender', statusCode: 403, message: `user ${item.senderId} is not a member of chatroom ${room.chatroomId}` }
        }
        if (item.sentAt && item.sentAt > now) return { index, field: 'sentAt', statusCode: 400, message: `${item.sentAt.toISOString()} is in the future` }
      }
      return null
    },

    /**
     * Stores validated messages in one batch, then appends their events to the log (the room's streams read it).
     * `creation`: the messages' `_id`s and whether the attempt resumes a failed one (see insertBatch).
     */
    async store (
      clientId: ObjectId, room: ChatroomDocument, messages: NewChatroomMessage[], creation?: { ids: ObjectId[], resumed: boolean }
    ): Promise<ChatroomMessageDocument[]> {
      const docs = await app.chatroomMessagesRepository.insertBatch(clientId, room.chatroomId, messages, creation)
      await app.events.announce('chatroomMessages', docs)
      return docs
    }
  }
}
