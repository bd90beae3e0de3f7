import { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { errorResponses } from '../../schemas/common.js'
import { ExportQuerySchema } from './schemas.js'
import { toInteractionFilter } from './filters.js'
import type { InteractionDocument } from './repository.js'
import { csvStream, type CsvValue } from '../../lib/csv.js'

const columns = ['id', 'engagementId', 'engagement', 'customerId', 'agentName', 'userId', 'interactionDate', 'sentiment', 'topics', 'custom'] as const
type ExportRow = Record<typeof columns[number], string | number | string[] | Record<string, unknown> | null>

function exportRow (doc: InteractionDocument, channelNames: Map<string, string>): ExportRow {
  return {
    id: doc._id.toHexString(),
    engagementId: doc.engagementId.toHexString(),
    engagement: channelNames.get(doc.engagementId.toHexString()) ?? null,
    customerId: doc.customerId ?? null,
    agentName: doc.agentName ?? null,
    userId: doc.userId ?? null,
    interactionDate: doc.interactionDate.toISOString(),
    sentiment: doc.sentiment ?? null,
    topics: doc.topics,
    custom: doc.custom
  }
}

/** A CSV cell: topics joined with `|`, custom as JSON, null empty (src/lib/csv.ts quotes it and neutralises formulas). */
function csvValue (value: ExportRow[keyof ExportRow]): CsvValue {
  if (value === null || typeof value === 'number' || typeof value === 'string') return value
  return Array.isArray(value) ? value.join('|') : JSON.stringify(value)
}

const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/interactions/export', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['interactions'],
      summary: 'Stream the interactions behind the statistics as CSV or NDJSON (same filters as the list)',
      description: `Newest first, one interaction per line, streamed from the database as it is read. Columns: ${columns.join(', ')}. ` +
        'CSV: topics joined with `|`, custom as JSON, empty for null; a text cell that a spreadsheet would run as a formula ' +
        '(starting with = + - @, their full-width forms, a tab or a line break) is prefixed with an apostrophe, plain numbers excepted. ' +
        'NDJSON: one JSON object per line.',
      querystring: ExportQuerySchema,
      response: {
        200: {
          description: 'The interactions: CSV with a header line (format=csv) or one JSON object per line (format=ndjson)',
          content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } }
        },
        ...errorResponses(400)
      }
    }
  }, async (request, reply) => {
    const { format, ...query } = request.query
    const filter = toInteractionFilter(query)
    const clientId = callerClientId(request)
    const engagements = await app.engagementsRepository.listAll(clientId)
    const channelNames = new Map(engagements.map((engagement) => [engagement._id.toHexString(), engagement.name]))
    const cursor = app.interactionsRepository.stream(clientId, filter)

    async function * rows () {
      for await (const doc of cursor) yield exportRow(doc, channelNames)
    }
    async function * csvRows () {
      for await (const row of rows()) yield columns.map((column) => csvValue(row[column]))
    }
    async function * ndjsonLines () {
      for await (const row of rows()) yield `${JSON.stringify(row)}\n`
    }

    // A stream is piped as it is read; the 200 schema only documents the text.
    const extension = format === 'csv' ? 'csv' : 'ndjson'
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="interactions.${extension}"`)
      .send((format === 'csv' ? csvStream([...columns], csvRows()) : Readable.from(ndjsonLines())) as unknown as string)
  })
}

export default exportRoutes
