import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { creatingKeyId, messengerUser } from '../../plugins/identity.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { instantOf } from '../../lib/dates.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { recentWindowStart, toDirectMessage, type RecentPosition } from './direct-messages-repository.js'
import {
  DirectMessageSchema, RECENT_RULE, RecentMessagesQuerySchema, RecipientParamsSchema, SendDirectMessageBodySchema
} from './direct-messages-schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

/** Direct messages: one user sends a short text to another; a recipient reads the recent ones. */
const directMessagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** 404 naming each of the given users (by role in the message) that the client does not have. */
  async function requireUsers (clientId: ObjectId, users: { role: string, userId: number }[]): Promise<void> {
    const found = await app.usersRepository.findByIds(clientId, users.map((user) => user.userId))
    const missing = users.filter((user) => !found.some((doc) => doc.userId === user.userId))
    if (missing.length > 0) throw app.httpErrors.notFound(missing.map((user) => `${user.role} ${user.userId} not found`).join('; '))
  }

  app.post('/api/v1/direct-messages', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['messenger'],
      summary: 'Send a direct message from one user to another',
      description: 'Identity: a key bound to a user sends as that user (omit `senderId`; naming another user is 403). ' +
        'An integration key must have the admin role (agent and manager integration keys: 403) and name the sender in `senderId` (400 without). ' +
        'The sender and the recipient are two different users of the key\'s client (a message to oneself is refused with 400). ' +
        'The message is stored with the server\'s time as `sentAt` and delivered at once to the recipient\'s open event streams. ' +
        'Send an `Idempotency-Key` to make a retry safe.',
      body: SendDirectMessageBodySchema,
      response: { 201: DirectMessageSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const senderId = messengerUser(request, 'senderId', request.body.senderId)
    const { recipientId, text } = request.body
    if (senderId === recipientId) throw app.httpErrors.badRequest('senderId and recipientId must be different users')
    await requireUsers(clientId, [{ role: 'Sender user', userId: senderId }, { role: 'Recipient user', userId: recipientId }])
    const doc = await app.directMessagesRepository.send(clientId, { senderId, recipientId, text, createdByKeyId: creatingKeyId(request) }, { _id: creationId(request) })
    await app.events.announce('directMessages', [doc])
    return reply.code(201).send(toDirectMessage(doc))
  })

  app.get('/api/v1/users/:userId/direct-messages', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Recent direct messages received by a user, from one sender (senderId) or from all',
      description: `Identity: a user's direct messages are private. A key bound to a user reads its own user's only (another \`userId\` is 403); ` +
        `an integration key needs the admin role (agent and manager integration keys: 403). ${RECENT_RULE}`,
      params: RecipientParamsSchema,
      querystring: RecentMessagesQuerySchema,
      response: { 200: Page(DirectMessageSchema), ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    const { senderId, limit, cursor } = request.query
    const now = new Date()
    const since = request.query.since === undefined ? undefined : instantOf(request.query.since, 'querystring/since')
    if (since && since < recentWindowStart(now)) {
      throw app.httpErrors.badRequest(`since may not be more than 30 days before now (the earliest allowed is ${recentWindowStart(now).toISOString()})`)
    }
    const after = cursor ? decodeCursor<RecentPosition>(cursor, ['sentAt', 'id']) : undefined
    const users = [{ role: 'User', userId }]
    if (senderId !== undefined && senderId !== userId) users.push({ role: 'Sender user', userId: senderId })
    await requireUsers(clientId, users)

    const docs = await app.directMessagesRepository.recent(clientId, { recipientId: userId, senderId, limit: limit + 1, since, after }, now)
    return pageOf(docs, limit, toDirectMessage, (last) => ({ sentAt: last.sentAt, id: last._id }))
  })
}

export default directMessagesRoutes
