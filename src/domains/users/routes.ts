import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { LegacyErrorSchema, Page, errorResponses } from '../../schemas/common.js'
import { toUser } from './repository.js'
import { CreateUserBodySchema, LegacyUserParamsSchema, LegacyUserSchema, ListUsersQuerySchema, UserParamsSchema, UserSchema } from './schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

/** Users of a client: the agents, managers and admins who chat with customers and message each other. */
const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/users/:user_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    schema: {
      tags: ['seed contracts'],
      summary: 'One user, as the agent-chat seed answers it',
      params: LegacyUserParamsSchema,
      response: { 200: LegacyUserSchema, 400: LegacyErrorSchema, 404: LegacyErrorSchema }
    }
  }, async (request) => {
    const user = await app.usersRepository.findById(callerClientId(request), request.params.user_id)
    if (!user) throw app.httpErrors.notFound('User not found')
    return { user_id: user.userId, name: user.name }
  })

  app.get('/api/v1/users', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['users'],
      summary: 'List the client\'s users in id order',
      querystring: ListUsersQuerySchema,
      response: { 200: Page(UserSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor, role } = request.query
    const afterUserId = cursor ? decodeCursor<{ userId: number }>(cursor, ['userId']).userId : undefined
    const docs = await app.usersRepository.list(callerClientId(request), { limit: limit + 1, afterUserId, role })
    return pageOf(docs, limit, toUser, (last) => ({ userId: last.userId }))
  })

  app.post('/api/v1/users', {
    config: { auth: { role: 'admin' }, idempotent: true },
    schema: {
      tags: ['users'],
      summary: 'Create a user (role defaults to agent); its id is the next integer of the client',
      body: CreateUserBodySchema,
      response: { 201: UserSchema, ...errorResponses(400, 409, 422) }
    }
  }, async (request, reply) => {
    const doc = await app.usersRepository.create(callerClientId(request), { name: request.body.name.trim(), role: request.body.role ?? 'agent' }, creationId(request))
    return reply.code(201).send(toUser(doc))
  })

  app.get('/api/v1/users/:userId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['users'],
      summary: 'Get one user',
      params: UserParamsSchema,
      response: { 200: UserSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const doc = await app.usersRepository.findById(callerClientId(request), request.params.userId)
    if (!doc) throw app.httpErrors.notFound(`User ${request.params.userId} not found`)
    return toUser(doc)
  })
}

export default usersRoutes
