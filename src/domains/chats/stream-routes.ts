import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { clientCaller } from '../../plugins/auth.js'
import { chatAgent } from '../../plugins/identity.js'
import { IntegerId, errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema, STREAM_RULES, describeEvents, parseLastEventId } from '../events/schemas.js'
import { audience } from '../events/types.js'

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
      description: 'Identity: an agent follows its own chats. A key bound to a user streams its own user\'s chats (omit `userId`); an ' +
        'agent-role bound key naming another user is 403, while manager and admin bound keys may name any agent. A key bound to no user ' +
        'keeps the seed-000 contract of the chat routes: it names the agent in `userId` (400 without). Events: ' +
        `${describeEvents(['chat-assigned', 'chat-message', 'chat-closed'])}. A chat's messages reach the agent it is assigned to when ` +
        `the message is stored. ${STREAM_RULES}`,
      querystring: AgentQuerySchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chat-assigned`, `chat-message` and `chat-closed`'), ...errorResponses(400, 403, 404, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = clientCaller(request)
    const userId = chatAgent(request, request.query.userId, 'it names the agent whose chats to stream')
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
      description: 'Identity: the client\'s queue, for managers: manager and admin keys, bound to a user or not (agent keys: 403). ' +
        `Events: ${describeEvents(['chat-queued', 'chat-assigned', 'chat-closed'])}. ${STREAM_RULES}`,
      querystring: Type.Object({}, { additionalProperties: false }),
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chat-queued`, `chat-assigned` and `chat-closed`'), ...errorResponses(400, 403, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = clientCaller(request)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.queue, after: parseLastEventId(request.headers['last-event-id'])
    })
  })
}

export default chatStreamRoutes
