import t from 'tap'
import fc from 'fast-check'
import type { ObjectId } from 'mongodb'
import { buildTestApp, createTenant, PLATFORM_KEY } from '../helper.js'
import { listOperations, requestArbitrary, type FuzzRequest, type Operation } from './openapi-requests.js'
import { valid, type JsonSchema } from './openapi-arbitraries.js'
import type { App } from '../../src/app.js'

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20201201)

/** The keys of the highest role a route admits: client admin keys, or the platform key; none for public routes. */
function keysFor (app: App, operation: Operation, clientKeys: string[]): string[] {
  const access = app.routeAccess.find((route) => route.method === operation.method && route.url === operation.url)?.access
  if (!access || access === 'public') return []
  return [...(access.role ? clientKeys : []), ...(access.platform ? [PLATFORM_KEY] : [])]
}

/** One of those keys, and now and then a malformed or unknown one. */
function authorizationFor (app: App, operation: Operation, clientKeys: string[]): fc.Arbitrary<string | null> {
  const keys = keysFor(app, operation, clientKeys)
  if (keys.length === 0) return fc.constant(null)
  return fc.oneof(
    { weight: 19, arbitrary: fc.constantFrom(...keys).map((key) => `Bearer ${key}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer ', 'Basic YTpi', 'Bearer sb_demo_acme_admin extra', `Bearer ${'k'.repeat(5000)}`, 'Bearer $where') }
  )
}

/** Every stored ObjectId, so that generated ids often name real records. */
async function storedObjectIds (app: App): Promise<string[]> {
  const ids: string[] = []
  for (const { name } of await app.mongo.db.listCollections({}, { nameOnly: true }).toArray()) {
    const docs = await app.mongo.db.collection(name).find({}, { projection: { _id: 1 } }).limit(20).toArray()
    for (const doc of docs) if (typeof (doc._id as ObjectId)?.toHexString === 'function') ids.push((doc._id as ObjectId).toHexString())
  }
  return ids
}

function checkAnswer (request: FuzzRequest, res: { statusCode: number, headers: Record<string, unknown>, body: string }): void {
  if (res.statusCode >= 500) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)}`)
  if (res.statusCode < 400) return
  const body = JSON.parse(res.body) as Record<string, unknown>
  const legacy = Object.keys(body).length === 1 && typeof body.error === 'string'
  const envelope = body.statusCode === res.statusCode && typeof body.code === 'string' && typeof body.error === 'string'
  if (!legacy && !envelope) throw new Error(`${res.statusCode} outside the error envelope: ${res.body.slice(0, 300)} for ${request.described}`)
}

/** Object schemas in a request body that accept fields they do not declare. */
function openObjects (schema: JsonSchema | undefined, path: string, out: string[] = []): string[] {
  if (!schema || typeof schema !== 'object') return out
  if ((schema.type === 'object' || schema.properties) && schema.additionalProperties === undefined && !schema.enum) out.push(path || '(body)')
  if (schema.additionalProperties === true) out.push(`${path || '(body)'} (additionalProperties: true)`)
  for (const [key, child] of Object.entries(schema.properties ?? {})) openObjects(child, `${path}.${key}`, out)
  if (typeof schema.additionalProperties === 'object') openObjects(schema.additionalProperties, `${path}.*`, out)
  openObjects(schema.items, `${path}[]`, out)
  for (const alternative of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) openObjects(alternative, path, out)
  return out
}

async function documentCount (app: App): Promise<number> {
  let total = 0
  for (const { name } of await app.mongo.db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name !== 'idempotencyKeys') total += await app.mongo.db.collection(name).countDocuments({})
  }
  return total
}

// 10,000 requests take about 75 s alone on two cores; leave room for a busy machine running the other test files.
t.setTimeout(300_000)

t.test('every route of the OpenAPI document', async (t) => {
  const app = await buildTestApp(t, { seed: true, env: { RATE_LIMIT_MAX: '0' } })
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const operations = listOperations(doc).filter((operation) => !operation.streams)
  t.ok(operations.length > 20, `${operations.length} operations`)
  const hints = { objectIds: await storedObjectIds(app) }
  // A client of its own, and the demo clients whose data the routes can find.
  const clientKeys = [(await createTenant(app, 'fuzz')).keys.admin, ...(app.demoClients ?? []).map((client) => client.keys.admin)]

  t.test('request bodies declare every field they accept (no mass assignment)', async (t) => {
    const open = operations.flatMap((operation) => openObjects(operation.bodySchema, '').map((path) => `${operation.method} ${operation.path} ${path}`))
    t.same(open, [], 'every object in every request body has additionalProperties: false (or a schema for map values)')

    const before = await documentCount(app)
    for (const operation of operations.filter((operation) => operation.bodyType === 'json')) {
      const declared = Object.keys(operation.bodySchema?.properties ?? {})
      const [body] = fc.sample(valid(operation.bodySchema, hints), { numRuns: 1, seed: SEED })
      if (typeof body !== 'object' || body === null || Array.isArray(body)) continue
      const url = operation.path.replace(/\{[^}]+\}/g, '1')
      const [key] = keysFor(app, operation, clientKeys)
      for (const field of ['clientId', '_id', 'createdAt', 'updatedAt', 'id', 'role', 'userId'].filter((field) => !declared.includes(field))) {
        const res = await app.inject({
          method: operation.method as 'POST',
          url,
          headers: key ? { authorization: `Bearer ${key}` } : {},
          payload: { ...body, [field]: field === 'clientId' ? clientKeys[0] : 1 }
        })
        t.equal(res.statusCode, 400, `${operation.method} ${operation.path} refuses ${field}`)
      }
    }
    t.equal(await documentCount(app), before, 'nothing was stored')
  })

  t.test('fuzzing: no 5xx, errors in the envelope, no invalid stored document', async (t) => {
    const runs = Math.ceil(TOTAL_RUNS / operations.length)
    const failures: string[] = []
    let sent = 0
    const statuses = new Map<number, number>()

    for (const operation of operations) {
      const property = fc.asyncProperty(requestArbitrary(operation, hints, authorizationFor(app, operation, clientKeys)), async (request) => {
        sent++
        const res = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        checkAnswer(request, res)
      })
      const result = await fc.check(property, { numRuns: runs, seed: SEED, endOnFailure: true })
      if (result.failed) {
        const [request] = result.counterexample as [FuzzRequest]
        failures.push(`${operation.method} ${operation.path}: ${String(result.errorInstance)} — ${request.described} (seed ${result.seed}, path ${result.counterexamplePath})`)
      }
    }
    t.ok(sent >= TOTAL_RUNS, `${sent} requests sent`)
    t.comment(`answers: ${[...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')}`)
    t.same(failures, [], 'no route answered 5xx or broke the envelope')

    const collections = await app.mongo.db.listCollections().toArray()
    const validated = collections.flatMap((collection) => {
      const validator = (collection as { options?: { validator?: Record<string, unknown> } }).options?.validator
      return validator && Object.keys(validator).length > 0 ? [{ name: collection.name, validator }] : []
    })
    t.ok(validated.length >= collections.length - 1, 'the collections have validators')
    const users = app.mongo.db.collection('users')
    const planted = await users.insertOne({ clientId: 'not an ObjectId' } as never, { bypassDocumentValidation: true })
    t.equal(await users.countDocuments({ $nor: [validated.find(({ name }) => name === 'users')?.validator ?? {}] }), 1, 'the check finds a planted invalid document')
    await users.deleteOne({ _id: planted.insertedId })
    for (const { name, validator } of validated) {
      t.equal(await app.mongo.db.collection(name).countDocuments({ $nor: [validator] }), 0, `every document in ${name} passes its validator`)
    }
  })
})
