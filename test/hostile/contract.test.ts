import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildApp, type App } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { buildTestApp, createTenant, PLATFORM_KEY } from '../helper.js'
import { listOperations, type Operation } from '../hardening/openapi-requests.js'
import { contractChecker, type Answer } from './contract-validator.js'
import { harvest, validRequest, type ContractRequest, type Hints } from './contract-requests.js'

/**
 * The OpenAPI document against real answers, for every operation it lists (a new route is checked by itself):
 * valid requests built from the document must get a 2xx for every operation, and every answer — those, and a sample of
 * 400, 401, 404, 413, 415, 429 and 503 answers — must have a documented status, a documented media type and a body
 * valid under the documented schema.
 */
t.setTimeout(240_000)

const ATTEMPTS = 144
const ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

type Checker = ReturnType<typeof contractChecker>

function describe (request: ContractRequest): string {
  return `${request.method} ${request.url.slice(0, 200)} ${String(request.payload ?? '').slice(0, 200)}`
}

/** The Authorization headers a route admits: the demo clients' admin keys, or the platform key; none when public. */
function keysFor (app: App, operation: Operation, clientKeys: string[]): Array<string | null> {
  const access = app.routeAccess.find((route) => route.method === operation.method && route.url === operation.url)?.access
  if (!access || access === 'public') return [null]
  return [...(access.role ? clientKeys : []), ...(access.platform ? [PLATFORM_KEY] : [])].map((key) => `Bearer ${key}`)
}

/** Sends a request; a stream's answer is its status and headers (read from a listening server, then closed). */
async function send (app: App, base: string, operation: Operation, request: ContractRequest): Promise<Answer> {
  if (!operation.streams) {
    const res = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload })
    return { statusCode: res.statusCode, headers: res.headers, body: res.body }
  }
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 10_000)
  try {
    const res = await fetch(`${base}${request.url}`, { method: request.method, headers: request.headers, signal: controller.signal })
    const headers = Object.fromEntries(res.headers.entries())
    const body = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text()
    return { statusCode: res.status, headers, body }
  } finally {
    controller.abort()
    clearTimeout(timer)
  }
}

/** The same request with one path parameter replaced. */
function withPathValue (operation: Operation, request: ContractRequest, name: string, value: string): ContractRequest {
  const [path, search] = request.url.split('?')
  const template = operation.path.split('/')
  const segments = (path ?? '').split('/').map((segment, index) => template[index] === `{${name}}` ? encodeURIComponent(value) : segment)
  return { ...request, url: `${segments.join('/')}${search ? `?${search}` : ''}` }
}

/**
 * The ids requests aim at, per key (each client's own records; for the platform key, the clients), and per list path:
 * the ids a 2xx answer of `GET /api/v1/chatrooms` carried come first for `/api/v1/chatrooms/{chatroomId}`.
 */
async function hintStore (app: App, clientKeys: Map<string, ObjectId>) {
  const byKey = new Map<string | null, Hints>()
  const byPath = new Map<string, Hints>()
  const clients = await app.mongo.db.collection('clients').find({}, { projection: { _id: 1 } }).toArray()
  byKey.set(`Bearer ${PLATFORM_KEY}`, { integers: [1, 2, 3, 4, 5, 6], objectIds: clients.map((client) => (client._id as ObjectId).toHexString()) })
  for (const [key, clientId] of clientKeys) {
    const objectIds = [clientId.toHexString()]
    for (const name of ['engagements', 'interactions', 'importRuns', 'apiKeys']) {
      const docs = await app.mongo.db.collection(name).find({ clientId }, { projection: { _id: 1 } }).limit(8).toArray()
      objectIds.push(...docs.map((doc) => (doc._id as ObjectId).toHexString()))
    }
    byKey.set(`Bearer ${key}`, { integers: [1, 2, 3, 4, 5, 6], objectIds })
  }
  const general = (authorization: string | null): Hints => {
    if (!byKey.has(authorization)) byKey.set(authorization, { integers: [1, 2, 3, 4, 5, 6], objectIds: [] })
    return byKey.get(authorization) as Hints
  }
  return {
    at: (authorization: string | null) => (prefix: string | null): Hints => {
      const own = general(authorization)
      const listed = prefix === null ? undefined : byPath.get(`${authorization} ${prefix}`)
      if (!listed) return own
      return { integers: [...new Set([...listed.integers, ...own.integers])], objectIds: [...new Set([...listed.objectIds, ...own.objectIds])] }
    },
    learn (authorization: string | null, url: string, body: string): void {
      harvest(general(authorization), body)
      const path = `${authorization} ${url.split('?')[0] ?? ''}`
      if (!byPath.has(path)) byPath.set(path, { integers: [], objectIds: [] })
      harvest(byPath.get(path) as Hints, body)
    }
  }
}

/**
 * A webhook endpoint with one delivery per demo client, so that the delivery routes have something to answer about (the
 * demo data has no webhooks). The delivery carries a real event (a direct message, appended to the log first, so the
 * endpoint starts after it and the fan-out makes no delivery of its own), its target never resolves (`.invalid`), and
 * it is not due until redelivered, so the instance sends nothing anywhere.
 */
async function seedWebhooks (app: App): Promise<void> {
  for (const client of app.demoClients ?? []) {
    const message = await app.directMessagesRepository.send(client.id, { senderId: 1, recipientId: 2, text: 'for the webhook routes', createdByKeyId: new ObjectId() })
    if (!await app.events.announce('directMessages', [message])) throw new Error('the seed message was not appended')
    const head = await app.events.log.head(client.id)
    const [event] = await app.events.log.after(client.id, head - 1, 1)
    if (!event) throw new Error('the seed message has no event')
    const endpoint = await app.webhookEndpoints.create(client.id, { url: 'https://hooks.contract.invalid/switchboard', eventTypes: ['direct-message'] }, head)
    const now = new Date()
    const later = new Date(now.getTime() + 86_400_000)
    await app.webhookDeliveries.createMany([{
      clientId: client.id, endpointId: endpoint._id, eventSeq: event.seq,
      event: { id: event.seq, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data },
      nextAttemptAt: later, retryUntil: later, createdAt: now
    }])
  }
}

t.test('every operation of the OpenAPI document answers as the document says', async (t) => {
  const app = await buildTestApp(t, { seed: true, env: { BODY_LIMIT: '16384' } })
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const check: Checker = contractChecker(doc)
  const operations = listOperations(doc).sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method))
  t.ok(operations.length > 40, `${operations.length} operations`)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  // Admin integration keys, and the keys bound to demo users: the messenger's routes act as the key's own user.
  const demoKeys = (app.demoClients ?? []).flatMap((client) => [client.keys.admin, ...client.userKeys.map((bound) => bound.key)]
    .map((key): [string, ObjectId] => [key, client.id]))
  const clientKeys = demoKeys.map(([key]) => key)
  await seedWebhooks(app)
  const hints = await hintStore(app, new Map(demoKeys))
  const problems: string[] = []
  const succeeded = new Map<Operation, ContractRequest>()
  let answers = 0

  async function sample (operation: Operation, request: ContractRequest, expected?: number): Promise<Answer> {
    const answer = await send(app, base, operation, request)
    answers++
    if (answer.statusCode >= 200 && answer.statusCode < 300) hints.learn(request.headers.authorization ?? null, request.url, answer.body)
    const problem = check(operation.path, operation.method, answer) ??
      (expected !== undefined && answer.statusCode !== expected ? `expected ${expected}, got ${answer.statusCode} ${answer.body.slice(0, 200)}` : null)
    if (problem) problems.push(`${operation.method} ${operation.path}: ${problem} — for ${describe(request)}`)
    return answer
  }

  async function drive (operation: Operation): Promise<void> {
    const keys = keysFor(app, operation, clientKeys)
    for (let attempt = 0; attempt < ATTEMPTS && !succeeded.has(operation); attempt++) {
      const key = keys[attempt % keys.length] ?? null
      const request = validRequest(operation, hints.at(key), Math.floor(attempt / keys.length), key)
      const answer = await sample(operation, request)
      if (answer.statusCode >= 200 && answer.statusCode < 300) succeeded.set(operation, request)
    }
  }

  t.test('valid requests: every operation but the deletions gets a 2xx, every answer matches the document', async (t) => {
    // Twice: ids a later operation creates (an import, a chatroom) let an earlier one succeed on the second pass.
    for (const pass of [1, 2]) {
      for (const operation of operations.filter((operation) => operation.method !== 'DELETE')) {
        if (pass === 1 || !succeeded.has(operation)) await drive(operation)
      }
    }
    const missing = operations.filter((operation) => operation.method !== 'DELETE' && !succeeded.has(operation)).map((operation) => `${operation.method} ${operation.path}`)
    t.same(missing, [], 'every operation answered 2xx to a valid request')
    t.same(problems.splice(0), [], 'every answer matches the document')
  })

  t.test('error answers: 400, 401, 404, 413 and 415 where they apply, each as documented', async (t) => {
    const expectations = new Map<number, number>()
    for (const operation of operations) {
      const keys = keysFor(app, operation, clientKeys)
      const good = succeeded.get(operation) ?? validRequest(operation, hints.at(keys[0] ?? null), 0, keys[0] ?? null)
      const pathIds = operation.parameters.filter((parameter) => parameter.in === 'path')
      const errors: Array<[number, ContractRequest]> = []
      if (keys[0] !== null) {
        const { authorization: _authorization, ...anonymous } = good.headers
        errors.push([401, { ...good, headers: anonymous }])
      }
      for (const parameter of pathIds) {
        const objectId = parameter.schema.pattern === '^[0-9a-fA-F]{24}$'
        errors.push([400, withPathValue(operation, good, parameter.name, objectId ? 'not-an-id' : '0x1')])
        errors.push([404, withPathValue(operation, good, parameter.name, objectId ? 'ffffffffffffffffffffffff' : '2147483647')])
      }
      if (operation.bodyType === 'json') errors.push([400, { ...good, payload: '[]' }])
      // Fastify reads a body for these methods whether or not the route declares one.
      if (BODY_METHODS.has(operation.method)) {
        const json = { ...good.headers, 'content-type': 'application/json' }
        // The import route takes uploads up to its own, far larger limit.
        if (operation.bodyType !== 'multipart') errors.push([413, { ...good, headers: json, payload: JSON.stringify({ padding: 'x'.repeat(app.config.BODY_LIMIT) }) }])
        errors.push([415, { ...good, headers: { ...good.headers, 'content-type': 'application/xml' }, payload: '<x/>' }])
      }
      for (const [status, request] of errors) {
        expectations.set(status, (expectations.get(status) ?? 0) + 1)
        await sample(operation, request, status)
      }
    }
    t.comment(`error answers sampled: ${[...expectations].map(([status, count]) => `${status}×${count}`).join(' ')}`)
    t.ok((expectations.get(404) ?? 0) > 20 && (expectations.get(415) ?? 0) > 15, 'the sample covers the routes with ids and bodies')
    t.same(problems.splice(0), [], 'every error answer has the expected status and matches the document')
  })

  t.test('deletions: a valid request gets a 2xx that matches the document', async (t) => {
    const deletions = operations.filter((operation) => operation.method === 'DELETE')
    for (const operation of deletions) await drive(operation)
    t.same(deletions.filter((operation) => !succeeded.has(operation)).map((operation) => operation.path), [], 'every deletion answered 2xx')
    t.same(problems.splice(0), [], 'every answer matches the document')
    t.comment(`${answers} answers checked against the document`)
  })

  t.test('the check itself can fail', async (t) => {
    const users = operations.find((operation) => operation.method === 'GET' && operation.path === '/api/v1/users/{userId}') as Operation
    t.match(check(users.path, 'GET', { statusCode: 418, headers: {}, body: '' }), /status 418 is not documented/)
    t.match(check(users.path, 'GET', { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>' }), /answered text\/html/)
    t.match(check(users.path, 'GET', { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"one"}' }), /violates its schema/)
    t.equal(check(users.path, 'GET', { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":1,"name":"Ann","role":"agent","createdAt":"2020-01-01T00:00:00.000Z","status":{"state":"offline","text":null,"updatedAt":null,"expiresAt":null}}' }), null)
  })
})

t.test('429 is documented exactly where the rate limit answers it', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW: '1 hour' } })
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const check = contractChecker(doc)
  const tenant = await createTenant(app, 'limited')
  const hints = (): Hints => ({ integers: [1], objectIds: [tenant.hexId] })
  const problems: string[] = []
  const spent = new Set<string | null>()
  let limited = 0
  for (const operation of listOperations(doc).filter((operation) => !operation.streams)) {
    const [key] = keysFor(app, operation, [tenant.keys.admin])
    const request = validRequest(operation, hints, 0, key ?? null)
    if (!spent.has(key ?? null)) {
      spent.add(key ?? null)
      await app.inject({ method: 'GET', url: '/api/v1/users', headers: request.headers })
    }
    const res = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload })
    const documents429 = '429' in (doc.paths[operation.path][operation.method.toLowerCase()].responses ?? {})
    if (res.statusCode === 429) limited++
    if (documents429 !== (res.statusCode === 429)) problems.push(`${operation.method} ${operation.path}: answered ${res.statusCode}, documents 429: ${documents429}`)
    const problem = check(operation.path, operation.method, { statusCode: res.statusCode, headers: res.headers, body: res.body })
    if (problem) problems.push(`${operation.method} ${operation.path}: ${problem}`)
    if (res.statusCode === 429) t.ok(Number(res.headers['retry-after']) > 0, `${operation.method} ${operation.path} 429 carries Retry-After`)
  }
  t.ok(limited > 40, `${limited} operations answered 429`)
  t.same(problems, [], 'every operation past the limit answers 429 as documented, and only those')
})

t.test('503 is documented wherever the database is needed, and answered so while it is down', async (t) => {
  const engine = await startEmbeddedMongo({ port: 0 })
  const app = await buildApp({
    env: {
      NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, RATE_LIMIT_MAX: '0',
      MONGODB_URI: engine.uri, MONGODB_DB: 'contract', MONGODB_SELECTION_TIMEOUT_MS: '500', MONGODB_TIMEOUT_MS: '1000'
    },
    logger: false,
    migrate: true
  })
  t.teardown(async () => {
    await app.close()
    await engine.stop()
  })
  await app.ready()
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const check = contractChecker(doc)
  const tenant = await createTenant(app, 'outage')
  await engine.stop()
  const operations = listOperations(doc)
  const hints = (): Hints => ({ integers: [1], objectIds: [tenant.hexId] })
  // All at once: each waits for the server selection timeout.
  const results = await Promise.all(operations.map(async (operation) => {
    const [key] = keysFor(app, operation, [tenant.keys.admin])
    const request = validRequest(operation, hints, 0, key ?? null)
    const res = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload })
    const documents503 = '503' in (doc.paths[operation.path][operation.method.toLowerCase()].responses ?? {})
    const problem = check(operation.path, operation.method, { statusCode: res.statusCode, headers: res.headers, body: res.body })
    if (documents503 !== (res.statusCode === 503)) return `${operation.method} ${operation.path}: answered ${res.statusCode}, documents 503: ${documents503}`
    return problem ? `${operation.method} ${operation.path}: ${problem}` : null
  }))
  t.same(results.filter(Boolean), [], 'every operation that documents 503 answers it while the database is down, and only those')
  t.ok(results.length > 40, 'the sample covers the operations')
})
