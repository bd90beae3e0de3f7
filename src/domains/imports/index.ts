import fp from 'fastify-plugin'
import importRunsRepository, { type ImportRunDocument } from './runs-repository.js'
import { toImportRun } from './present.js'
import { audience } from '../events/types.js'
import importLookups from './lookups.js'
import importsRoutes from './routes.js'
import importLifecycle from './lifecycle.js'

/** Spreadsheet and CSV imports into the interactions domain; its repositories decorate the root app. */
export default fp(async function importsDomain (app) {
  await app.register(importRunsRepository)
  app.events.registerSource('importRuns', {
    collection: app.mongo.db.collection<ImportRunDocument>('importRuns'),
    describe: (doc) => ({ audience: [audience.imports], data: toImportRun(doc) })
  })
  await app.register(importLookups)
  await app.register(importLifecycle)
  await app.register(importsRoutes)
}, { name: 'imports-domain', dependencies: ['mongo', 'auth', 'interactions-domain', 'events-domain'] })
