import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { LegacyErrorSchema } from '../../schemas/common.js'
import { chatroomService } from './chatroom-service.js'
import {
  LegacyBatchBodySchema, LegacyBatchResponseSchema, LegacyChatroomParamsSchema, legacyValidationError
} from './legacy-schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'
import { unixSecondsInstant } from '../../lib/dates.js'

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

/** The messenger seed's one finished route, answering exactly as it documents. */
const legacyMessengerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  app.post('/chatrooms/:chatroom_id/messages', {
    config: { auth: { role: 'agent' }, legacyErrors: true, idempotent: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: ['seed contracts'],
      summary: 'Store a batch of messages in a chatroom (messenger seed contract)',
      description: 'Every item is checked before any is stored: the text (1–1,000 characters, not only whitespace), the send time ' +
        '(Unix seconds, not in the future) and the sender (a user of the client and a member of the room). If any item fails, ' +
        'nothing is stored and the error names the item, e.g. `{"error": "data[1].sender_user_id: user 9 is not a member of chatroom 1"}` ' +
        '(items count from 0). The messenger seed\'s unfinished routes live in the canonical API: `GET /chatrooms` → `GET /api/v1/chatrooms`; ' +
        '`POST /chatrooms` → `POST /api/v1/chatrooms`; `GET /chatrooms/<id>` → `GET /api/v1/chatrooms/{chatroomId}`; ' +
        '`POST /chatrooms/invite` → `POST /api/v1/chatrooms/{chatroomId}/members`; `GET /chatrooms/<id>/messages` → ' +
        '`GET /api/v1/chatrooms/{chatroomId}/messages?userId=`; `GET /chatrooms/<id>/messages/<sender_user_id>` → the same with `&senderId=`; ' +
        '`GET /users/<id>/chatrooms` → `GET /api/v1/users/{userId}/chatrooms`; `GET|POST /users` → `GET|POST /api/v1/users`.',
      params: LegacyChatroomParamsSchema,
      body: LegacyBatchBodySchema,
      response: { 201: LegacyBatchResponseSchema, 400: LegacyErrorSchema, 404: LegacyErrorSchema, 409: LegacyErrorSchema, 422: LegacyErrorSchema }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const chatroomId = request.params.chatroom_id
    const room = await app.chatroomsRepository.findById(clientId, chatroomId)
    if (!room) throw app.httpErrors.notFound(`chatroom ${chatroomId} not found`)
    const messages = request.body.data.map((item, index) => ({
      senderId: item.sender_user_id, text: item.message_str, sentAt: unixSecondsInstant(item.message_sent_ts, `data[${index}].message_sent_ts`)
    }))

    const problem = await chatrooms.batchProblem(clientId, room, messages)
    if (problem) {
      const field = problem.field === 'sender' ? 'sender_user_id' : 'message_sent_ts'
      throw httpError(problem.statusCode, `data[${problem.index}].${field}: ${problem.message}`)
    }
    const docs = await chatrooms.store(clientId, room, messages, {
      ids: messages.map((_, index) => creationId(request, index)), resumed: request.idempotencyResumed
    })
    return reply.code(201).send({ data: docs.map((doc) => ({ message_id: doc.messageId })) })
  })
}

export default legacyMessengerRoutes
