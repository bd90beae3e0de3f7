import JSZip from 'jszip'
import ExcelJS from 'exceljs'
import { ObjectId } from 'mongodb'
import type { App } from '../../src/app.js'
import { createTenant, type Tenant } from '../helper.js'
import { multipart } from '../domains/imports/helper.js'

/**
 * Requests whose sizes are chosen to hurt (decades of daily buckets, huge tables, wide files, zip bombs, long and
 * garbage parameters), each with the status Switchboard must answer, shared by test/hostile/bounded-work.test.ts
 * and bench/hostile.ts.
 */

export const CHANNELS = 100
export const PRODUCTS = 150
export const SENTIMENTS = 120

export interface HostileRequest {
  name: string
  method: 'GET' | 'POST'
  url: string
  key: string
  body?: { payload: Buffer | string, contentType: string }
  status: number
  code?: string
}

export interface HostileTenant { tenant: Tenant, chatId: number }

/** A client with CHANNELS channels, PRODUCTS products in its calendar, SENTIMENTS distinct sentiments and a chat. */
export async function prepareHostileTenant (app: App): Promise<HostileTenant> {
  const tenant = await createTenant(app)
  const channels = await app.engagementsRepository.upsertByNames(tenant.id, Array.from({ length: CHANNELS }, (_, n) => ({ name: `Channel ${n}` })))
  await app.topicsRepository.upsertMany(tenant.id, Array.from({ length: PRODUCTS }, (_, n) => ({ month: '2020-01', product: `Product ${n}` })))
  const ids = [...channels.values()].map((channel) => channel._id)
  await app.mongo.db.collection('interactions').insertMany(Array.from({ length: SENTIMENTS }, (_, n) => ({
    _id: new ObjectId(), clientId: tenant.id, engagementId: ids[n % ids.length], customerId: 1, interactionDate: new Date(Date.UTC(2020, 0, 1 + n)),
    sentiment: `Mood ${n}`, topics: [], topicSource: 'explicit', custom: { note: n % 2 === 0 ? `=HYPERLINK("x${n}")` : `-${n}` }, contentKey: String(n).padStart(64, '0'), createdAt: new Date()
  })))
  await app.customersRepository.ensureExist(tenant.id, [1])
  const chat = await app.chatsRepository.create(tenant.id, 'Jim')
  return { tenant, chatId: chat.chatId }
}

async function sharedStringsBomb (): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  book.addWorksheet('Customers').addRow(['Customer_Id'])
  const zip = await JSZip.loadAsync(await book.xlsx.writeBuffer())
  zip.file('xl/sharedStrings.xml', `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${'<si><t>a</t></si>'.repeat(4_500_000)}</sst>`)
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' })
}

/** Every hostile request, with the answer each must get. */
export async function hostileRequests ({ tenant, chatId }: HostileTenant): Promise<HostileRequest[]> {
  const { manager, agent, admin } = tenant.keys
  const get = (name: string, url: string, status: number, code?: string, key = manager): HostileRequest => ({ name, method: 'GET', url, key, status, ...(code ? { code } : {}) })
  const file = async (name: string, fileName: string, content: Buffer | string, status = 400): Promise<HostileRequest> => {
    const body = await multipart(fileName, content)
    return { name, method: 'POST', url: '/api/v1/imports', key: admin, body, status, code: 'BAD_REQUEST' }
  }
  const zoneCases = Array.from({ length: 20 }, (_, n) => [...'Europe/Dublin'].map((char, i) => ((n >> (i % 5)) & 1 ? char.toUpperCase() : char.toLowerCase())).join(''))
  return [
    get('daily volume over 8,100 years', '/api/v1/stats/volume?interval=day&from=1900-01-01&to=9999-12-31', 400, 'TOO_MANY_BUCKETS'),
    get('weekly volume over 8,100 years, compared', '/api/v1/stats/volume?interval=week&from=6000-01-01&to=9999-12-31&compare=previous', 400, 'TOO_MANY_BUCKETS'),
    get('monthly volume over 8,100 years', '/api/v1/stats/volume?interval=month&from=1900-01-01&to=9999-12-31&tz=Pacific/Kiritimati', 400, 'TOO_MANY_BUCKETS'),
    get('1,000 days × 100 channels', '/api/v1/stats/volume?interval=day&from=2020-01-01&to=2022-09-26', 400, 'TOO_MANY_CELLS'),
    get('the largest volume allowed: 100 days × 100 channels', '/api/v1/stats/volume?interval=day&from=2020-01-01&to=2020-04-09&tz=America/Sao_Paulo', 200),
    get('150 products × 100 channels', '/api/v1/stats/customers/1/channel-topics', 400, 'TOO_MANY_CELLS', agent),
    get('120 sentiments × 100 channels', '/api/v1/stats/sentiment', 400, 'TOO_MANY_CELLS'),
    get('the sentiments of a month', '/api/v1/stats/sentiment?from=2020-01-01&to=2020-01-31&compare=previous', 200),
    ...zoneCases.map((zone, n) => get(`time zone spelt ${zone}`, `/api/v1/stats/customers/1/channels?tz=${zone}&from=2020-01-0${1 + (n % 9)}&to=2020-12-31`, 200, undefined, agent)),
    get('an unknown 64-character zone', `/api/v1/interactions?tz=${'Abcdefgh/'.repeat(7)}x`, 400, 'UNKNOWN_TIME_ZONE', agent),
    get('a 65-character zone', `/api/v1/interactions?tz=${'A'.repeat(65)}`, 400, 'VALIDATION_ERROR', agent),
    get('a page of a million', '/api/v1/interactions?limit=1000000', 400, 'VALIDATION_ERROR', agent),
    get('a forged cursor', `/api/v1/interactions?cursor=${'A'.repeat(512)}`, 400, 'INVALID_CURSOR', agent),
    get('a cursor past the bound', `/api/v1/interactions?cursor=${'A'.repeat(513)}`, 400, 'VALIDATION_ERROR', agent),
    get('agent performance over the whole range, in a case-mangled zone', '/users/performance?start_date=1900-01-01&end_date=9999-12-31&tz=aSiA/kOlKaTa', 200),
    get('the CSV export', '/api/v1/interactions/export?format=csv', 200),
    { name: 'a message over the length bound', method: 'POST', url: `/chats/${chatId}/messages`, key: agent, body: { payload: JSON.stringify({ text: 'x'.repeat(5001) }), contentType: 'application/json' }, status: 400 },
    await file('a CSV header of 1.5 million columns', 'wide.csv', `Date Start,Interaction,Customers${','.repeat(1_500_000)}\r\n`),
    await file('a CSV cell of 100,000 characters', 'cell.csv', `Date Start,Interaction,Customers\r\n2020-01-01,${'E'.repeat(100_000)},1\r\n`),
    await file('a 100 KB workbook of 76 MB of shared strings', 'bomb.xlsx', await sharedStringsBomb())
  ]
}

export interface HostileAnswer { status: number, code?: string }

/** Sends one hostile request over HTTP and reads its whole answer. */
export async function send (base: string, request: HostileRequest): Promise<HostileAnswer> {
  const res = await fetch(`${base}${request.url}`, {
    method: request.method,
    headers: { authorization: `Bearer ${request.key}`, ...(request.body ? { 'content-type': request.body.contentType } : {}) },
    ...(request.body ? { body: request.body.payload } : {})
  })
  const text = await res.text()
  if (res.status < 400) return { status: res.status }
  // Only the (small) error bodies are parsed: the client's own work would count in this process's event-loop delay.
  let code: string | undefined
  try {
    code = (JSON.parse(text) as { code?: string }).code
  } catch {
    code = undefined
  }
  return { status: res.status, ...(code ? { code } : {}) }
}

/** How many documents the client has in every collection a request could write. */
export async function documentCounts (app: App, clientId: ObjectId): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const name of ['customers', 'engagements', 'interactions', 'topics', 'messages', 'chats', 'users']) {
    counts[name] = await app.mongo.db.collection(name).countDocuments({ clientId })
  }
  return counts
}
