import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { CreateTopicBodySchema, CreatedTopicSchema, TopicListQuerySchema, TopicSchema } from './schemas.js'
import { toTopic, type TopicPosition } from './repository.js'
import { creationId } from '../../plugins/idempotent-writes.js'

const topicsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/topics', {
    config: { auth: { role: 'manager' }, idempotent: true },
    schema: {
      tags: ['topics'],
      summary: 'Register a product of discussion for a month',
      description: 'Interactions stored without explicit topics are about the products registered for their month (UTC). ' +
        'Registering a product also adds it to the interactions of that month already stored that way.',
      body: CreateTopicBodySchema,
      response: { 201: CreatedTopicSchema, ...errorResponses(400, 409) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const doc = await app.topicsRepository.create(clientId, request.body, creationId(request))
    const interactionsTagged = await app.interactionsRepository.tagCalendarMonth(clientId, doc.month, doc.product)
    return reply.code(201).send({ ...toTopic(doc), interactionsTagged })
  })

  app.get('/api/v1/topics', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['topics'],
      summary: 'List the products-of-discussion calendar by month, then product',
      querystring: TopicListQuerySchema,
      response: { 200: Page(TopicSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor, month } = request.query
    const after = cursor ? decodeCursor<TopicPosition>(cursor, ['month', 'product']) : undefined
    const docs = await app.topicsRepository.list(callerClientId(request), { limit: limit + 1, after, month })
    return pageOf(docs, limit, toTopic, (last) => ({ month: last.month, product: last.product }))
  })
}

export default topicsRoutes
