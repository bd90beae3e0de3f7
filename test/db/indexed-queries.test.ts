import t from 'tap'
import fc from 'fast-check'
import { MongoClient, ObjectId, type CommandStartedEvent, type Document } from 'mongodb'
import type { App } from '../../src/app.js'
import { bearer, buildTestApp, createTenant, PLATFORM_KEY, type Tenant } from '../helper.js'
import { listOperations, type Operation } from '../hardening/openapi-requests.js'
import { valid } from '../hardening/openapi-arbitraries.js'
import { multipart } from '../domains/imports/helper.js'
import { everything } from './embedded/plans.js'

/**
 * Every query the app sends uses an index. The app is driven (demo data, then a client of this test's own at two
 * sizes: every route of the OpenAPI document with valid requests, lists followed page by page, and the domain flows:
 * an import, chats, chatrooms, direct messages, statistics); each find, aggregate, count, distinct, update, delete and
 * findAndModify it sends is captured through the driver's command monitoring, and each distinct shape is explained.
 * A collection scan of a client collection fails the test, and so does a query whose examined/returned ratio grows
 * with the data. It runs unchanged against MONGODB_URI, so production plans are checked too.
 */

/** Global bookkeeping with a handful of documents, which may be scanned. */
const TINY_COLLECTIONS = new Set(['migrations'])
const CAPTURED = new Set(['find', 'aggregate', 'count', 'distinct', 'update', 'delete', 'findAndModify'])
/** Fields that belong to the session or the transport, not to what explain explains. */
const TRANSPORT = new Set(['lsid', '$db', '$clusterTime', 'txnNumber', 'autocommit', 'startTransaction', 'writeConcern', 'readConcern', '$readPreference', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'maxTimeMS'])
const SAMPLES = 4
const SEED = 20261201

t.setTimeout(600_000)

/** The structure of a value: field names and operators kept, values replaced by their kind. */
function shapeOf (value: unknown): unknown {
  // Lists of values ($in) keep one kind; lists of documents (a pipeline, $or branches) keep every one.
  if (Array.isArray(value)) return value.some((v) => v !== null && typeof v === 'object' && !(v instanceof Date) && (v as { _bsontype?: string })._bsontype === undefined) ? value.map(shapeOf) : ['list', ...new Set(value.map((v) => JSON.stringify(shapeOf(v))))]
  if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value
  const type = (value as { _bsontype?: string })._bsontype
  if (type !== undefined) return type
  if (value instanceof Date) return 'date'
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]))
}

interface Query { key: string, collection: string, explain: Document }

/** The explainable queries of one command (a write command explains one statement at a time). */
function queriesOf (command: Document, name: string): Query[] {
  const body: Document = {}
  for (const [k, v] of Object.entries(command)) if (!TRANSPORT.has(k)) body[k] = v
  const collection = String(body[name])
  if (name === 'update' || name === 'delete') {
    const list = (name === 'update' ? body.updates : body.deletes) as Document[]
    return list.map((statement) => {
      const shape = name === 'update' ? { q: shapeOf(statement.q), u: Object.keys(statement.u ?? {}), multi: statement.multi === true, upsert: statement.upsert === true } : { q: shapeOf(statement.q), limit: statement.limit }
      const explain = { [name]: collection, [name === 'update' ? 'updates' : 'deletes']: [statement], ...(body.let === undefined ? {} : { let: body.let }) }
      return { key: `${name} ${collection} ${JSON.stringify(shape)}`, collection, explain }
    })
  }
  const { batchSize: _b, singleBatch: _s, cursor: _c, ...rest } = body
  const explain = name === 'aggregate' ? { ...rest, cursor: {} } : rest
  const shape = { ...rest, [name]: collection }
  return [{ key: `${name} ${collection} ${JSON.stringify(shapeOf(shape))}`, collection, explain }]
}

interface Measured { collscans: string[], examined: number, returned: number }

/** What an explain says was scanned: collection scans (and of which collection), and examined against returned. */
function measure (query: Query, explain: Document): Measured {
  const nodes = everything(explain)
  const collscans: string[] = []
  if (nodes.some((n) => n.stage === 'COLLSCAN')) collscans.push(query.collection)
  for (const n of nodes) {
    const lookup = n.$lookup as Document | undefined
    if (lookup !== undefined && Number(n.collectionScans ?? 0) > 0) collscans.push(String(lookup.from))
    if (n.stage === 'EQ_LOOKUP' && n.strategy !== 'IndexedLoopJoin') collscans.push(String(n.foreignCollection))
  }
  const stats = explain.executionStats ?? explain.stages?.[0]?.$cursor?.executionStats ?? {}
  const stages = stats.executionStages ?? {}
  const examined = Math.max(Number(stats.totalKeysExamined ?? 0), Number(stats.totalDocsExamined ?? 0))
  const returned = Math.max(Number(stats.nReturned ?? 0), Number(stages.nCounted ?? 0), Number(stages.nMatched ?? 0), Number(stages.nWouldDelete ?? 0))
  return { collscans, examined, returned }
}

/** Turns on command monitoring for the app's client (the driver only monitors connections opened with it on). */
async function buildMonitoredApp (): Promise<App> {
  const connect = MongoClient.prototype.connect
  MongoClient.prototype.connect = function (this: MongoClient) {
    (this as MongoClient & { monitorCommands: boolean }).monitorCommands = true
    return connect.call(this)
  } as typeof connect
  try {
    return await buildTestApp(t, { seed: true })
  } finally {
    MongoClient.prototype.connect = connect
  }
}

const app = await buildMonitoredApp()
const captured = new Map<string, Query>()
let capturing = false
app.mongo.client.on('commandStarted', (event: CommandStartedEvent) => {
  if (!capturing || !CAPTURED.has(event.commandName) || event.databaseName !== app.mongo.db.databaseName) return
  for (const query of queriesOf(event.command, event.commandName)) captured.set(query.key, query)
})

const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
const operations = listOperations(doc).filter((operation) => !operation.streams)
const tenant: Tenant = await createTenant(app, 'indexed-queries')
const agentOf = async (name: string): Promise<number> => (await app.usersRepository.create(tenant.id, { name, role: 'agent' })).userId

async function send (method: string, url: string, key: string | null, payload?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: Document | undefined }> {
  const res = await app.inject({ method: method as 'GET', url, headers: { ...(key === null ? {} : bearer(key)), ...headers }, ...(payload === undefined ? {} : { payload: payload as Document }) })
  let body: Document | undefined
  try { body = res.json() } catch { body = undefined }
  if (process.env.INDEXED_QUERIES_VERBOSE !== undefined) process.stderr.write(`${res.statusCode} ${method} ${url.slice(0, 120)}\n`)
  return { status: res.statusCode, body }
}

/** A CSV of interaction rows from `from` (one every few hours from 2019-01-01, the six channels). */
function interactionsCsv (from: number, count: number, customers: number): string {
  const channels = ['Email', 'Call', 'Chat', 'SMS', 'Bird', 'Twitter']
  const pad = (n: number): string => String(n).padStart(2, '0')
  const lines = ['Date Start,Interaction,Customers']
  for (let i = from; i < from + count; i++) {
    const d = new Date(Date.UTC(2019, 0, 1) + i * 5 * 3_600_000)
    lines.push(`${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:00,${channels[i % 6]},${(i % customers) + 1}`)
  }
  return `${lines.join('\n')}\n`
}

/** Data of the test's own client: `scale` 1, then 4 (four times everything). */
async function grow (from: number, scale: number): Promise<void> {
  const admin = tenant.keys.admin
  const rows = 400 * scale
  const body = await multipart('interactions.csv', interactionsCsv(from * 400, rows - from * 400, 40 * scale))
  const imported = await send('POST', '/api/v1/imports', admin, body.payload, { 'content-type': body.contentType })
  if (imported.status !== 201 && imported.status !== 200) throw new Error(`import answered ${imported.status}: ${JSON.stringify(imported.body)}`)
  for (let m = from * 3; m < 3 * scale; m++) await send('POST', '/api/v1/topics', admin, { month: `2019-${String((m % 12) + 1).padStart(2, '0')}`, product: `P${m}` })
  const agents: number[] = []
  for (let i = from * 3; i < 3 * scale; i++) agents.push(await agentOf(`Agent ${i}`))
  const agentHeaders = tenant.keys.agent
  for (let i = from * 8; i < 8 * scale; i++) {
    const opened = await send('POST', '/api/v1/chats', agentHeaders, { customerName: `Customer ${i}` })
    const chatId = opened.body?.id as number
    const agent = agents[i % agents.length]
    await send('POST', `/api/v1/chats/${chatId}/assign`, agentHeaders, { userId: agent })
    await send('POST', `/api/v1/chats/${chatId}/messages`, agentHeaders, { text: 'hello' })
    await send('POST', `/api/v1/chats/${chatId}/messages`, agentHeaders, { text: 'how can I help?', userId: agent })
    if (i % 2 === 0) await send('POST', `/api/v1/chats/${chatId}/close`, agentHeaders)
  }
  // Rooms and direct messages take an admin integration key that names the acting user.
  for (let i = from * 2; i < 2 * scale; i++) {
    const room = await send('POST', '/api/v1/chatrooms', admin, { name: `Room ${i}`, createdBy: agents[0], memberIds: agents.slice(0, 3) })
    const roomId = room.body?.id as number
    for (let m = 0; m < 3; m++) await send('POST', `/api/v1/chatrooms/${roomId}/messages`, admin, { senderId: agents[m % Math.min(3, agents.length)], text: `message ${m}` })
  }
  for (let i = from * 5; i < 5 * scale; i++) await send('POST', '/api/v1/direct-messages', admin, { senderId: agents[0], recipientId: agents[(i % (agents.length - 1)) + 1], text: `dm ${i}` })
}

/** Reads a client makes day to day, with real ids and periods: statistics, filtered lists, exports. */
async function domainReads (): Promise<void> {
  const manager = tenant.keys.manager
  const [engagement] = (await send('GET', '/api/v1/engagements?limit=10', manager)).body?.data as Document[]
  const period = 'from=2019-01-01&to=2019-03-31&tz=UTC'
  const urls = [
    `/api/v1/stats/volume?${period}&interval=day`, `/api/v1/stats/volume?${period}&interval=week&compare=previous`,
    `/api/v1/stats/volume?${period}&interval=month&engagementId=${engagement.id}`, `/api/v1/stats/volume?${period}&interval=day&customerId=3`,
    `/api/v1/stats/sentiment?${period}`, `/api/v1/stats/sentiment?${period}&customerId=3`, '/api/v1/stats/sentiment?tz=UTC',
    `/api/v1/stats/customers/3/channels?${period}`, '/api/v1/stats/customers/3/channels?tz=UTC&topic=P1', `/api/v1/stats/customers/3/channel-topics?${period}&compare=previous`,
    '/api/v1/interactions/3', '/api/v1/interactions/3?start_date=2019-01-01&end_date=2019-02-28&topic=P1',
    `/api/v1/interactions?limit=25&${period}`, '/api/v1/interactions?tz=UTC&limit=25&customerId=5', `/api/v1/interactions?tz=UTC&limit=25&engagementId=${engagement.id}`,
    '/api/v1/interactions?tz=UTC&limit=25&topic=P1', '/api/v1/interactions?tz=UTC&limit=25&sentiment=positive', '/api/v1/interactions?tz=UTC&limit=25&agentName=Ann',
    `/api/v1/interactions/export?${period}&format=ndjson`, `/api/v1/interactions/export?${period}&format=csv&customerId=4`,
    '/users/performance?tz=UTC', `/users/performance?tz=UTC&start_date=2019-01-01&end_date=${new Date().toISOString().slice(0, 10)}`,
    '/api/v1/chats?limit=5&state=open', '/api/v1/chats?limit=5&state=closed', '/api/v1/chats?limit=5&userId=1', '/api/v1/customers?limit=10&inferred=true',
    '/api/v1/topics?limit=5&month=2019-02', '/api/v1/users?limit=5&role=agent', '/api/v1/imports?limit=5'
  ]
  for (const url of urls) await followPages('GET', url, manager)
  // Each item by its id, and the lists under an item, with ids the lists just gave.
  const first = async (url: string, key = manager): Promise<Document | undefined> => ((await send('GET', url, key)).body?.data as Document[] | undefined)?.[0]
  const user = await first('/api/v1/users?limit=1&role=agent')
  const interaction = await first('/api/v1/interactions?tz=UTC&limit=1')
  const imported = await first('/api/v1/imports?limit=1')
  // An integration key reads rooms with the admin role.
  const room = await first('/api/v1/chatrooms?limit=1', tenant.keys.admin)
  const chat = await first('/api/v1/chats?limit=1')
  const byId = [
    `/api/v1/users/${user?.id}`, `/users/${user?.id}`, `/api/v1/chats/${chat?.id}`, '/api/v1/customers/3',
    `/api/v1/engagements/${engagement.id}`, `/api/v1/imports/${imported?.id}`, `/api/v1/imports/${imported?.id}/rejects.csv`,
    `/api/v1/interactions/by-id/${interaction?.id}`, `/interactions/${interaction?.id}`, `/api/v1/clients/${tenant.hexId}`, '/clients',
    `/api/v1/clients/${tenant.hexId}/api-keys`
  ]
  for (const url of byId) await send('GET', url, manager)
  await send('GET', `/api/v1/chatrooms/${room?.id}`, tenant.keys.admin)
  for (const url of ['/api/v1/clients?limit=2', '/clients', `/api/v1/clients/${tenant.hexId}`, `/api/v1/clients/${tenant.hexId}/api-keys`]) await followPages('GET', url, PLATFORM_KEY)
  const lists = [
    `/api/v1/chats/${chat?.id}/messages?limit=1`, `/api/v1/chatrooms/${room?.id}/messages?limit=2&userId=${user?.id}&order=asc`,
    `/api/v1/chatrooms/${room?.id}/messages?limit=2&userId=${user?.id}&order=desc&senderId=${user?.id}`, `/api/v1/chatrooms/${room?.id}/members?limit=1`,
    `/api/v1/users/${user?.id}/chatrooms?limit=1`, `/api/v1/users/${user?.id}/direct-messages?limit=2`,
    `/api/v1/users/${user?.id}/direct-messages?limit=2&senderId=${user?.id}`, '/api/v1/clients?limit=2',
    '/api/v1/customers?limit=5', '/api/v1/engagements?limit=2', '/api/v1/topics?limit=2', '/api/v1/users?limit=2', '/api/v1/chatrooms?limit=1', '/api/v1/chats?limit=2'
  ]
  for (const url of lists) await followPages('GET', url, tenant.keys.admin)
}

/** A GET and, while it answers with a nextCursor, the next pages (three at most). */
async function followPages (method: string, url: string, key: string | null): Promise<void> {
  let next: string | undefined = url
  for (let page = 0; page < 3 && next !== undefined; page++) {
    const res = await send(method, next, key)
    const cursor = res.status === 200 ? res.body?.nextCursor : undefined
    next = typeof cursor === 'string' ? `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : undefined
  }
}

/** Every operation of the document with valid requests: ids and parameters generated from its schemas. */
async function everyRoute (seed: number): Promise<void> {
  const ids = [tenant.hexId]
  for (const name of ['engagements', 'interactions', 'importRuns', 'apiKeys', 'customers']) {
    for (const d of await app.mongo.db.collection(name).find({ clientId: tenant.id }, { projection: { _id: 1 } }).limit(5).toArray()) ids.push((d._id as ObjectId).toHexString())
  }
  const hints = { objectIds: ids }
  for (const operation of operations) {
    // Revoking keys would lock the test out; the flows revoke one of their own instead.
    if (operation.method === 'DELETE' && operation.path.includes('api-keys')) continue
    const access = app.routeAccess.find((route) => route.method === operation.method && route.url === operation.url)?.access
    // A route both a client's key and the platform key may call answers each differently (one client, every client).
    const keys = access === undefined || access === 'public' ? [null] : [...(access.role !== undefined ? [tenant.keys.admin] : []), ...(access.platform === true ? [PLATFORM_KEY] : [])]
    for (const key of keys) {
      for (const request of fc.sample(requestOf(operation, hints), { numRuns: SAMPLES, seed })) {
        if (operation.method === 'GET') await followPages('GET', request.url, key)
        else await send(operation.method, request.url, key, request.payload, request.payload === undefined ? {} : { 'content-type': 'application/json' })
      }
    }
  }
  const spare = await send('POST', `/api/v1/clients/${tenant.hexId}/api-keys`, tenant.keys.admin, { name: 'spare', role: 'agent' })
  if (typeof spare.body?.id === 'string') await send('DELETE', `/api/v1/clients/${tenant.hexId}/api-keys/${spare.body.id}`, tenant.keys.admin)
}

function requestOf (operation: Operation, hints: { objectIds: string[] }): fc.Arbitrary<{ url: string, payload?: string }> {
  // No made-up cursors (a 400): pages are followed with the cursors the answers give.
  const parameters = operation.parameters.filter((p) => p.name !== 'cursor')
  const values = Object.fromEntries(parameters.map((p) => [`${p.in}:${p.name}`, p.required || p.in === 'path' ? valid(p.schema, hints) : fc.option(valid(p.schema, hints), { nil: undefined })]))
  const body = operation.bodyType === 'json' ? valid(operation.bodySchema, hints) : fc.constant(undefined)
  return fc.record({ values: fc.record(values), body }).map(({ values, body }) => {
    let url = operation.path
    const query = new URLSearchParams()
    for (const p of parameters) {
      const v = values[`${p.in}:${p.name}`]
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(v)))
      else if (p.in === 'query' && v !== undefined && v !== null) query.append(p.name, typeof v === 'string' ? v : JSON.stringify(v))
    }
    const search = query.toString()
    return { url: search === '' ? url : `${url}?${search}`, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) }
  })
}

/** Drives the app, then explains every shape it sent; the measurements by shape. */
async function phase (from: number, scale: number, seed: number): Promise<Map<string, Measured & { query: Query }>> {
  captured.clear()
  capturing = true
  await grow(from, scale)
  await domainReads()
  await everyRoute(seed)
  capturing = false
  const out = new Map<string, Measured & { query: Query }>()
  for (const [key, query] of captured) {
    const explain = await app.mongo.db.command({ explain: query.explain, verbosity: 'executionStats' }).catch((error: Error) => ({ failed: error.message }))
    if ('failed' in explain) throw new Error(`explain of ${key} failed: ${explain.failed as string}`)
    out.set(key, { ...measure(query, explain), query })
  }
  return out
}

const small = await phase(0, 1, SEED)

const large = await phase(1, 4, SEED)
if (process.env.INDEXED_QUERIES_VERBOSE !== undefined) {
  for (const [key, m] of large) process.stderr.write(`SHAPE ${small.get(key)?.examined ?? '-'}/${small.get(key)?.returned ?? '-'} → ${m.examined}/${m.returned} ${m.collscans.join(',')} ${key.slice(0, 300)}\n`)
}

t.test('the app was driven through every route and its queries captured', async (t) => {
  t.ok(operations.length > 40, `${operations.length} operations`)
  t.ok(small.size > 60, `${small.size} distinct query shapes at the first size`)
  const collections = new Set([...large.values()].map((m) => m.query.collection))
  for (const name of ['interactions', 'customers', 'engagements', 'topics', 'chats', 'messages', 'users', 'chatrooms', 'chatroomMessages', 'directMessages', 'importRuns']) {
    t.ok(collections.has(name), `queries on ${name} were captured`)
  }
  const planted = measure({ key: 'x', collection: 'interactions', explain: {} }, { queryPlanner: { winningPlan: { stage: 'COLLSCAN' } }, executionStats: { nReturned: 1, totalDocsExamined: 50 } })
  t.same(planted, { collscans: ['interactions'], examined: 50, returned: 1 }, 'the check sees a collection scan')
})

t.test('no query scans a client collection', async (t) => {
  const scans: string[] = []
  for (const [key, m] of [...small, ...large]) for (const name of m.collscans) if (!TINY_COLLECTIONS.has(name)) scans.push(`${name}: ${key}`)
  t.same([...new Set(scans)], [], 'collection scans')
})

t.test('what a query examines per document returned does not grow with the data', async (t) => {
  const grown: string[] = []
  for (const [key, b] of large) {
    const a = small.get(key)
    if (a === undefined || b.examined < 20) continue
    const before = a.examined / Math.max(a.returned, 1)
    const after = b.examined / Math.max(b.returned, 1)
    if (after > 1.5 * before + 1) grown.push(`${key}: ${a.examined}/${a.returned} → ${b.examined}/${b.returned}`)
  }
  t.same(grown, [], 'examined/returned ratios that grew four times the data')
  t.ok([...large.keys()].filter((key) => small.has(key)).length > 40, 'most shapes were measured at both sizes')
})
