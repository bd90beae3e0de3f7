import fp from 'fastify-plugin'
import { hostname } from 'node:os'
import { ObjectId, type Collection, type Db } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { DateOrder } from './cleaning.js'
import type { SourceFormat } from './readers.js'
import type { ImportSummary, RejectedCell } from './report.js'
import type { SheetKind } from './sheets.js'
import { outboxEntry, withOutbox } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'
import { isAlive } from '../../lib/processes.js'

export type ImportStatus = 'running' | 'completed' | 'failed'

export interface ImportRunDocument {
  _id: ObjectId
  clientId: ObjectId
  fileName: string
  format: SourceFormat
  dryRun: boolean
  dateOrder: DateOrder
  sheet?: SheetKind
  status: ImportStatus
  summary?: ImportSummary
  error?: string
  startedAt: Date
  /** Refreshed while the import runs (IMPORT_HEARTBEAT_MS); a running import whose heartbeat stopped was interrupted. */
  heartbeatAt?: Date
  /** The process running the import, so that the same host can tell at once when that process is gone. */
  owner?: RunOwner
  finishedAt?: Date
  /** The `import-finished` event, until it is in the event log. */
  outbox?: OutboxEntry[]
}

export interface RunOwner { host: string, pid: number }

/** How often a running import says it is alive, and how long after its last sign a run counts as interrupted. */
export const IMPORT_HEARTBEAT_MS = 10_000
export const IMPORT_STALE_MS = 60_000

export interface ImportRejectDocument extends RejectedCell {
  _id: ObjectId
  clientId: ObjectId
  importId: ObjectId
  n: number
}

export type NewImportRun = Pick<ImportRunDocument, 'fileName' | 'format' | 'dryRun' | 'dateOrder' | 'sheet'>

/** The runs this process is importing now. */
const activeRuns = new Set<string>()

/** Whether the process `pid` of this host may still be running the import `importId`. */
function processRuns (pid: number, importId: ObjectId): boolean {
  return pid === process.pid ? activeRuns.has(importId.toHexString()) : isAlive(pid)
}

const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)

/**
 * Import runs (their reports) and their rejected cells, written in batches as the import goes. A finished run owes an
 * `import-finished` event: `announce` appends it at once (the app's), or the outbox sweep does later (the import CLI).
 */
export function createImportRunsRepository (db: Db, announce: (run: ImportRunDocument) => Promise<unknown> = async () => {}) {
  const runs: Collection<ImportRunDocument> = db.collection<ImportRunDocument>('importRuns')
  const rejects: Collection<ImportRejectDocument> = db.collection<ImportRejectDocument>('importRejects')

  return {
    async start (clientId: ObjectId, run: NewImportRun): Promise<ImportRunDocument> {
      const doc: ImportRunDocument = {
        _id: new ObjectId(), clientId, ...run, fileName: clip(run.fileName, 255), status: 'running', startedAt: new Date(), heartbeatAt: new Date(),
        owner: { host: hostname(), pid: process.pid }
      }
      activeRuns.add(doc._id.toHexString())
      if (doc.sheet === undefined) delete doc.sheet
      await runs.insertOne(doc)
      return doc
    },

    /** Stores rejected cells numbered from `firstN` (1-based, in file order). */
    async appendRejects (clientId: ObjectId, importId: ObjectId, firstN: number, cells: RejectedCell[]): Promise<void> {
      if (cells.length === 0) return
      await rejects.insertMany(cells.map((cell, index) => ({
        _id: new ObjectId(),
        clientId,
        importId,
        n: firstN + index,
        sheet: clip(cell.sheet, 255),
        row: cell.row,
        column: clip(cell.column, 100),
        value: clip(cell.value, 100),
        reason: clip(cell.reason, 500)
      })), { ordered: true })
    },

    async finish (clientId: ObjectId, importId: ObjectId, outcome: { status: ImportStatus, summary: ImportSummary, error?: string }): Promise<ImportRunDocument | null> {
      const finished = await runs.findOneAndUpdate(
        { _id: importId, clientId },
        withOutbox<ImportRunDocument>(
          { $set: { status: outcome.status, summary: outcome.summary, finishedAt: new Date(), ...(outcome.error ? { error: clip(outcome.error, 2000) } : {}) } },
          [outboxEntry('import-finished', `import-finished:${importId.toHexString()}`)]
        ),
        { returnDocument: 'after' }
      )
      if (finished) await announce(finished)
      return finished
    },

    /** The run is no longer this process's (finished, or failed even to record its end). */
    release (importId: ObjectId): void {
      activeRuns.delete(importId.toHexString())
    },

    async heartbeat (clientId: ObjectId, importId: ObjectId): Promise<void> {
      await runs.updateOne({ _id: importId, clientId, status: 'running' }, { $set: { heartbeatAt: new Date() } })
    },

    /**
     * Marks failed every run still `running` whose process stopped mid-import (a crash, a kill, a restart), whichever
     * instance ran it, and returns how many there were: a run of this host whose process is gone (or that has this
     * process's pid but is not one of its imports: an earlier process with the same pid), a run whose heartbeat is older
     * than IMPORT_STALE_MS, and a run without a heartbeat (started by a version that kept none). Should a run marked so
     * still finish after all, its finish records the outcome as usual.
     */
    async failInterrupted (now = new Date()): Promise<number> {
      const local = await runs.find({ status: 'running', 'owner.host': hostname() }, { projection: { _id: 1, owner: 1 } }).limit(10_000).toArray()
      const gone = local.filter((run) => run.owner !== undefined && !processRuns(run.owner.pid, run._id)).map((run) => run._id)
      const result = await runs.updateMany(
        { status: 'running', $or: [{ _id: { $in: gone } }, { heartbeatAt: { $lt: new Date(now.getTime() - IMPORT_STALE_MS) } }, { heartbeatAt: { $exists: false } }] },
        { $set: { status: 'failed', finishedAt: now, error: 'The import was interrupted (the process running it stopped) and did not finish: import the file again' } }
      )
      return result.modifiedCount
    },

    async findById (clientId: ObjectId, importId: ObjectId): Promise<ImportRunDocument | null> {
      return runs.findOne({ _id: importId, clientId })
    },

    /** Newest first; `after` continues from the last run of the previous page. */
    async list (clientId: ObjectId, { limit, after }: { limit: number, after?: { startedAt: Date, id: ObjectId } }): Promise<ImportRunDocument[]> {
      const filter = after
        ? { clientId, $or: [{ startedAt: { $lt: after.startedAt } }, { startedAt: after.startedAt, _id: { $lt: after.id } }] }
        : { clientId }
      return runs.find(filter).sort({ startedAt: -1, _id: -1 }).limit(limit).toArray()
    },

    /** The first rejected cells of a run, in file order. */
    async firstRejects (clientId: ObjectId, importId: ObjectId, limit: number): Promise<RejectedCell[]> {
      return rejects.find({ clientId, importId }, { projection: { _id: 0, sheet: 1, row: 1, column: 1, value: 1, reason: 1 } })
        .sort({ n: 1 }).limit(limit).toArray()
    },

    /** Every rejected cell of a run in file order, read as the consumer asks for more. */
    streamRejects (clientId: ObjectId, importId: ObjectId) {
      return rejects.find({ clientId, importId }).sort({ n: 1 }).batchSize(1000)
    }
  }
}

export type ImportRunsRepository = ReturnType<typeof createImportRunsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    importRunsRepository: ImportRunsRepository
  }
}

export default fp(async function importRunsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('importRunsRepository', createImportRunsRepository(app.mongo.db, async (run) => app.events.announce('importRuns', [run])))
}, { name: 'import-runs-repository', dependencies: ['mongo', 'events-domain'] })
