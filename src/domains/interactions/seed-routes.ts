import { Type, type Static } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { EJSON } from 'bson'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { CalendarDate, LegacyErrorSchema, ObjectIdString } from '../../schemas/common.js'
import { ProductSchema } from '../topics/schemas.js'
import { instantRange } from './periods.js'
import { channelCounts, customerChannelCountsByName } from './summaries.js'
import type { InteractionDocument } from './repository.js'

const legacyErrors = { 400: LegacyErrorSchema, 404: LegacyErrorSchema }

const CustomerChannelsParams = Type.Object({
  customer_id: Type.String({ pattern: '^[1-9][0-9]{0,9}$', description: 'Positive integer customer id', examples: ['1'] })
})
const CustomerChannelsQuery = Type.Object({
  start_date: Type.Optional(CalendarDate('First day included, UTC')),
  end_date: Type.Optional(CalendarDate('Last day included, UTC', '2020-03-05')),
  topic: Type.Optional(ProductSchema)
}, { additionalProperties: false })
const CustomerChannelsResponse = Type.Object({
  data: Type.Object({
    customer_id: Type.Integer(),
    interactions: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Every channel of the client, in channel creation order, zero-filled' })
  })
}, { examples: [{ data: { customer_id: 1, interactions: { Email: 1, Call: 0, Bird: 0 } } }] })

/** Seed 001's own solution: dates only, no topic, and its channels in alphabetical order. */
const StatsInteractionsQuery = Type.Object({
  start_date: CustomerChannelsQuery.properties.start_date,
  end_date: CustomerChannelsQuery.properties.end_date
}, { additionalProperties: false })
const StatsInteractionsResponse = Type.Object({
  data: Type.Object({
    customer_id: Type.Integer(),
    interactions: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Every channel of the client, alphabetically by name (binary order), zero-filled' })
  })
}, { examples: [{ data: { customer_id: 4, interactions: { Bird: 1, Boat: 0, Call: 1, Email: 0, Post: 0 } } }] })

const LegacyInteraction = Type.Object({
  _id: Type.Object({ $oid: ObjectIdString }),
  engagementId: Type.Object({ $oid: ObjectIdString }),
  customerId: Type.Optional(Type.Integer()),
  interactionDate: Type.Object({ $date: Type.Integer({ description: 'Milliseconds since 1970-01-01T00:00:00Z' }) }),
  agentName: Type.Optional(Type.String()),
  userId: Type.Optional(Type.Integer()),
  sentiment: Type.Optional(Type.String()),
  topics: Type.Optional(Type.Array(Type.String())),
  custom: Type.Record(Type.String(), Type.Unknown())
}, { description: 'Legacy MongoDB extended JSON; fields the interaction does not have are left out' })

/** The messages the seed documents for a bad request, by the field at fault. */
const badInput: Record<string, string> = {
  customer_id: 'Invalid customer_id provided',
  start_date: 'Invalid start_date format. Use YYYY-MM-DD.',
  end_date: 'Invalid end_date format. Use YYYY-MM-DD.',
  topic: 'Invalid topic provided',
  interaction_id: 'Invalid interaction_id provided'
}

function legacyValidationMessage (request: FastifyRequest): string | null {
  const issue = request.validationError?.validation[0]
  if (!issue) return null
  const field = issue.instancePath.replace(/^\//, '')
  const extra = (issue.params as { additionalProperty?: string }).additionalProperty
  if (extra) return `Unknown query parameter: ${extra}`
  return badInput[field] ?? request.validationError?.message ?? 'Invalid request'
}

/** The stored interaction as the engagement-store seed printed it: its own fields only, no client id. */
function legacyView (doc: InteractionDocument) {
  return {
    _id: doc._id,
    engagementId: doc.engagementId,
    ...(doc.customerId !== undefined ? { customerId: doc.customerId } : {}),
    interactionDate: doc.interactionDate,
    ...(doc.agentName !== undefined ? { agentName: doc.agentName } : {}),
    ...(doc.userId !== undefined ? { userId: doc.userId } : {}),
    ...(doc.sentiment !== undefined ? { sentiment: doc.sentiment } : {}),
    ...(doc.topics.length > 0 ? { topics: doc.topics } : {}),
    custom: doc.custom
  }
}

const seedContractRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/interactions/:customer_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    attachValidation: true,
    schema: {
      tags: ['seed contracts'],
      summary: 'How many times a customer reached the client on each channel (spreadsheet seed)',
      description: 'Every channel of the caller\'s client is listed, zero-filled, in channel creation order. `start_date` and `end_date` ' +
        '(YYYY-MM-DD, UTC) include whole days; `topic` counts only interactions about that product. 400 for a customer_id that is not a ' +
        'positive integer, a bad date or start_date after end_date; 404 for an unknown customer.',
      params: CustomerChannelsParams,
      querystring: CustomerChannelsQuery,
      response: { 200: CustomerChannelsResponse, ...legacyErrors }
    }
  }, async (request, reply) => {
    const invalid = legacyValidationMessage(request)
    if (invalid) return reply.code(400).send({ error: invalid })
    const customerId = Number(request.params.customer_id)
    if (customerId > 2147483647) return reply.code(400).send({ error: badInput.customer_id })
    const { start_date: startDate, end_date: endDate, topic } = request.query
    if (startDate && endDate && startDate > endDate) return reply.code(400).send({ error: 'start_date must not be after end_date' })

    const filter = { ...instantRange(startDate, endDate), ...(topic ? { topic } : {}) }
    const interactions = await customerChannelCountsByName(app, callerClientId(request), customerId, filter)
    if (!interactions) return reply.code(404).send({ error: 'Customer not found' })
    return { data: { customer_id: customerId, interactions } }
  })

  app.get('/interactions/:interaction_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    attachValidation: true,
    schema: {
      tags: ['seed contracts'],
      summary: 'One interaction in legacy extended JSON (engagement-store seed)',
      description: 'Answers `{"_id":{"$oid":…},"engagementId":{"$oid":…},"interactionDate":{"$date":<ms>},…}` exactly as the seed prints it. ' +
        'An unknown id, or another client\'s, is a 404.',
      params: Type.Object({ interaction_id: ObjectIdString }),
      response: { 200: LegacyInteraction, ...legacyErrors }
    }
  }, async (request, reply) => {
    const invalid = legacyValidationMessage(request)
    if (invalid) return reply.code(400).send({ error: invalid })
    const doc = await app.interactionsRepository.findById(callerClientId(request), new ObjectId(request.params.interaction_id))
    if (!doc) return reply.code(404).send({ error: 'Interaction not found' })
    // The exact text the seed prints: a JSON string is sent as it is, not re-serialised by the response schema.
    const legacyJson = EJSON.stringify(legacyView(doc), { legacy: true })
    return reply.type('application/json; charset=utf-8').send(legacyJson as unknown as Static<typeof LegacyInteraction>)
  })

  app.get('/api/v1/stats/interactions/:customer_id', {
    config: { auth: { role: 'agent' }, legacyErrors: true },
    attachValidation: true,
    schema: {
      tags: ['seed contracts'],
      summary: 'Total interactions of a customer on each channel, channels alphabetically (spreadsheet seed\'s solution)',
      description: 'Every channel of the caller\'s client is listed, zero-filled, alphabetically by name. `start_date` and `end_date` ' +
        '(YYYY-MM-DD, UTC) include whole days. 400 `{"error": "Invalid customer_id provided"}` for a customer_id that is not a positive ' +
        'integer, `{"error": "Invalid start_date format. Use YYYY-MM-DD."}` (or end_date) for a bad date; 404 `{"error": "Customer not found"}`.',
      params: CustomerChannelsParams,
      querystring: StatsInteractionsQuery,
      response: { 200: StatsInteractionsResponse, ...legacyErrors }
    }
  }, async (request, reply) => {
    const invalid = legacyValidationMessage(request)
    if (invalid) return reply.code(400).send({ error: invalid })
    const customerId = Number(request.params.customer_id)
    if (customerId > 2147483647) return reply.code(400).send({ error: badInput.customer_id })
    const { start_date: startDate, end_date: endDate } = request.query
    if (startDate && endDate && startDate > endDate) return reply.code(400).send({ error: 'start_date must not be after end_date' })

    const clientId = callerClientId(request)
    if (!await app.customersRepository.findByCustomerId(clientId, customerId)) return reply.code(404).send({ error: 'Customer not found' })
    const cells = await channelCounts(app, clientId, { customerId, ...instantRange(startDate, endDate) })
    const alphabetical = cells.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return { data: { customer_id: customerId, interactions: Object.fromEntries(alphabetical.map((cell) => [cell.name, cell.count])) } }
  })
}

export default seedContractRoutes
