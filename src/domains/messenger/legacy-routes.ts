import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { creatingKeyId, messengerUser } from '../../plugins/identity.js'
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
      tags: ['seed contracts', 'messenger'],
      summary: 'Store a batch of messages in a chatroom (messenger seed contract)',
      description: 'Identity: a key bound to a user posts as that user (`sender_user_id` may be omitted; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name each sender (400 without). ' +
        'Every item is checked before any is stored: the text (1–1,000 characters, not only whitespace), the send time ' +
        '(Unix seconds, not in the future) and the sender (a user of the client and a member of the room). If any item fails, ' +
        'nothing is stored and the error names the item, e.g. `{"error": "data[1].sender_user_id: user 9 is not a member of chatroom 1"}` ' +
        '(items count from 0). The seed\'s other planned routes answer at its own paths in the same style (tagged seed contracts): ' +
        '`GET /chatrooms/<id>/messages[/<sender_user_id>]`, `GET|POST /chatrooms`, `GET /chatrooms/<id>`, `POST /chatrooms/invite`, ' +
        '`GET|POST /users` and `GET /users/<id>/chatrooms`.',
      params: LegacyChatroomParamsSchema,
      body: LegacyBatchBodySchema,
      response: {
        201: LegacyBatchResponseSchema, 400: LegacyErrorSchema, 403: LegacyErrorSchema, 404: LegacyErrorSchema, 409: LegacyErrorSchema, 422: LegacyErrorSchema
      }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const createdByKeyId = creatingKeyId(request)
    const messages = request.body.data.map((item, index) => ({
      senderId: messengerUser(request, `data[${index}].sender_user_id`, item.sender_user_id),
      text: item.message_str,
      sentAt: unixSecondsInstant(item.message_sent_ts, `data[${index}].message_sent_ts`),
      createdByKeyId
    }))
    const chatroomId = request.params.chatroom_id
    const room = await app.chatroomsRepository.findById(clientId, chatroomId)
    if (!room) throw app.httpErrors.notFound(`chatroom ${chatroomId} not found`)

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
