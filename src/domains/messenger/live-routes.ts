import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema, STREAM_RULES, describeEvents, parseLastEventId } from '../events/schemas.js'
import { streamCaller, streamUser } from '../events/stream-access.js'
import { audience } from '../events/types.js'
import { chatroomService } from './chatroom-service.js'
import { ChatroomParamsSchema } from './chatrooms-schemas.js'
import { RecipientParamsSchema, UserIdField } from './direct-messages-schemas.js'

const ListenerQuerySchema = Type.Object({
  userId: Type.Optional(UserIdField('The member listening; omit with a key bound to a user (it listens as its own user)'))
}, { additionalProperties: false })

const IDENTITY = 'Identity: a key bound to a user opens its own user\'s streams only (naming another user is 403); a key bound to no user ' +
  'needs the admin role (agent and manager integration keys: 403).'

/** Live delivery: event streams of the messenger, read from the event log. */
const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  app.get('/api/v1/users/:userId/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger', 'events'],
      summary: 'Stream of the direct messages a user receives (Server-Sent Events, event name `direct-message`)',
      description: `${IDENTITY} Events: ${describeEvents(['direct-message'])}. ${STREAM_RULES}`,
      params: RecipientParamsSchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `direct-message` whose data is a DirectMessage'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = streamCaller(request)
    const userId = streamUser(request, request.params.userId, 'direct messages')
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
      description: `${IDENTITY} \`userId\` names the member listening (a key bound to no user must name one): a user who is not a member ` +
        `gets 403. Events: ${describeEvents(['chatroom-message'])}. ${STREAM_RULES}`,
      params: ChatroomParamsSchema,
      querystring: ListenerQuerySchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chatroom-message` whose data is a ChatroomMessage'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = streamCaller(request)
    const room = await chatrooms.room(caller.clientId, request.params.chatroomId)
    const listener = streamUser(request, request.query.userId, 'chatroom stream')
    await chatrooms.requireMember(caller.clientId, room, listener)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.room(room.chatroomId), after: parseLastEventId(request.headers['last-event-id'])
    })
  })
}

export default liveRoutes
