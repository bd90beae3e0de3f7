import { randomBytes } from 'node:crypto'
import { buildApp, type App } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { PLATFORM_KEY } from '../helper.js'

interface TestContext { teardown(fn: () => unknown): void }

/**
 * Two app instances on one database, as behind a load balancer: the server named by MONGODB_URI, or an embedded engine
 * this function starts. They share the database and nothing else (each has its own key cache and rate-limit counts).
 */
export async function twoInstances (t: TestContext, env: Record<string, string> = {}): Promise<[App, App]> {
  const engine = process.env.MONGODB_URI ? null : await startEmbeddedMongo({ port: 0 })
  const database = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    ADMIN_API_KEY: PLATFORM_KEY,
    RATE_LIMIT_MAX: '0',
    MONGODB_URI: process.env.MONGODB_URI ?? engine?.uri as string,
    MONGODB_DB: `test_${randomBytes(6).toString('hex')}`,
    ...env
  }
  const apps: App[] = []
  t.teardown(async () => {
    if (apps[0]) await apps[0].mongo.db.dropDatabase()
    for (const app of apps) await app.close()
    await engine?.stop()
  })
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({ env: database, logger: false, migrate: true, monitorCommands: true })
    apps.push(app)
    await app.ready()
  }
  return apps as [App, App]
}
