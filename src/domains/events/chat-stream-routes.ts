import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { IntegerId, errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema, STREAM_RULES, describeEvents, parseLastEventId } from './schemas.js'
import { streamCaller, streamUser } from './stream-access.js'
import { audience } from './types.js'

const AgentQuerySchema = Type.Object({
  userId: Type.Optional({ ...IntegerId, description: 'The agent whose chats to stream; omit with a key bound to a user (it streams its own)' })
}, { additionalProperties: false })

/** Live chat events: an agent follows the chats assigned to it, a manager the client's queue. */
const chatStreamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/chats/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats', 'events'],
      summary: 'Stream of an agent\'s chats: assigned to it (or taken from it), their messages, their closing (Server-Sent Events)',
      description: 'Identity: a key bound to a user streams its own user\'s chats (`userId` may be omitted; another user is 403); a key ' +
        'bound to no user needs the admin role and names the agent in `userId`. Events: ' +
        `${describeEvents(['chat-assigned', 'chat-message', 'chat-closed'])}. A chat's messages reach the agent it is assigned to when ` +
        `the message is stored. ${STREAM_RULES}`,
      querystring: AgentQuerySchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chat-assigned`, `chat-message` and `chat-closed`'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = streamCaller(request)
    const userId = streamUser(request, request.query.userId, 'chat stream')
    if (!await app.usersRepository.findById(caller.clientId, userId)) throw app.httpErrors.notFound(`User ${userId} not found`)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.agent(userId), after: parseLastEventId(request.headers['last-event-id'])
    })
  })

  app.get('/api/v1/chats/queue/events', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['chats', 'events'],
      summary: 'Stream of the client\'s chat queue: new chats, assignments, closes (Server-Sent Events; manager role)',
      description: `Events: ${describeEvents(['chat-queued', 'chat-assigned', 'chat-closed'])}. ${STREAM_RULES}`,
      querystring: Type.Object({}, { additionalProperties: false }),
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chat-queued`, `chat-assigned` and `chat-closed`'), ...errorResponses(400, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = streamCaller(request)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.queue, after: parseLastEventId(request.headers['last-event-id'])
    })
  })
}

export default chatStreamRoutes
