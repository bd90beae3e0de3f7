import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId, clientCaller } from '../../plugins/auth.js'
import { messengerUser } from '../../plugins/identity.js'
import { errorResponses } from '../../schemas/common.js'
import { EventStreamResponse, LastEventIdHeadersSchema, STREAM_RULES, describeEvents, parseLastEventId } from '../events/schemas.js'
import { audience } from '../events/types.js'
import type { UserDocument } from './repository.js'
import { UserParamsSchema } from './schemas.js'
import { publishStatus, toUserStatus } from './status.js'
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
        `${STATUS_RULE} Each update is one write that replaces the previous status (no history is kept) and records its ` +
        '`user-status` event, which goes into the client\'s event log at once (read by `GET /api/v1/user-statuses/events` and webhooks). ' +
        'Of two updates at once, the later one stays: an update that arrives after a newer one was stored changes nothing and answers the ' +
        'stored status. 503 when the user\'s earlier updates still wait to be logged (the event log is not taking events): retry shortly.',
      params: UserParamsSchema,
      body: SetStatusBodySchema,
      response: { 200: UserStatusOfSchema, ...errorResponses(400, 403, 404, 503) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    const problem = request.body.text === undefined ? null : statusTextProblem(request.body.text)
    if (problem) throw app.httpErrors.badRequest(problem)
    const text = request.body.text?.trim()
    const update = await app.usersRepository.setStatus(clientId, userId, { state: request.body.state, ...(text ? { text } : {}) })
    if (!update) throw app.httpErrors.notFound(`User ${userId} not found`)
    if (update.full) throw app.httpErrors.serviceUnavailable(`User ${userId}'s earlier status updates are not in the event log yet; retry shortly`)
    if (update.applied) await publishStatus(app, update.user)
    return statusOf(update.user)
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
      tags: ['users', 'messenger', 'events'],
      summary: 'Stream of the client\'s status updates (Server-Sent Events, event name `user-status`)',
      description: 'Identity: statuses are shared within the client: every key of the client may listen. Each accepted update is one event ' +
        '(a renewed online status too: its `expiresAt` moves on); an online status that lapses sends no event, so read `expiresAt`. ' +
        `Events: ${describeEvents(['user-status'])}. A reconnect with \`Last-Event-ID\` receives every update stored since, in order. ${STREAM_RULES}`,
      headers: LastEventIdHeadersSchema,
      response: { 200: EventStreamResponse('Events named `user-status` whose data is a UserStatusOf'), ...errorResponses(400, 429, 503) }
    }
  }, async (request, reply) => {
    const caller = clientCaller(request)
    await app.events.streams.respond(request, reply, {
      clientId: caller.clientId, keyId: caller.keyId, tag: audience.statuses, after: parseLastEventId(request.headers['last-event-id'])
    })
  })
}

export default statusRoutes
