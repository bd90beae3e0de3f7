import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { chatroomService } from './chatroom-service.js'
import { toChatroomMessage } from './chatroom-messages-repository.js'
import {
  ChatroomMessageSchema, ChatroomParamsSchema, ListChatroomMessagesQuerySchema, PostChatroomMessageBodySchema
} from './chatrooms-schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

/** Messages posted into a chatroom by its members. */
const chatroomMessagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  app.post('/api/v1/chatrooms/:chatroomId/messages', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['messenger'],
      summary: 'Post a message into a chatroom (the sender must be a member)',
      description: 'Stored with the server\'s time as `sentAt` and delivered at once to the room\'s open event streams. ' +
        'A sender who is not a member is refused with 403. Send an `Idempotency-Key` to make a retry safe.',
      params: ChatroomParamsSchema,
      body: PostChatroomMessageBodySchema,
      response: { 201: ChatroomMessageSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    const { senderId, text } = request.body
    await chatrooms.requireMember(clientId, room, senderId)
    const [doc] = await chatrooms.store(clientId, room, [{ senderId, text, sentAt: new Date() }], {
      ids: [creationId(request)], resumed: request.idempotencyResumed
    })
    return reply.code(201).send(toChatroomMessage(doc))
  })

  app.get('/api/v1/chatrooms/:chatroomId/messages', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List a chatroom\'s messages, read by a member (userId), optionally from one sender (senderId)',
      description: 'Messages in the order they were stored (`order=desc`: newest first), a page at a time. ' +
        '`userId` names the member reading: a user who is not a member gets 403.',
      params: ChatroomParamsSchema,
      querystring: ListChatroomMessagesQuerySchema,
      response: { 200: Page(ChatroomMessageSchema), ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    const { userId, senderId, order, limit, cursor } = request.query
    await chatrooms.requireMember(clientId, room, userId)
    const afterId = cursor ? decodeCursor<{ messageId: number }>(cursor, ['messageId']).messageId : undefined
    const docs = await app.chatroomMessagesRepository.list(clientId, room.chatroomId, { limit: limit + 1, order, senderId, afterId })
    return pageOf(docs, limit, toChatroomMessage, (last) => ({ messageId: last.messageId }))
  })
}

export default chatroomMessagesRoutes
