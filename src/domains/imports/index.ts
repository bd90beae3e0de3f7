import fp from 'fastify-plugin'
import importRunsRepository from './runs-repository.js'
import importLookups from './lookups.js'
import importsRoutes from './routes.js'
import importLifecycle from './lifecycle.js'

/** Spreadsheet and CSV imports into the interactions domain; its repositories decorate the root app. */
export default fp(async function importsDomain (app) {
  await app.register(importRunsRepository)
  await app.register(importLookups)
  await app.register(importLifecycle)
  await app.register(importsRoutes)
}, { name: 'imports-domain', dependencies: ['mongo', 'auth', 'interactions-domain'] })
