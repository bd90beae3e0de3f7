import type { Db } from 'mongodb'
import { Umzug, MongoDBStorage } from 'umzug'
import { migrations } from './migrations/index.js'

export interface Migration {
  name: string
  up(db: Db): Promise<void>
  down(db: Db): Promise<void>
}

type Log = (message: string) => void

/** Versioned migrations (collections, validators, indexes), tracked in the `migrations` collection by umzug. */
export function createMigrator (db: Db, log: Log = () => {}) {
  const report = (event: Record<string, unknown>) => log(`${String(event.event)} ${String(event.name ?? '')}`.trim())
  return new Umzug<Db>({
    migrations: migrations.map((migration) => ({
      name: migration.name,
      up: async ({ context }) => migration.up(context),
      down: async ({ context }) => migration.down(context)
    })),
    context: db,
    storage: new MongoDBStorage({ collection: db.collection('migrations') }),
    logger: { info: report, warn: report, error: report, debug: () => {} }
  })
}

export async function migrateUp (db: Db, log?: Log): Promise<string[]> {
  const applied = await createMigrator(db, log).up()
  return applied.map((migration) => migration.name)
}
