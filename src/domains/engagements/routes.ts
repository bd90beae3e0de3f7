import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { CreateEngagementBodySchema, EngagementListQuerySchema, EngagementParamsSchema, EngagementSchema } from './schemas.js'
import { toEngagement, type EngagementPosition } from './repository.js'
import { creationId } from '../../plugins/idempotent-writes.js'

const engagementsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/engagements', {
    config: { auth: { role: 'manager' }, idempotent: true },
    schema: {
      tags: ['engagements'],
      summary: 'Create a channel (engagement) of the caller\'s client',
      body: CreateEngagementBodySchema,
      response: { 201: EngagementSchema, ...errorResponses(400, 409) }
    }
  }, async (request, reply) => {
    const doc = await app.engagementsRepository.create(callerClientId(request), request.body, creationId(request))
    return reply.code(201).send(toEngagement(doc))
  })

  app.get('/api/v1/engagements', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['engagements'],
      summary: 'List the client\'s channels',
      description: 'Channels are listed in creation order (for imported data: the order they first appear in the source), the same order the statistics use.',
      querystring: EngagementListQuerySchema,
      response: { 200: Page(EngagementSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const after = cursor ? decodeCursor<EngagementPosition>(cursor, ['createdAt', 'id']) : undefined
    const docs = await app.engagementsRepository.list(callerClientId(request), { limit: limit + 1, after })
    return pageOf(docs, limit, toEngagement, (last) => ({ createdAt: last.createdAt, id: last._id }))
  })

  app.get('/api/v1/engagements/:engagementId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['engagements'],
      summary: 'Get one channel',
      params: EngagementParamsSchema,
      response: { 200: EngagementSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const doc = await app.engagementsRepository.findById(callerClientId(request), new ObjectId(request.params.engagementId))
    if (!doc) throw app.httpErrors.notFound(`Engagement ${request.params.engagementId} not found`)
    return toEngagement(doc)
  })
}

export default engagementsRoutes
