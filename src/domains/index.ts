import type { FastifyPluginAsync } from 'fastify'
import healthRoutes from './health/routes.js'
import clientsRoutes from './clients/routes.js'
import eventsDomain from './events/index.js'
import usersDomain from './users/index.js'
import messengerDomain from './messenger/index.js'
import interactionsDomain from './interactions/index.js'
import chatsDomain from './chats/index.js'
import importsDomain from './imports/index.js'
import webhooksDomain from './webhooks/index.js'

/** Every domain's routes (and the repositories it registers itself), in registration order. */
export const domains: FastifyPluginAsync[] = [
  healthRoutes,
  clientsRoutes,
  eventsDomain,
  usersDomain,
  messengerDomain,
  interactionsDomain,
  chatsDomain,
  importsDomain,
  webhooksDomain
]
