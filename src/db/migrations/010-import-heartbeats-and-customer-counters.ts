import type { Db } from 'mongodb'
import { defineCollection } from '../collections.js'

export const name = '010-import-heartbeats-and-customer-counters'

const MAX_ID = 2_147_483_647

/** The import run's validator (007), with or without the heartbeat a running import refreshes and the process that runs it. */
function importRunSchema (heartbeat: boolean) {
  return {
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
      error: { bsonType: 'string', maxLength: 2000 },
      startedAt: { bsonType: 'date' },
      ...(heartbeat
        ? {
            heartbeatAt: { bsonType: 'date' },
            owner: { bsonType: 'object', required: ['host', 'pid'], properties: { host: { bsonType: 'string', maxLength: 255 }, pid: { bsonType: ['int', 'long'] } } }
          }
        : {}),
      finishedAt: { bsonType: 'date' }
    }
  }
}

/**
 * Import runs carry a heartbeat and the host and pid of their process, so that a run whose process stopped mid-import
 * is found (by status and heartbeat, or by a dead pid on the same host) and marked failed at start-up. And customer counters that an explicit id pushed to the end of the range start again:
 * automatic ids now step over taken ones (src/db/sequences.ts), so a counter at the end only blocked numbering.
 */
export async function up (db: Db): Promise<void> {
  await defineCollection(db, 'importRuns', importRunSchema(true))
  await db.collection('importRuns').createIndex({ status: 1, heartbeatAt: 1 }, { name: 'status_heartbeatAt' })
  await db.collection<{ _id: string, seq: number }>('counters').updateMany({ _id: { $regex: ':customers$' }, seq: { $gte: MAX_ID } }, { $set: { seq: 0 } })
}

export async function down (db: Db): Promise<void> {
  await db.collection('importRuns').dropIndex('status_heartbeatAt')
  await db.collection('importRuns').updateMany({}, { $unset: { heartbeatAt: '', owner: '' } })
  await defineCollection(db, 'importRuns', importRunSchema(false))
}
