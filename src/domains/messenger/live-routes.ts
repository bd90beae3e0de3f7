import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientCaller } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import { errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema, STREAM_RULES, describeEvents, parseLastEventId } from '../events/schemas.js'
import { audience } from '../events/types.js'
import { chatroomService } from './chatroom-service.js'
import { ChatroomParamsSchema, MemberQuerySchema } from './chatrooms-schemas.js'
import { RecipientParamsSchema } from './direct-messages-schemas.js'

/** Live delivery: event streams of the messenger, read from the event log. */
const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  app.get('/api/v1/users/:userId/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger', 'events'],
      summary: 'Stream of the direct messages a user receives (Server-Sent Events, event name `direct-message`)',
      description: 'Identity: a key bound to a user opens its own user\'s stream only (another `userId` is 403); an integration key needs ' +
        `the admin role (agent and manager integration keys: 403). Events: ${describeEvents(['direct-message'])}. ${STREAM_RULES}`,
      params: RecipientParamsSchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `direct-message` whose data is a DirectMessage'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = clientCaller(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    if (!await app.usersRepository.findById(caller.clientId, userId)) throw app.httpErrors.notFound(`User ${userId} not found`)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.user(userId), after: parseLastEventId(request.headers['last-event-id'])
    })
  })

  app.get('/api/v1/chatrooms/:chatroomId/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger', 'events'],
      summary: 'Stream of the messages posted into a chatroom, for a member (Server-Sent Events, event name `chatroom-message`)',
      description: 'Identity: only members listen. A key bound to a user listens as that user (omit `userId`; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name the listening member in `userId` ' +
        `(400 without). A user who is not a member gets 403. Events: ${describeEvents(['chatroom-message'])}. ${STREAM_RULES}`,
      params: ChatroomParamsSchema,
      querystring: MemberQuerySchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chatroom-message` whose data is a ChatroomMessage'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = clientCaller(request)
    const listener = messengerUser(request, 'userId', request.query.userId)
    const room = await chatrooms.room(caller.clientId, request.params.chatroomId)
    await chatrooms.requireMember(caller.clientId, room, listener)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.room(room.chatroomId), after: parseLastEventId(request.headers['last-event-id'])
    })
  })
}

export default liveRoutes
