import fp from 'fastify-plugin'
import { backgroundComment } from '../../db/plugin.js'
import { EventLog } from '../events/log.js'
import { createDeliveriesRepository, type DeliveriesRepository } from './deliveries-repository.js'
import { Dispatcher } from './dispatcher.js'
import { createEndpointsRepository, type EndpointsRepository } from './endpoints-repository.js'
import webhookRoutes from './routes.js'
import { AddressPolicy } from './target.js'

declare module 'fastify' {
  interface FastifyInstance {
    webhookEndpoints: EndpointsRepository
    webhookDeliveries: DeliveriesRepository
    webhookPolicy: AddressPolicy
    webhookDispatcher: Dispatcher
  }
}

/** Webhooks: signed HTTP deliveries of a client's events, read from the event log, retried, logged. */
export default fp(async function webhooksDomain (app) {
  const config = app.config
  const policy = new AddressPolicy(config.WEBHOOK_ALLOW_PRIVATE_TARGETS)
  const retentionMs = config.EVENTS_RETENTION_DAYS * 24 * 3_600_000
  const endpoints = createEndpointsRepository(app.mongo.db)
  const deliveries = createDeliveriesRepository(app.mongo.db, retentionMs)
  // The dispatcher's commands are the instance's own work: they carry a comment that says so.
  const comment = backgroundComment('webhooks')
  const dispatcher = new Dispatcher(
    new EventLog(app.mongo.db, retentionMs, comment), app.events.leases,
    createEndpointsRepository(app.mongo.db, comment), createDeliveriesRepository(app.mongo.db, retentionMs, comment), policy, {
    owner: app.events.leases.owner,
    pollMs: config.WEBHOOK_POLL_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    retryWindowMs: config.WEBHOOK_RETRY_WINDOW_MS,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS
  }, app.log
  )
  app.decorate('webhookEndpoints', endpoints)
  app.decorate('webhookDeliveries', deliveries)
  app.decorate('webhookPolicy', policy)
  app.decorate('webhookDispatcher', dispatcher)
  app.events.onAppended((clientId) => { dispatcher.nudge(clientId) })
  app.addHook('onReady', async () => { dispatcher.start() })
  app.addHook('onClose', async () => { await dispatcher.stop() })
  await app.register(webhookRoutes)
}, { name: 'webhooks-domain', dependencies: ['mongo', 'auth', 'events-domain'] })
