import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { creatingKeyId, messengerUser } from '../../plugins/identity.js'
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
      description: 'Identity: a key bound to a user posts as that user (omit `senderId`; naming another user is 403); an integration key ' +
        'must have the admin role (agent and manager integration keys: 403) and name the sender in `senderId` (400 without). ' +
        'Stored with the server\'s time as `sentAt` and delivered at once to the room\'s open event streams. ' +
        'A sender who is not a member is refused with 403. Send an `Idempotency-Key` to make a retry safe.',
      params: ChatroomParamsSchema,
      body: PostChatroomMessageBodySchema,
      response: { 201: ChatroomMessageSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const senderId = messengerUser(request, 'senderId', request.body.senderId)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    await chatrooms.requireMember(clientId, room, senderId)
    const message = { senderId, text: request.body.text, sentAt: new Date(), createdByKeyId: creatingKeyId(request) }
    const [doc] = await chatrooms.store(clientId, room, [message], {
      ids: [creationId(request)], resumed: request.idempotencyResumed
    })
    return reply.code(201).send(toChatroomMessage(doc))
  })

  app.get('/api/v1/chatrooms/:chatroomId/messages', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List a chatroom\'s messages, read by a member (userId), optionally from one sender (senderId)',
      description: 'Identity: only members read a room. A key bound to a user reads as that user (omit `userId`; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name the reading member in `userId` (400 without). ' +
        'A reader who is not a member gets 403. Messages in the order they were stored (`order=desc`: newest first), a page at a time.',
      params: ChatroomParamsSchema,
      querystring: ListChatroomMessagesQuerySchema,
      response: { 200: Page(ChatroomMessageSchema), ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const reader = messengerUser(request, 'userId', request.query.userId)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    const { senderId, order, limit, cursor } = request.query
    await chatrooms.requireMember(clientId, room, reader)
    const afterId = cursor ? decodeCursor<{ messageId: number }>(cursor, ['messageId']).messageId : undefined
    const docs = await app.chatroomMessagesRepository.list(clientId, room.chatroomId, { limit: limit + 1, order, senderId, afterId })
    return pageOf(docs, limit, toChatroomMessage, (last) => ({ messageId: last.messageId }))
  })
}

export default chatroomMessagesRoutes
