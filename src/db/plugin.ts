import fp from 'fastify-plugin'
import type { Db, MongoClient } from 'mongodb'
import type { DatabaseMode } from '../config.js'
import { connectDatabase, redact } from './connect.js'
import { createMigrator, migrateUp } from './migrate.js'

export interface MongoDecorator {
  client: MongoClient
  db: Db
  mode: DatabaseMode
  /** The server's connection string (the embedded engine's socket or port, or MONGODB_URI): for this process's own tools. */
  uri: string
}

declare module 'fastify' {
  interface FastifyInstance {
    mongo: MongoDecorator
  }
}

/**
 * The `comment` of commands an app instance sends on its own (revocation polls, rate-limit flushes), not for a request:
 * command monitoring tells them apart by it.
 */
export function backgroundComment (task: string): string {
  return `background: ${task}`
}

/** Connects to MongoDB in the configured mode, applies migrations where the database is throw-away, closes on shutdown. */
export default fp<{ migrate?: boolean, monitorCommands?: boolean }>(async function mongoPlugin (app, options) {
  const connection = await connectDatabase(app.config, { monitorCommands: options.monitorCommands })
  app.log.info({ mode: connection.mode, uri: redact(connection.uri), db: app.config.MONGODB_DB }, 'connected to MongoDB')
  app.decorate('mongo', { client: connection.client, db: connection.db, mode: connection.mode, uri: connection.uri })
  app.addHook('onClose', async () => { await connection.close() })

  if (options.migrate ?? connection.mode !== 'uri') {
    const applied = await migrateUp(connection.db)
    if (applied.length > 0) app.log.info({ migrations: applied }, 'applied migrations')
  } else {
    const pending = await createMigrator(connection.db).pending()
    if (pending.length > 0) app.log.warn({ pending: pending.map((migration) => migration.name) }, 'database has pending migrations: run npm run migrate')
  }
}, { name: 'mongo', dependencies: ['@fastify/env'] })
