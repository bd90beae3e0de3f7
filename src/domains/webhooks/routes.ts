import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { EVENT_TYPES } from '../events/types.js'
import { describeEvents } from '../events/schemas.js'
import { toAttempt, toDelivery } from './present.js'
import { toWebhook } from './endpoints-repository.js'
import {
  AttemptSchema, CreateWebhookBodySchema, CreatedWebhookSchema, DeliveryParamsSchema, DeliverySchema, DeliveryWithEventSchema,
  ListDeliveriesQuerySchema, MAX_ENDPOINTS_PER_CLIENT, PageOnlyQuerySchema, UpdateWebhookBodySchema, WebhookParamsSchema, WebhookSchema
} from './schemas.js'

const DELIVERY_RULES = 'Each delivery is an HTTP POST of the event as JSON (`{"id", "type", "createdAt", "data"}`) with the headers ' +
  '`Switchboard-Event-Id` (the event\'s id: de-duplicate on it, a delivery may arrive more than once), `Switchboard-Event-Type`, ' +
  '`Switchboard-Delivery-Id`, `Switchboard-Delivery-Attempt` and `Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" ' +
  'keyed with the secret>`. A 2xx answer within WEBHOOK_TIMEOUT_MS delivers it; anything else is retried with exponential backoff and ' +
  `jitter for WEBHOOK_RETRY_WINDOW_MS (24 hours), and an endpoint whose deliveries all failed for a day is disabled. Events: ${describeEvents(EVENT_TYPES)}.`

function pageAfter (cursor?: string): ObjectId | undefined {
  if (cursor === undefined) return undefined
  // The cursor's ObjectId comes from the bson package, which may not be the driver's copy: compare by type tag.
  const { id } = decodeCursor<{ id: { _bsontype?: string, toHexString?: () => string } }>(cursor, ['id'])
  if (id?._bsontype !== 'ObjectId' || !id.toHexString) throw Object.assign(new Error('querystring/cursor is not a cursor this API issued'), { statusCode: 400, code: 'INVALID_CURSOR' })
  return new ObjectId(id.toHexString())
}

/** Webhooks: a client's admin registers endpoints, reads their delivery log and redelivers. */
const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhookEndpoints: endpoints, webhookDeliveries: deliveries } = app
  const notFound = (id: string) => app.httpErrors.notFound(`Webhook ${id} not found`)
  const refusal = (url: string) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return app.httpErrors.badRequest('url must be an absolute http or https URL')
    }
    const refused = app.webhookPolicy.urlRefusal(parsed)
    return refused ? app.httpErrors.badRequest(`url refused: ${refused}`) : null
  }
  const endpointOf = async (clientId: ObjectId, id: string) => {
    const endpoint = await endpoints.findById(clientId, new ObjectId(id))
    if (!endpoint) throw notFound(id)
    return endpoint
  }

  app.post('/api/v1/webhooks', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'Register a webhook endpoint; the answer holds its signing secret, shown this once',
      description: `At most ${MAX_ENDPOINTS_PER_CLIENT} endpoints per client (409 beyond). Events stored from now on are delivered. ${DELIVERY_RULES}`,
      body: CreateWebhookBodySchema,
      response: { 201: CreatedWebhookSchema, ...errorResponses(400, 409) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const refused = refusal(request.body.url)
    if (refused) throw refused
    if (await endpoints.count(clientId) >= MAX_ENDPOINTS_PER_CLIENT) throw app.httpErrors.conflict(`A client holds at most ${MAX_ENDPOINTS_PER_CLIENT} webhook endpoints`)
    const doc = await endpoints.create(clientId, request.body, await app.events.log.head(clientId))
    app.webhookDispatcher.watch(clientId)
    return reply.code(201).header('location', `/api/v1/webhooks/${doc._id.toHexString()}`).send({ ...toWebhook(doc), secret: doc.secret })
  })

  app.get('/api/v1/webhooks', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'List the client\'s webhook endpoints, oldest first (secrets are never shown again)',
      querystring: PageOnlyQuerySchema,
      response: { 200: Page(WebhookSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const docs = await endpoints.list(callerClientId(request), { limit: limit + 1, afterId: pageAfter(cursor) })
    return pageOf(docs, limit, toWebhook, (last) => ({ id: last._id }))
  })

  app.get('/api/v1/webhooks/:webhookId', {
    config: { auth: { role: 'admin' } },
    schema: { tags: ['webhooks'], summary: 'Get one webhook endpoint', params: WebhookParamsSchema, response: { 200: WebhookSchema, ...errorResponses(400, 404) } }
  }, async (request) => toWebhook(await endpointOf(callerClientId(request), request.params.webhookId)))

  app.patch('/api/v1/webhooks/:webhookId', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'Change a webhook endpoint: its URL, events, description, or enable / disable it',
      description: '`enabled: true` re-enables an endpoint (one Switchboard disabled too): it clears the failure and delivers the events ' +
        'stored from then on. `enabled: false` stops deliveries; pending ones are cancelled.',
      params: WebhookParamsSchema,
      body: UpdateWebhookBodySchema,
      response: { 200: WebhookSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const refused = request.body.url === undefined ? null : refusal(request.body.url)
    if (refused) throw refused
    const updated = await endpoints.update(clientId, new ObjectId(request.params.webhookId), request.body, await app.events.log.head(clientId))
    if (!updated) throw notFound(request.params.webhookId)
    if (updated.enabled) app.webhookDispatcher.watch(clientId)
    return toWebhook(updated)
  })

  app.delete('/api/v1/webhooks/:webhookId', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'Delete a webhook endpoint with its deliveries and their log',
      params: WebhookParamsSchema,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(400, 404) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const id = new ObjectId(request.params.webhookId)
    if (!await endpoints.delete(clientId, id)) throw notFound(request.params.webhookId)
    await deliveries.removeFor(clientId, id)
    return reply.code(204).send(null)
  })

  app.get('/api/v1/webhooks/:webhookId/deliveries', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'The endpoint\'s delivery log, newest first: each delivery\'s state, attempts and last outcome',
      description: 'Deliveries and their attempts are kept EVENTS_RETENTION_DAYS, and listed a page (at most 100) at a time.',
      params: WebhookParamsSchema,
      querystring: ListDeliveriesQuerySchema,
      response: { 200: Page(DeliverySchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const endpoint = await endpointOf(clientId, request.params.webhookId)
    const { limit, cursor, state } = request.query
    const docs = await deliveries.list(clientId, endpoint._id, { limit: limit + 1, beforeId: pageAfter(cursor), state })
    return pageOf(docs, limit, toDelivery, (last) => ({ id: last._id }))
  })

  app.get('/api/v1/webhooks/:webhookId/deliveries/:deliveryId', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'One delivery with the event it carries',
      params: DeliveryParamsSchema,
      response: { 200: DeliveryWithEventSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const endpoint = await endpointOf(clientId, request.params.webhookId)
    const delivery = await deliveries.findById(clientId, endpoint._id, new ObjectId(request.params.deliveryId))
    if (!delivery) throw app.httpErrors.notFound(`Delivery ${request.params.deliveryId} not found`)
    return { ...toDelivery(delivery), event: delivery.event }
  })

  app.get('/api/v1/webhooks/:webhookId/deliveries/:deliveryId/attempts', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'A delivery\'s attempts, newest first: status code, latency, error',
      params: DeliveryParamsSchema,
      querystring: PageOnlyQuerySchema,
      response: { 200: Page(AttemptSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const endpoint = await endpointOf(clientId, request.params.webhookId)
    const delivery = await deliveries.findById(clientId, endpoint._id, new ObjectId(request.params.deliveryId))
    if (!delivery) throw app.httpErrors.notFound(`Delivery ${request.params.deliveryId} not found`)
    const { limit, cursor } = request.query
    const docs = await deliveries.listAttempts(clientId, delivery._id, { limit: limit + 1, beforeId: pageAfter(cursor) })
    return pageOf(docs, limit, toAttempt, (last) => ({ id: last._id }))
  })

  app.post('/api/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver', {
    config: { auth: { role: 'admin' } },
    schema: {
      tags: ['webhooks'],
      summary: 'Deliver an event again now (whatever the delivery\'s state), with a new retry window',
      description: 'The same event, id and delivery id: a receiver that de-duplicates by Switchboard-Event-Id ignores it if it already ' +
        'has it. 409 while an attempt is in flight or when the endpoint is disabled.',
      params: DeliveryParamsSchema,
      response: { 202: DeliverySchema, ...errorResponses(400, 404, 409) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const endpoint = await endpointOf(clientId, request.params.webhookId)
    if (!endpoint.enabled) throw app.httpErrors.conflict(`Webhook ${request.params.webhookId} is disabled; enable it first`)
    const id = new ObjectId(request.params.deliveryId)
    const redelivered = await deliveries.redeliver(clientId, endpoint._id, id, app.config.WEBHOOK_RETRY_WINDOW_MS)
    if (!redelivered) {
      if (!await deliveries.findById(clientId, endpoint._id, id)) throw app.httpErrors.notFound(`Delivery ${request.params.deliveryId} not found`)
      throw app.httpErrors.conflict('An attempt of this delivery is in flight; retry when it has finished')
    }
    app.webhookDispatcher.wake()
    return reply.code(202).send(toDelivery(redelivered))
  })
}

export default webhookRoutes
