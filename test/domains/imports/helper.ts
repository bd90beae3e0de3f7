import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { App } from '../../../src/app.js'
import { bearer } from '../../helper.js'

export const seedWorkbook = new URL('../../../mock_data/seed-interactions.xlsx', import.meta.url)
export const messyCsv = new URL('../../../mock_data/messy-interactions.csv', import.meta.url)
export const correctionsCsv = new URL('../../../mock_data/customers-corrections.csv', import.meta.url)

export interface UploadOptions { fields?: Record<string, string>, query?: string, fileField?: string }

/** A multipart/form-data body as a browser or curl would send it. */
export async function multipart (fileName: string, content: Buffer | string, options: UploadOptions = {}) {
  const form = new FormData()
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value)
  form.append(options.fileField ?? 'file', new Blob([content]), fileName)
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type') as string }
}

/** POST /api/v1/imports with a file from mock_data (a URL) or inline content. */
export async function upload (app: App, key: string, file: URL | { name: string, content: Buffer | string }, options: UploadOptions = {}) {
  const { name, content } = file instanceof URL ? { name: basename(file.pathname), content: await readFile(file) } : file
  const body = await multipart(name, content, options)
  return app.inject({
    method: 'POST',
    url: `/api/v1/imports${options.query ? `?${options.query}` : ''}`,
    headers: { ...bearer(key), 'content-type': body.contentType },
    payload: body.payload
  })
}

/** How many documents the client has in each collection an import writes. */
export async function dataCounts (app: App, clientId: unknown) {
  const counts: Record<string, number> = {}
  for (const name of ['customers', 'engagements', 'interactions', 'topics']) {
    counts[name] = await app.mongo.db.collection(name).countDocuments({ clientId })
  }
  return counts
}

export async function channelCounts (app: App, key: string, customerId: number, query = '') {
  const res = await app.inject({ method: 'GET', url: `/api/v1/interactions/${customerId}${query}`, headers: bearer(key) })
  return { status: res.statusCode, body: res.body }
}
