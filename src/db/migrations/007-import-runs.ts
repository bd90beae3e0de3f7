import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '007-import-runs'

const text = (maxLength: number) => ({ bsonType: 'string', maxLength })

/** Every spreadsheet/CSV import of a client (its report), and every cell it rejected (the downloadable CSV). */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'importRuns', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'fileName', 'format', 'dryRun', 'dateOrder', 'status', 'startedAt'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      fileName: { bsonType: 'string', minLength: 1, maxLength: 255 },
      format: { enum: ['xlsx', 'csv'] },
      dryRun: { bsonType: 'bool' },
      dateOrder: { enum: ['day-first', 'month-first'] },
      sheet: { enum: ['customers', 'interactions', 'topics'] },
      status: { enum: ['running', 'completed', 'failed'] },
      summary: { bsonType: 'object' },
      error: text(2000),
      startedAt: { bsonType: 'date' },
      finishedAt: { bsonType: 'date' }
    }
  })
  await db.collection('importRuns').createIndex({ clientId: 1, startedAt: -1, _id: -1 }, { name: 'clientId_startedAt' })

  await defineCollection(db, 'importRejects', {
    bsonType: 'object',
    required: ['_id', 'clientId', 'importId', 'n', 'sheet', 'row', 'column', 'value', 'reason'],
    additionalProperties: false,
    properties: {
      _id: { bsonType: 'objectId' },
      clientId: { bsonType: 'objectId' },
      importId: { bsonType: 'objectId' },
      n: { bsonType: ['int', 'long'], minimum: 1 },
      sheet: text(255),
      row: { bsonType: ['int', 'long'], minimum: 0 },
      column: text(100),
      value: text(100),
      reason: text(500)
    }
  })
  await db.collection('importRejects').createIndex({ clientId: 1, importId: 1, n: 1 }, { unique: true, name: 'clientId_importId_n_unique' })
}

export async function down (db: Db): Promise<void> {
  for (const collection of ['importRejects', 'importRuns']) await db.collection(collection).drop()
}
