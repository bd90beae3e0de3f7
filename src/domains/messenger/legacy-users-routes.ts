import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import { creationId } from '../../plugins/idempotent-writes.js'
import { STATUS_RULE } from '../users/status-schemas.js'
import { LegacyChatroomPageSchema, LegacyChatroomsQuerySchema } from './legacy-chatrooms-schemas.js'
import { legacyAfter, legacyPageOf } from './legacy-paging.js'
import { toLegacyChatroom, toLegacyUser } from './legacy-present.js'
import { legacyRules } from './legacy-rules.js'
import { legacyErrorResponses, legacyValidationError } from './legacy-schemas.js'
import { LegacyCreateUserBodySchema, LegacyUserDataSchema, LegacyUserPageSchema, LegacyUserParamsSchema, LegacyUsersQuerySchema } from './legacy-users-schemas.js'

const TAGS = ['seed contracts', 'messenger']

const USER = 'A user in the seed\'s style: `user_id` and `name` (as `GET /users/<ID>` answers them), `role`, `created_ts` (Unix seconds) and ' +
  `their status: \`status\`, \`status_text\`, \`status_updated_ts\`, \`status_expires_ts\` (set it with \`PUT /api/v1/users/{userId}/status\`). ${STATUS_RULE}`

/** The messenger seed's planned user routes, beside `GET /users/<ID>` (seed 000's, unchanged) and `GET /users/performance`. */
const legacyUsersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const rules = legacyRules(app)

  app.get('/users', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get all users (messenger seed), with their status',
      description: 'Identity: the client\'s users (names, roles and statuses) are shared within the client: every key of the client lists them. ' +
        `In id order, \`limit\` (1–100, default 20) at a time; pass \`next_cursor\` as \`cursor\` for the next page (null on the last). ${USER} ` +
        'Twin of `GET /api/v1/users`.',
      querystring: LegacyUsersQuerySchema,
      response: { 200: LegacyUserPageSchema, ...legacyErrorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const afterUserId = legacyAfter(cursor, 'userId')
    const docs = await app.usersRepository.list(callerClientId(request), { limit: limit + 1, afterUserId })
    return legacyPageOf(docs, limit, toLegacyUser, (last) => ({ userId: last.userId }))
  })

  app.post('/users', {
    config: { auth: { role: 'admin' }, legacyErrors: true, idempotent: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Create a new user (messenger seed); its id is the next integer of the client',
      description: 'Identity: creating users is the client administrator\'s: it needs the admin role (agent and manager keys: 403), bound or not; ' +
        `no user acts. \`role\` defaults to agent. Answers 201 \`{"data": user}\`. ${USER} Send an \`Idempotency-Key\` to make a retry safe. ` +
        'Twin of `POST /api/v1/users`.',
      body: LegacyCreateUserBodySchema,
      response: { 201: LegacyUserDataSchema, ...legacyErrorResponses(400, 409, 422) }
    }
  }, async (request, reply) => {
    const user = { name: request.body.name.trim(), role: request.body.role ?? 'agent' }
    const doc = await app.usersRepository.create(callerClientId(request), user, creationId(request))
    return reply.code(201).send({ data: toLegacyUser(doc) })
  })

  app.get('/users/:user_id/chatrooms', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schemaErrorFormatter: legacyValidationError,
    schema: {
      tags: TAGS,
      summary: 'Get the chatrooms a particular user is in (messenger seed)',
      description: 'Identity: a user\'s rooms are private. A key bound to a user lists its own user\'s rooms only (another `user_id` is 403); ' +
        'an integration key needs the admin role (agent and manager integration keys: 403). An unknown user, or another client\'s, is a 404. ' +
        'In id order, `limit` (1–100, default 20) at a time, with `next_cursor`. Twin of `GET /api/v1/users/{userId}/chatrooms`.',
      params: LegacyUserParamsSchema,
      querystring: LegacyChatroomsQuerySchema,
      response: { 200: LegacyChatroomPageSchema, ...legacyErrorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'user_id', request.params.user_id)
    const { limit, cursor } = request.query
    const afterId = legacyAfter(cursor, 'chatroomId')
    await rules.requireUsers(clientId, [{ userId }])
    const docs = await app.chatroomsRepository.list(clientId, { limit: limit + 1, afterId, memberId: userId })
    return legacyPageOf(docs, limit, toLegacyChatroom, (last) => ({ chatroomId: last.chatroomId }))
  })
}

export default legacyUsersRoutes
