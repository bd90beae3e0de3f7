import type { Db, ObjectId } from 'mongodb'
import type { DemoClientNick } from '../demo-clients.js'

export interface SeedContext {
  db: Db
  /** The demo clients' ids by nickName. */
  clients: Record<DemoClientNick, ObjectId>
}

/** Loads one domain's demo data; must be idempotent (natural keys and upserts). */
export interface Seeder {
  name: string
  seed(context: SeedContext): Promise<void>
}
