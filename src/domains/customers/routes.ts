import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { CreateCustomerBodySchema, CustomerListQuerySchema, CustomerParamsSchema, CustomerSchema } from './schemas.js'
import { toCustomer } from './repository.js'
import { creationId } from '../../plugins/idempotent-writes.js'

const customersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/customers', {
    config: { auth: { role: 'manager' }, idempotent: true },
    schema: {
      tags: ['customers'],
      summary: 'Record a customer',
      description: 'Without `customerId` the client\'s next automatic id that no customer holds is used: explicit ids (given here, by an import ' +
        'or by an interaction) never move automatic numbering, so none can end it. Recording an id that is known only as an inferred customer ' +
        'completes that customer (201); an id already recorded is a 409.',
      body: CreateCustomerBodySchema,
      response: { 201: CustomerSchema, ...errorResponses(400, 409) }
    }
  }, async (request, reply) => {
    const doc = await app.customersRepository.create(callerClientId(request), request.body, creationId(request))
    return reply.code(201).send(toCustomer(doc))
  })

  app.get('/api/v1/customers', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['customers'],
      summary: 'List the client\'s customers by customerId',
      querystring: CustomerListQuerySchema,
      response: { 200: Page(CustomerSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor, inferred } = request.query
    const after = cursor ? decodeCursor<{ customerId: number }>(cursor, ['customerId']).customerId : undefined
    const docs = await app.customersRepository.list(callerClientId(request), { limit: limit + 1, afterCustomerId: after, inferred })
    return pageOf(docs, limit, toCustomer, (last) => ({ customerId: last.customerId }))
  })

  app.get('/api/v1/customers/:customerId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['customers'],
      summary: 'Get one customer',
      params: CustomerParamsSchema,
      response: { 200: CustomerSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const doc = await app.customersRepository.findByCustomerId(callerClientId(request), request.params.customerId)
    if (!doc) throw app.httpErrors.notFound(`Customer ${request.params.customerId} not found`)
    return toCustomer(doc)
  })
}

export default customersRoutes
