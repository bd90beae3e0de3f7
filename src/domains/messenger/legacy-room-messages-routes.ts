import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { callerClientId } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import {
  LegacyMessagePageSchema, LegacyRoomMessagesQuerySchema, LegacyRoomParamsSchema, LegacySenderParamsSchema, type LegacyRoomMessagesQuery
} from './legacy-chatrooms-schemas.js'
import { legacyAfter, legacyPageOf } from './legacy-paging.js'
import { toLegacyMessage } from './legacy-present.js'
import { legacyRules } from './legacy-rules.js'
import { legacyErrorResponses, legacyValidationError } from './legacy-schemas.js'

const TAGS = ['seed contracts', 'messenger']

const READ_RULE = 'Identity: only members read a room. A key bound to a user reads as that user (omit `user_id`; naming another user is 403); ' +
  'an integration key must have the admin role (agent and manager integration keys: 403) and name the reading member in `user_id` ' +
  '(400 without). A reader who is not a member gets 403; an unknown room, or another client\'s, is a 404. Messages in the seed\'s style ' +
  '(`message_id`, `chatroom_id`, `sender_user_id`, `message_str`, `message_sent_ts` in Unix seconds) in the order they were stored ' +
  '(`order=desc`: newest first), `limit` (1–100, default 20) at a time; pass `next_cursor` as `cursor` for the next page (null on the last).'

/** The messenger seed's planned routes that read a chatroom's messages, on the canonical chatroom-messages repository. */
const legacyRoomMessagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const rules = legacyRules(app)

  /** A page of the room's messages for a member, from one sender when given. */
  async function readRoom (request: FastifyRequest, chatroomId: number, query: LegacyRoomMessagesQuery, senderId?: number) {
    const clientId = callerClientId(request)
    const reader = messengerUser(request, 'user_id', query.user_id)
    const afterId = legacyAfter(query.cursor, 'messageId')
    const room = await rules.room(clientId, chatroomId)
    await rules.requireMember(clientId, room, reader)
    if (senderId !== undefined && senderId !== reader) await rules.requireUsers(clientId, [{ userId: senderId }])
    const docs = await app.chatroomMessagesRepository.list(clientId, chatroomId, { limit: query.limit + 1, order: query.order, senderId, afterId })
    return legacyPageOf(docs, query.limit, toLegacyMessage, (last) => ({ messageId: last.messageId }))
  }

  app.get('/chatrooms/:chatroom_id/messages', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get all messages in a particular chatroom (messenger seed)',
      description: `${READ_RULE} Twin of \`GET /api/v1/chatrooms/{chatroomId}/messages\`.`,
      params: LegacyRoomParamsSchema,
      querystring: LegacyRoomMessagesQuerySchema,
      response: { 200: LegacyMessagePageSchema, ...legacyErrorResponses(400, 403, 404) }
    }
  }, async (request) => readRoom(request, request.params.chatroom_id, request.query))

  app.get('/chatrooms/:chatroom_id/messages/:sender_user_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get all messages in a particular chatroom from a particular sender (messenger seed)',
      description: `${READ_RULE} An unknown sender is a 404; a sender with no message in the room gives an empty page. ` +
        'Twin of `GET /api/v1/chatrooms/{chatroomId}/messages?senderId=`.',
      params: LegacySenderParamsSchema,
      querystring: LegacyRoomMessagesQuerySchema,
      response: { 200: LegacyMessagePageSchema, ...legacyErrorResponses(400, 403, 404) }
    }
  }, async (request) => readRoom(request, request.params.chatroom_id, request.query, request.params.sender_user_id))
}

export default legacyRoomMessagesRoutes
