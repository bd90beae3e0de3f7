import fp from 'fastify-plugin'
import { shouldSeedDemo } from '../config.js'
import { seedDemo } from '../../mock_data/seed.js'
import type { DemoClient } from '../../mock_data/demo-clients.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The demo clients loaded at start-up, or null when demo data is off. */
    demoClients: DemoClient[] | null
  }
}

/** Loads the demo data at start-up when SEED_DEMO is on (the default for the throw-away database modes). */
export default fp(async function demoDataPlugin (app) {
  if (!shouldSeedDemo(app.config)) {
    app.decorate('demoClients', null)
    return
  }
  if (app.config.NODE_ENV === 'production') throw new Error('SEED_DEMO: demo data (with its published keys) is never loaded when NODE_ENV=production')
  const clients = await seedDemo(app.mongo.db)
  app.decorate('demoClients', clients)
  app.log.info({ clients: clients.map((client) => client.nickName) }, 'demo data loaded')
}, { name: 'demo-data', dependencies: ['mongo'] })
