import fp from 'fastify-plugin'
import engagementsRepository from '../engagements/repository.js'
import engagementsRoutes from '../engagements/routes.js'
import customersRepository from '../customers/repository.js'
import customersRoutes from '../customers/routes.js'
import topicsRepository from '../topics/repository.js'
import topicsRoutes from '../topics/routes.js'
import interactionsRepository from './repository.js'
import interactionsRoutes from './routes.js'
import seedContractRoutes from './seed-routes.js'
import statsRoutes from './stats-routes.js'
import exportRoutes from './export-routes.js'
import clientStats from './client-stats.js'
import clientStatsRoutes from './client-stats-routes.js'

/** Engagements (channels), customers, topics and interactions of each client, with their statistics; repositories decorate the root app. */
export default fp(async function interactionsDomain (app) {
  await app.register(engagementsRepository)
  await app.register(customersRepository)
  await app.register(topicsRepository)
  await app.register(interactionsRepository)
  await app.register(clientStats)
  await app.register(engagementsRoutes)
  await app.register(customersRoutes)
  await app.register(topicsRoutes)
  await app.register(interactionsRoutes)
  await app.register(seedContractRoutes)
  await app.register(statsRoutes)
  await app.register(exportRoutes)
  await app.register(clientStatsRoutes)
}, { name: 'interactions-domain', dependencies: ['mongo', 'auth', 'users-domain'] })
