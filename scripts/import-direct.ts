import { ObjectId } from 'mongodb'
import { buildApp } from '../src/app.js'
import { parseMapping } from '../src/domains/imports/mapping.js'
import { runImport } from '../src/domains/imports/pipeline.js'
import { toImportReport } from '../src/domains/imports/present.js'
import { formatOf } from '../src/domains/imports/readers.js'
import { REPORT_LIST_LIMIT } from '../src/domains/imports/report.js'
import type { ImportReport } from '../src/domains/imports/schemas.js'
import type { CliOptions } from './import.js'

export interface ImportRequest extends Omit<CliOptions, 'mapping'> { mapping?: string, fileName: string, size: number }
export type Progress = (done: number, total: number, rows: number, phase: string) => void

/** MONGODB_URI is set: build the app against that database (no server) and run the pipeline in this process. */
export async function importDirectly (request: ImportRequest, progress: Progress): Promise<ImportReport> {
  const app = await buildApp({ env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', SEED_DEMO: 'false' }, migrate: false })
  try {
    await app.ready()
    const clients = ObjectId.isValid(request.client) && request.client.length === 24
      ? [await app.clientsRepository.findById(new ObjectId(request.client))]
      : (await app.clientsRepository.listAll()).filter((client) => client.nickName === request.client)
    const client = clients[0]
    if (!client) throw new Error(`No client ${request.client} in ${app.mongo.db.databaseName}`)
    const target = {
      engagements: app.engagementsRepository,
      customers: app.customersRepository,
      topics: app.topicsRepository,
      interactions: app.interactionsRepository,
      lookups: app.importLookups
    }
    // Ctrl-C or a kill stops the import at the next row, and its run is recorded as failed rather than left running.
    const stop = new AbortController()
    const interrupt = (signal: NodeJS.Signals) => { stop.abort(new Error(`interrupted by ${signal}`)) }
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    try {
      const run = await runImport(target, app.importRunsRepository, client._id,
        { path: request.file, fileName: request.fileName, format: formatOf(request.fileName) ?? 'csv', size: request.size },
        { dryRun: request.dryRun, dateOrder: request.dateOrder, mapping: request.mapping ? parseMapping(request.mapping) : {}, sheet: request.sheet, signal: stop.signal },
        ({ bytesRead, totalBytes, rows }) => progress(bytesRead, totalBytes, rows, 'Importing'))
      return toImportReport(run, await app.importRunsRepository.firstRejects(run.clientId, run._id, REPORT_LIST_LIMIT))
    } finally {
      process.removeListener('SIGINT', interrupt)
      process.removeListener('SIGTERM', interrupt)
    }
  } finally {
    await app.close()
  }
}
