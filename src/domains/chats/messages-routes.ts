import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { chatAuthor, creatingKeyId } from '../../plugins/identity.js'
import { LegacyErrorSchema, Page, errorResponses } from '../../schemas/common.js'
import { pageOf } from '../../lib/cursor.js'
import { decodeMessagePosition } from './cursors.js'
import { toMessage } from './messages-repository.js'
import { postMessage } from './post-message.js'
import {
  LegacyChatParamsSchema, LegacyMessageSchema, LegacyPostMessageBodySchema, ListMessagesQuerySchema, MAX_MESSAGE_LENGTH,
  MessageSchema, PostMessageBodySchema
} from './message-schemas.js'
import { ChatParamsSchema } from './schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

const IDENTITY = 'Identity: a key bound to a user writes as that user, always as the agent: naming another user is 403, and an omitted ' +
  'user means the key\'s own user (a bound key never writes as the customer). An integration key (bound to no user) names the agent, or omits ' +
  'the user for the customer\'s message.'

const RULES = `Rejected with nothing stored: text empty, only whitespace or over ${MAX_MESSAGE_LENGTH} characters, or unknown fields (400); ` +
  'unknown chat (404); a closed chat, an agent writing in a queued chat or a user other than the chat\'s agent (409); ' +
  'an unknown user, or a send time more than 60 s in the future, before the chat was created or (for the agent) before its handling started (422). ' +
  'Send an Idempotency-Key header to make retries safe.'

/** Messages of a chat: the seed contract's robust `POST /chats/{chat_id}/messages` and its canonical twins. */
const messagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/chats/:chat_id/messages', {
    config: { auth: { role: 'agent' }, legacyErrors: true, idempotent: true },
    schema: {
      tags: ['seed contracts', 'chats'],
      summary: 'Add a message to a chat (agent-chat seed contract)',
      description: `${IDENTITY} With an integration key, omit user_id when the customer wrote the message. ${RULES}`,
      params: LegacyChatParamsSchema,
      body: LegacyPostMessageBodySchema,
      response: {
        201: LegacyMessageSchema, 400: LegacyErrorSchema, 403: LegacyErrorSchema, 404: LegacyErrorSchema, 409: LegacyErrorSchema, 422: LegacyErrorSchema
      }
    }
  }, async (request, reply) => {
    const { text, sent_at: sentAt } = request.body
    const input = { text, userId: chatAuthor(request, 'user_id', request.body.user_id), sentAt, createdByKeyId: creatingKeyId(request) }
    const doc = await postMessage(app, callerClientId(request), request.params.chat_id, input, 'sent_at', { _id: creationId(request), resumed: request.idempotencyResumed })
    const message = toMessage(doc)
    return reply.code(201).send({ message_id: message.id, chat_id: message.chatId, text: message.text, user_id: message.userId, sent_at: message.sentAt })
  })

  app.post('/api/v1/chats/:chatId/messages', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['chats'],
      summary: 'Add a message to a chat',
      description: `${IDENTITY} With an integration key, omit userId when the customer wrote the message. ${RULES}`,
      params: ChatParamsSchema,
      body: PostMessageBodySchema,
      response: { 201: MessageSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { text, sentAt } = request.body
    const input = { text, userId: chatAuthor(request, 'userId', request.body.userId), sentAt, createdByKeyId: creatingKeyId(request) }
    const doc = await postMessage(app, callerClientId(request), request.params.chatId, input, 'sentAt', { _id: creationId(request), resumed: request.idempotencyResumed })
    return reply.code(201).send(toMessage(doc))
  })

  app.get('/api/v1/chats/:chatId/messages', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats'],
      summary: 'List a chat\'s messages in the order they were sent (then by id)',
      description: 'Identity: chats are the client\'s records, not a user\'s private data: any key of the client reads them.',
      params: ChatParamsSchema,
      querystring: ListMessagesQuerySchema,
      response: { 200: Page(MessageSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { chatId } = request.params
    const { limit, cursor } = request.query
    const after = cursor ? decodeMessagePosition(cursor) : undefined
    if (!await app.chatsRepository.findById(clientId, chatId)) throw app.httpErrors.notFound(`Chat ${chatId} not found`)
    const docs = await app.messagesRepository.listByChat(clientId, chatId, { limit: limit + 1, after })
    return pageOf(docs, limit, toMessage, (last) => ({ sentAt: last.sentAt, messageId: last.messageId }))
  })
}

export default messagesRoutes
