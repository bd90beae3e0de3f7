import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { chatroomService } from './chatroom-service.js'
import type { ChatroomDocument } from './chatrooms-repository.js'

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

/** The chatroom rules of the messenger seed's routes, with errors worded as its batch route words them. */
export function legacyRules (app: FastifyInstance) {
  const chatrooms = chatroomService(app)
  return {
    /** 404 for a room the client does not have (another client's too). */
    async room (clientId: ObjectId, chatroomId: number): Promise<ChatroomDocument> {
      const room = await app.chatroomsRepository.findById(clientId, chatroomId)
      if (!room) throw httpError(404, `chatroom ${chatroomId} not found`)
      return room
    },

    /** 404 for a user the client does not have, 403 for one who is not a member of the room. */
    async requireMember (clientId: ObjectId, room: ChatroomDocument, userId: number): Promise<void> {
      const problem = await chatrooms.batchProblem(clientId, room, [{ senderId: userId }])
      if (problem) throw httpError(problem.statusCode, problem.message)
    },

    /**
     * 404 for the first user the client does not have: `user 9 not found` for the user a path names, and naming the
     * field for one a body lists, e.g. `member_user_ids[1]: user 9 not found`.
     */
    async requireUsers (clientId: ObjectId, users: { field?: string, userId: number }[]): Promise<void> {
      const found = new Set((await app.usersRepository.findByIds(clientId, users.map((user) => user.userId))).map((user) => user.userId))
      const missing = users.find((user) => !found.has(user.userId))
      if (missing) throw httpError(404, `${missing.field ? `${missing.field}: ` : ''}user ${missing.userId} not found`)
    }
  }
}
