import { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { errorResponses } from '../../schemas/common.js'
import { ExportQuerySchema } from './schemas.js'
import { toInteractionFilter } from './filters.js'
import type { InteractionDocument } from './repository.js'

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

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; topics are joined with `|`, custom is JSON. */
function csvField (value: ExportRow[keyof ExportRow]): string {
  if (value === null) return ''
  const text = Array.isArray(value) ? value.join('|') : typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/interactions/export', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['interactions'],
      summary: 'Stream the interactions behind the statistics as CSV or NDJSON (same filters as the list)',
      description: `Newest first, one interaction per line, streamed from the database as it is read. Columns: ${columns.join(', ')}. ` +
        'CSV: topics joined with `|`, custom as JSON, empty for null. NDJSON: one JSON object per line.',
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

    async function * lines () {
      if (format === 'csv') yield `${columns.join(',')}\r\n`
      for await (const doc of cursor) {
        const row = exportRow(doc, channelNames)
        yield format === 'csv' ? `${columns.map((column) => csvField(row[column])).join(',')}\r\n` : `${JSON.stringify(row)}\n`
      }
    }

    // A stream is piped as it is read; the 200 schema only documents the text.
    const extension = format === 'csv' ? 'csv' : 'ndjson'
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="interactions.${extension}"`)
      .send(Readable.from(lines()) as unknown as string)
  })
}

export default exportRoutes
