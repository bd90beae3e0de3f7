import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { messengerReader, messengerUser } from '../../plugins/identity.js'
import { creationId } from '../../plugins/idempotent-writes.js'
import { MAX_CHATROOM_MEMBERS } from './chatrooms-schemas.js'
import { inviteIntoRoom } from './invitations.js'
import {
  LegacyChatroomDataSchema, LegacyChatroomPageSchema, LegacyChatroomsQuerySchema, LegacyCreateChatroomBodySchema, LegacyInviteBodySchema,
  LegacyRoomParamsSchema
} from './legacy-chatrooms-schemas.js'
import { legacyAfter, legacyPageOf } from './legacy-paging.js'
import { toLegacyChatroom, toLegacyChatroomDetails } from './legacy-present.js'
import { legacyRules } from './legacy-rules.js'
import { legacyErrorResponses, legacyValidationError } from './legacy-schemas.js'

const TAGS = ['seed contracts', 'messenger']

/** The rule of the routes that read rooms without naming the reader. */
const MEMBERS_READ = 'Identity: a room is visible to its members only. A key bound to a user reads the rooms its user is a member of ' +
  '(another room is 403); an integration key needs the admin role (agent and manager integration keys: 403) and reads every room of the client.'

const DETAILS = 'The room in the seed\'s style: `chatroom_id`, `name`, `created_by_user_id`, `member_count`, `created_ts` (Unix seconds) ' +
  'and `member_user_ids` (the seed\'s user2chatroom).'

/** The messenger seed's planned chatroom routes, at its own paths and in its own style, on the canonical repositories. */
const legacyChatroomsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const rules = legacyRules(app)

  app.get('/chatrooms', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get all chatrooms (messenger seed): a bound key\'s own rooms, or every room of the client for an admin integration key',
      description: `${MEMBERS_READ} In id order, \`limit\` (1–100, default 20) at a time; pass \`next_cursor\` as \`cursor\` for the next page ` +
        '(null on the last). Twin of `GET /api/v1/chatrooms`.',
      querystring: LegacyChatroomsQuerySchema,
      response: { 200: LegacyChatroomPageSchema, ...legacyErrorResponses(400, 403) }
    }
  }, async (request) => {
    const memberId = messengerReader(request) ?? undefined
    const { limit, cursor } = request.query
    const afterId = legacyAfter(cursor, 'chatroomId')
    const docs = await app.chatroomsRepository.list(callerClientId(request), { limit: limit + 1, afterId, memberId })
    return legacyPageOf(docs, limit, toLegacyChatroom, (last) => ({ chatroomId: last.chatroomId }))
  })

  app.post('/chatrooms', {
    config: { auth: { role: 'agent' }, legacyErrors: true, idempotent: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Create a new chatroom (messenger seed); its creator and the listed users are its members',
      description: 'Identity: a key bound to a user creates the room as that user (omit `created_by_user_id`; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name the creator in `created_by_user_id` ' +
        `(400 without). A listed user the client does not have is a 404 naming it. Answers 201 \`{"data": room}\`. ${DETAILS} ` +
        'Send an `Idempotency-Key` to make a retry safe. Twin of `POST /api/v1/chatrooms`.',
      body: LegacyCreateChatroomBodySchema,
      response: { 201: LegacyChatroomDataSchema, ...legacyErrorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const createdBy = messengerUser(request, 'created_by_user_id', request.body.created_by_user_id)
    const { name, member_user_ids: memberIds = [] } = request.body
    await rules.requireUsers(clientId, [
      { field: 'created_by_user_id', userId: createdBy },
      ...memberIds.map((userId, index) => ({ field: `member_user_ids[${index}]`, userId }))
    ])
    const members = [...new Set([createdBy, ...memberIds])]
    const doc = await app.chatroomsRepository.create(clientId, { name, createdBy, memberIds: members }, creationId(request))
    return reply.code(201).send({ data: toLegacyChatroomDetails(doc) })
  })

  app.get('/chatrooms/:chatroom_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get details on a particular chatroom (messenger seed)',
      description: `${MEMBERS_READ} ${DETAILS} An unknown room, or another client's, is a 404. Twin of \`GET /api/v1/chatrooms/{chatroomId}\`.`,
      params: LegacyRoomParamsSchema,
      response: { 200: LegacyChatroomDataSchema, ...legacyErrorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const reader = messengerReader(request)
    const room = await rules.room(clientId, request.params.chatroom_id)
    if (reader !== null) await rules.requireMember(clientId, room, reader)
    return { data: toLegacyChatroomDetails(room) }
  })

  app.post('/chatrooms/invite', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Add users to a particular chatroom (messenger seed); a member invites',
      description: 'Identity: a key bound to a user invites as that user, into rooms its user is a member of (omit `invited_by_user_id`; ' +
        'naming another user is 403); an integration key must have the admin role (agent and manager integration keys: 403) and name the ' +
        `inviting member in \`invited_by_user_id\` (400 without). A room holds at most ${MAX_CHATROOM_MEMBERS} members (409 beyond, ` +
        'nobody added). Users already in the room are left as they are, so repeating an invitation changes nothing. Answers 200 ' +
        `\`{"data": room}\`. ${DETAILS} Twin of \`POST /api/v1/chatrooms/{chatroomId}/members\`.`,
      body: LegacyInviteBodySchema,
      response: { 200: LegacyChatroomDataSchema, ...legacyErrorResponses(400, 403, 404, 409) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const invitedBy = messengerUser(request, 'invited_by_user_id', request.body.invited_by_user_id)
    const { chatroom_id: chatroomId, user_ids: userIds } = request.body
    const room = await rules.room(clientId, chatroomId)
    await rules.requireMember(clientId, room, invitedBy)
    await rules.requireUsers(clientId, userIds.map((userId, index) => ({ field: `user_ids[${index}]`, userId })))
    const updated = await inviteIntoRoom(app, clientId, room, userIds)
    if (updated === 'full') {
      throw Object.assign(new Error(`chatroom ${chatroomId} would have more than ${MAX_CHATROOM_MEMBERS} members`), { statusCode: 409 })
    }
    if (!updated) throw Object.assign(new Error(`chatroom ${chatroomId} not found`), { statusCode: 404 })
    return { data: toLegacyChatroomDetails(updated) }
  })
}

export default legacyChatroomsRoutes
