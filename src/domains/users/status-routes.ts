import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import { errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema } from '../messenger/live-schemas.js'
import type { LiveEvent } from '../messenger/events.js'
import type { UserDocument } from './repository.js'
import { UserParamsSchema } from './schemas.js'
import { publishStatus, statusChannel, toUserStatus } from './status.js'
import { SetStatusBodySchema, STATUS_RULE, UserStatusOfSchema, statusTextProblem, type UserStatusOf } from './status-schemas.js'

function statusOf (user: UserDocument, now = new Date()): UserStatusOf {
  return { userId: user.userId, ...toUserStatus(user.status, now) }
}

/** User status (the messenger seed's "Redis?" idea): a status each user sets often, read by everyone in the client. */
const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put('/api/v1/users/:userId/status', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['users', 'messenger'],
      summary: 'Set a user\'s status (online, away, busy, offline) with an optional short text',
      description: 'Identity: a user sets their own status. A key bound to a user sets its own user\'s only (another `userId` is 403); ' +
        'an integration key needs the admin role to set a named user\'s (agent and manager integration keys: 403). ' +
        `${STATUS_RULE} Each update is one write that replaces the previous status (no history is kept) and is published at once as a ` +
        '`user-status` event on `GET /api/v1/user-statuses/events`. Of two updates at once, the later one stays: an update that arrives after ' +
        'a newer one was stored changes nothing and answers the stored status.',
      params: UserParamsSchema,
      body: SetStatusBodySchema,
      response: { 200: UserStatusOfSchema, ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    const problem = request.body.text === undefined ? null : statusTextProblem(request.body.text)
    if (problem) throw app.httpErrors.badRequest(problem)
    const text = request.body.text?.trim()
    const update = await app.usersRepository.setStatus(clientId, userId, { state: request.body.state, ...(text ? { text } : {}) })
    if (!update) throw app.httpErrors.notFound(`User ${userId} not found`)
    const status = statusOf(update.user)
    if (update.applied && update.user.status) publishStatus(app, clientId, update.user.status.eventId, status)
    return status
  })

  app.get('/api/v1/users/:userId/status', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['users', 'messenger'],
      summary: 'Get a user\'s status',
      description: `Identity: statuses are shared within the client: every key of the client reads every user's. ${STATUS_RULE}`,
      params: UserParamsSchema,
      response: { 200: UserStatusOfSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const user = await app.usersRepository.findById(callerClientId(request), request.params.userId)
    if (!user) throw app.httpErrors.notFound(`User ${request.params.userId} not found`)
    return statusOf(user)
  })

  app.get('/api/v1/user-statuses/events', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['users', 'messenger'],
      summary: 'Stream of the client\'s status updates (Server-Sent Events, event name `user-status`)',
      description: 'Identity: statuses are shared within the client: every key of the client may listen. Each accepted update is one event ' +
        '(a renewed online status too: its `expiresAt` moves on); an online status that lapses sends no event, so read `expiresAt`. ' +
        'Send the API key as `Authorization: Bearer <key>`. Reconnect with the last event id in `Last-Event-ID`: the stream first sends the ' +
        'latest status of every user who changed it since (one event per user, not every update in between), then carries on live. ' +
        'A `: heartbeat` comment arrives every 15 seconds.',
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `user-status` whose data is a UserStatusOf'), ...errorResponses(400) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const lastEventId = request.headers['last-event-id']
    await app.messengerLive.open(request, reply, {
      channel: statusChannel(clientId),
      lastEventId: lastEventId ? new ObjectId(lastEventId) : undefined,
      missedSince: async function * (after): AsyncIterable<LiveEvent> {
        const now = new Date()
        for await (const user of app.usersRepository.statusesChangedAfter(clientId, after)) {
          if (user.status) yield { id: user.status.eventId, name: 'user-status', data: statusOf(user, now) }
        }
      }
    })
  })
}

export default statusRoutes
