import { createReadStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ImportReport } from '../src/domains/imports/schemas.js'
import type { ImportRequest, Progress } from './import-direct.js'

function field (boundary: string, name: string, value: string): string {
  return `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
}

/** The multipart/form-data body, streamed from disk so that upload progress can be shown. */
async function * multipartBody (request: ImportRequest, boundary: string, progress: Progress): AsyncGenerator<Buffer> {
  let fields = field(boundary, 'date_order', request.dateOrder) + field(boundary, 'dry_run', String(request.dryRun))
  if (request.sheet) fields += field(boundary, 'sheet', request.sheet)
  if (request.mapping) fields += field(boundary, 'mapping', request.mapping)
  const safeName = request.fileName.replace(/["\r\n]/g, '_')
  yield Buffer.from(`${fields}--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${safeName}"\r\ncontent-type: application/octet-stream\r\n\r\n`)
  let sent = 0
  for await (const chunk of createReadStream(request.file)) {
    sent += (chunk as Buffer).length
    progress(sent, request.size, 0, 'Uploading')
    yield chunk as Buffer
  }
  progress(1, 1, 0, 'Server importing')
  yield Buffer.from(`\r\n--${boundary}--\r\n`)
}

/** The key to send: SWITCHBOARD_API_KEY, or the demo admin key of a demo client nickName. */
function apiKey (client: string): string {
  const key = process.env.SWITCHBOARD_API_KEY ?? (/^[a-z0-9][a-z0-9-]*$/.test(client) ? `sb_demo_${client}_admin` : undefined)
  if (!key) throw new Error('Set SWITCHBOARD_API_KEY to an admin key of the client (or MONGODB_URI to write to a database directly)')
  return key
}

async function call (url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (error) {
    throw new Error(`Cannot reach the server at ${url} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}). ` +
      'Start it with npm start, set SWITCHBOARD_URL, or set MONGODB_URI to write to a database directly.', { cause: error })
  }
}

/** MONGODB_URI is unset: the data lives in the running server (the embedded engine is inside it), so send it the file. */
export async function importThroughServer (request: ImportRequest, progress: Progress): Promise<ImportReport> {
  const base = (process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
  const authorization = `Bearer ${apiKey(request.client)}`
  const own = await call(`${base}/api/v1/clients`, { headers: { authorization } })
  if (!own.ok) throw new Error(`The server refused the key (${own.status}): ${await own.text()}`)
  const clients = (await own.json() as { data: { id: string, nickName: string }[] }).data
  if (!clients.some((client) => client.id === request.client || client.nickName === request.client)) {
    throw new Error(`The API key belongs to ${clients.map((client) => client.nickName).join(', ') || 'no client'}, not to ${request.client}`)
  }
  const boundary = `switchboard-${randomBytes(12).toString('hex')}`
  const response = await call(`${base}/api/v1/imports`, {
    method: 'POST',
    headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Readable.toWeb(Readable.from(multipartBody(request, boundary, progress))) as ReadableStream,
    duplex: 'half'
  } as RequestInit)
  const body = await response.text()
  if (response.status !== 201) throw new Error(`POST /api/v1/imports answered ${response.status}: ${body}`)
  return JSON.parse(body) as ImportReport
}
