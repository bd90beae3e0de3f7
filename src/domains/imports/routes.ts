import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from '@sinclair/typebox'
import { Type } from '@sinclair/typebox'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { MappingError, parseMapping } from './mapping.js'
import { ImportError, runImport } from './pipeline.js'
import { toImportReport, toImportRun } from './present.js'
import { formatOf } from './readers.js'
import { REJECTS_CSV_COLUMNS, REPORT_LIST_LIMIT, rejectCsvRow } from './report.js'
import { csvStream } from '../../lib/csv.js'
import type { ImportRejectDocument } from './runs-repository.js'
import { ImportBodySchema, ImportListQuerySchema, ImportParamsSchema, ImportQuerySchema, ImportReportSchema, ImportRunSchema } from './schemas.js'
import { discardUpload, registerUploads } from './upload.js'

/** A large file takes minutes (see docs/BENCHMARKS.md); the default handler timeout is for ordinary requests. */
const IMPORT_TIMEOUT_MS = 30 * 60 * 1000

async function * rejectRows (rejects: AsyncIterable<ImportRejectDocument>) {
  for await (const reject of rejects) yield rejectCsvRow(reject)
}

type ImportRequest = FastifyRequest<{ Body: Static<typeof ImportBodySchema>, Querystring: Static<typeof ImportQuerySchema> }>

/** Spreadsheet and CSV imports: upload a file, get the report; list past runs; download a run's rejected cells. */
const importsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await registerUploads(app)

  app.post('/api/v1/imports', {
    config: { auth: { role: 'admin' } },
    handlerTimeout: IMPORT_TIMEOUT_MS,
    schema: {
      tags: ['imports'],
      summary: 'Import a workbook (.xlsx) or a CSV export and get its report',
      description: 'Send multipart/form-data with the file in the field `file`. A workbook\'s sheets (Customers; External interactions; ' +
        'Products of discussion) and a CSV\'s single sheet are recognised by their headers (case, spaces and underscores ignored; ' +
        '`mapping` renames other headers). Bad rows never stop the import: each rejected cell is listed with its sheet, row and reason. ' +
        'Re-importing a file changes nothing; a corrected file updates what changed. `dry_run` reports without writing. ' +
        'The whole file is checked against the import limits (columns, cell and row sizes, shared strings, a workbook\'s uncompressed size: ' +
        'see the README) before anything is written; beyond one it is a 400 naming it. A run stopped by a shutdown is a 503 and recorded as failed.',
      consumes: ['multipart/form-data'],
      querystring: ImportQuerySchema,
      body: ImportBodySchema,
      response: { 201: ImportReportSchema, ...errorResponses(400, 413, 415, 503) }
    }
  }, async (request, reply) => {
    request.importUploadInUse = true
    try {
      return await importUpload(request, reply)
    } finally {
      await discardUpload(request)
    }
  })

  /** Runs one uploaded import to its report; a server shutdown stops it (its run is marked failed) with a 503. */
  async function importUpload (request: ImportRequest, reply: FastifyReply) {
    const upload = request.importUpload
    if (!upload) throw app.httpErrors.badRequest('Send the file as multipart/form-data in the field "file"')
    const { file: _file, ...fields } = request.body
    const options = { ...request.query, ...fields }
    const format = formatOf(upload.fileName)
    if (!format) throw app.httpErrors.unsupportedMediaType(`Cannot import "${upload.fileName}": send an .xlsx workbook or a .csv file`)
    let mapping = {}
    try {
      if (options.mapping) mapping = parseMapping(options.mapping)
    } catch (error) {
      if (error instanceof MappingError) throw app.httpErrors.badRequest(error.message)
      throw error
    }
    const target = {
      engagements: app.engagementsRepository,
      customers: app.customersRepository,
      topics: app.topicsRepository,
      interactions: app.interactionsRepository,
      lookups: app.importLookups
    }
    const stop = app.importAborts.start()
    try {
      const run = await runImport(target, app.importRunsRepository, callerClientId(request), { ...upload, format }, {
        dryRun: options.dry_run ?? false, dateOrder: options.date_order ?? 'day-first', mapping, sheet: options.sheet, signal: stop.signal
      })
      const rejects = await app.importRunsRepository.firstRejects(run.clientId, run._id, REPORT_LIST_LIMIT)
      return reply.code(201).header('location', `/api/v1/imports/${run._id.toHexString()}`).send(toImportReport(run, rejects))
    } catch (error) {
      if (error instanceof ImportError) throw app.httpErrors.badRequest(error.message)
      if (stop.signal.aborted) throw app.httpErrors.serviceUnavailable('Switchboard is shutting down: the import was stopped and is recorded as failed; send the file again')
      throw error
    } finally {
      app.importAborts.finish(stop)
    }
  }

  app.get('/api/v1/imports', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['imports'],
      summary: 'List the client\'s imports, newest first',
      querystring: ImportListQuerySchema,
      response: { 200: Page(ImportRunSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const after = cursor ? decodeCursor<{ startedAt: Date, id: ObjectId }>(cursor, ['startedAt', 'id']) : undefined
    const docs = await app.importRunsRepository.list(callerClientId(request), { limit: limit + 1, after })
    return pageOf(docs, limit, toImportRun, (last) => ({ startedAt: last.startedAt, id: last._id }))
  })

  app.get('/api/v1/imports/:importId', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['imports'],
      summary: 'The report of one import',
      params: ImportParamsSchema,
      response: { 200: ImportReportSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const run = await app.importRunsRepository.findById(callerClientId(request), new ObjectId(request.params.importId))
    if (!run) throw app.httpErrors.notFound(`Import ${request.params.importId} not found`)
    return toImportReport(run, await app.importRunsRepository.firstRejects(run.clientId, run._id, REPORT_LIST_LIMIT))
  })

  app.get('/api/v1/imports/:importId/rejects.csv', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['imports'],
      summary: 'Every rejected cell of one import, as CSV',
      description: 'Columns: sheet, row (as the spreadsheet shows it), column, value, reason. A text cell a spreadsheet would run as a formula ' +
        '(starting with = + - @, their full-width forms, a tab or a line break) is prefixed with an apostrophe, plain numbers excepted.',
      params: ImportParamsSchema,
      response: { 200: { description: 'CSV, one line per rejected cell', content: { 'text/csv': { schema: Type.String() } } }, ...errorResponses(400, 404) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const run = await app.importRunsRepository.findById(clientId, new ObjectId(request.params.importId))
    if (!run) throw app.httpErrors.notFound(`Import ${request.params.importId} not found`)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${request.params.importId}-rejects.csv"`)
      .send(csvStream(REJECTS_CSV_COLUMNS, rejectRows(app.importRunsRepository.streamRejects(clientId, run._id))) as unknown as string)
  })
}

export default importsRoutes
