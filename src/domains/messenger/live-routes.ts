import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import { errorResponses } from '../../schemas/common.js'
import { chatroomService } from './chatroom-service.js'
import { toChatroomMessage } from './chatroom-messages-repository.js'
import { ChatroomParamsSchema, MemberQuerySchema } from './chatrooms-schemas.js'
import { toDirectMessage } from './direct-messages-repository.js'
import { RecipientParamsSchema } from './direct-messages-schemas.js'
import { chatroomChannel, recipientChannel, type LiveEvent } from './events.js'
import { EventStreamResponse, LastEventIdHeadersSchema } from './live-schemas.js'

const STREAM_RULES = 'A Server-Sent Events stream. Send the API key as `Authorization: Bearer <key>` (the browser\'s EventSource cannot set headers: ' +
  'read the stream with fetch() or an SSE client that can). Each event\'s `id` is the message\'s id, in the order messages are stored; ' +
  'reconnect with the last id you received in the `Last-Event-ID` header and the stream first sends every message stored since, then carries on live. ' +
  'A `: heartbeat` comment arrives every 15 seconds so idle connections stay open.'

/** Live delivery: event streams that receive each message the moment it is stored. */
const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)
  const parseLastEventId = (header?: string) => header ? new ObjectId(header) : undefined

  app.get('/api/v1/users/:userId/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Stream of the direct messages a user receives (Server-Sent Events, event name `direct-message`)',
      description: 'Identity: a key bound to a user opens its own user\'s stream only (another `userId` is 403); an integration key needs ' +
        `the admin role (agent and manager integration keys: 403). ${STREAM_RULES}`,
      params: RecipientParamsSchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `direct-message` whose data is a DirectMessage'), ...errorResponses(400, 403, 404) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    if (!await app.usersRepository.findById(clientId, userId)) throw app.httpErrors.notFound(`User ${userId} not found`)
    await app.messengerLive.open(request, reply, {
      channel: recipientChannel(clientId, userId),
      lastEventId: parseLastEventId(request.headers['last-event-id']),
      missedSince: async function * (after): AsyncIterable<LiveEvent> {
        for await (const doc of app.directMessagesRepository.storedAfter(clientId, userId, after)) {
          yield { id: doc._id, name: 'direct-message', data: toDirectMessage(doc) }
        }
      }
    })
  })

  app.get('/api/v1/chatrooms/:chatroomId/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Stream of the messages posted into a chatroom, for a member (Server-Sent Events, event name `chatroom-message`)',
      description: 'Identity: only members listen. A key bound to a user listens as that user (omit `userId`; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name the listening member in `userId` ' +
        `(400 without). A user who is not a member gets 403. ${STREAM_RULES}`,
      params: ChatroomParamsSchema,
      querystring: MemberQuerySchema,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `chatroom-message` whose data is a ChatroomMessage'), ...errorResponses(400, 403, 404) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const listener = messengerUser(request, 'userId', request.query.userId)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    await chatrooms.requireMember(clientId, room, listener)
    await app.messengerLive.open(request, reply, {
      channel: chatroomChannel(clientId, room.chatroomId),
      lastEventId: parseLastEventId(request.headers['last-event-id']),
      missedSince: async function * (after): AsyncIterable<LiveEvent> {
        for await (const doc of app.chatroomMessagesRepository.storedAfter(clientId, room.chatroomId, after)) {
          yield { id: doc._id, name: 'chatroom-message', data: toChatroomMessage(doc) }
        }
      }
    })
  })
}

export default liveRoutes
