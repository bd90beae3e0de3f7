import { randomBytes } from 'node:crypto'
import { MongoClient, type Db, type Document, type ObjectId } from 'mongodb'
import type { Test } from 'tap'
import { startEmbeddedMongo } from '../../../src/db/embedded/index.js'

/** A document of any shape whose _id may be a number or a string as well as an ObjectId. */
export type Row = Document & { _id?: number | string | ObjectId }

/** A collation as mongod reports it back (every field, ICU 57.1's version), with the given fields changed. */
export const fullSpec = (overrides: Row): Row => ({
  locale: 'en',
  caseLevel: false,
  caseFirst: 'off',
  strength: 3,
  numericOrdering: false,
  alternate: 'non-ignorable',
  maxVariable: 'punct',
  normalization: false,
  backwards: false,
  version: '57.1',
  ...overrides
})

export interface Conformance {
  client: MongoClient
  db: Db
  uri: string
  /** True when the suite runs against the embedded engine rather than MONGODB_URI. */
  embedded: boolean
}

/**
 * Connects to MONGODB_URI when set, else starts the embedded engine; gives the test file a
 * database of its own and drops it (and stops the engine) in teardown.
 */
export async function setup (t: Test): Promise<Conformance> {
  const external = process.env.MONGODB_URI
  const engine = external === undefined || external === '' ? await startEmbeddedMongo() : undefined
  const uri = engine?.uri ?? (external as string)
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 })
  await client.connect()
  const db = client.db(`conformance_${randomBytes(6).toString('hex')}`)
  t.teardown(async () => {
    await db.dropDatabase().catch(() => undefined)
    await client.close()
    await engine?.stop()
  })
  return { client, db, uri, embedded: engine !== undefined }
}
