import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { CreateInteractionBodySchema, InteractionListQuerySchema, InteractionParamsSchema, InteractionSchema } from './schemas.js'
import { toInteraction, type InteractionPosition } from './repository.js'
import { prepareInteractions } from './prepare.js'
import { toInteractionFilter } from './filters.js'
import { creationId } from '../../plugins/idempotent-writes.js'
import { instantOf } from '../../lib/dates.js'

const interactionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/interactions', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['interactions'],
      summary: 'Record an interaction',
      description: 'Topics: the explicit `topics` when given, otherwise the products registered for the interaction\'s month (UTC). ' +
        'A customerId without a customer record creates an inferred customer; a userId must name a user of the client (agent who handled it). ' +
        'The same facts stored twice are a 409.',
      body: CreateInteractionBodySchema,
      response: { 201: InteractionSchema, ...errorResponses(400, 404, 409) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const { engagementId, interactionDate, ...rest } = request.body
    const engagement = await app.engagementsRepository.findById(clientId, new ObjectId(engagementId))
    if (!engagement) throw app.httpErrors.notFound(`Engagement ${engagementId} not found`)
    if (rest.userId !== undefined && !await app.usersRepository.findById(clientId, rest.userId)) throw app.httpErrors.notFound(`User ${rest.userId} not found`)
    const [doc] = await prepareInteractions(app.topicsRepository, clientId, [{ ...rest, engagementId: engagement._id, interactionDate: instantOf(interactionDate, 'body/interactionDate'), id: creationId(request) }])
    const stored = await app.interactionsRepository.insert(doc!)
    if (stored.customerId !== undefined) await app.customersRepository.ensureExist(clientId, [stored.customerId])
    return reply.code(201).send(toInteraction(stored))
  })

  app.get('/api/v1/interactions', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['interactions'],
      summary: 'List interactions, newest first, with filters',
      description: '`from` and `to` include whole days in `tz` (default UTC). `topic` matches interactions about that product.',
      querystring: InteractionListQuerySchema,
      response: { 200: Page(InteractionSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor, ...query } = request.query
    const filter = toInteractionFilter(query)
    const after = cursor ? decodeCursor<InteractionPosition>(cursor, ['date', 'id']) : undefined
    const docs = await app.interactionsRepository.list(callerClientId(request), filter, { limit: limit + 1, after })
    return pageOf(docs, limit, toInteraction, (last) => ({ date: last.interactionDate, id: last._id }))
  })

  app.get('/api/v1/interactions/by-id/:interactionId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['interactions'],
      summary: 'Get one interaction',
      description: '(`/api/v1/interactions/{customer_id}` is the spreadsheet seed\'s per-channel count, so a single interaction lives under `by-id`.)',
      params: InteractionParamsSchema,
      response: { 200: InteractionSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const doc = await app.interactionsRepository.findById(callerClientId(request), new ObjectId(request.params.interactionId))
    if (!doc) throw app.httpErrors.notFound(`Interaction ${request.params.interactionId} not found`)
    return toInteraction(doc)
  })
}

export default interactionsRoutes
