import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { ObjectId, type Document } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { listOperations, type Operation } from './openapi-requests.js'
import { valid } from './openapi-arbitraries.js'
import type { App } from '../../src/app.js'
import type { DemoClient } from '../../mock_data/demo-clients.js'

/** `chat_id`, `chatId` → `chat`; `keyId` → `key`; `sender_user_id` → `user` (the record is named last). */
const stem = (param: string): string => param.replace(/_?id$/i, '').replace(/^.*_/, '').toLowerCase()

/** Collections that may hold the records a param names, best guess first: `chats` for chat, `apiKeys` for key. */
function collectionsFor (param: string, names: string[]): string[] {
  const s = stem(param)
  const plural = /[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : `${s}s`
  const rank = (name: string) => name.toLowerCase() === plural ? 0 : name.toLowerCase().startsWith(s) ? 1 : name.toLowerCase().includes(plural) ? 2 : 3
  return names.filter((name) => rank(name) < 3).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** A value for `param` naming a record the owner has: its integer `<stem>Id` where the records have one, else its _id. */
async function ownedValue (app: App, param: string, owner: DemoClient, names: string[]): Promise<string | null> {
  for (const name of collectionsFor(param, names)) {
    const filter = name === 'clients' ? { _id: owner.id } : { clientId: owner.id }
    const doc = await app.mongo.db.collection(name).findOne(filter)
    if (!doc) continue
    const integerId = Object.entries(doc).find(([key, value]) => key.toLowerCase() === `${stem(param)}id` && Number.isInteger(value))
    return String(integerId ? integerId[1] : (doc._id as ObjectId).toHexString())
  }
  return null
}

const missingValue = (value: string): string => /^[0-9a-f]{24}$/i.test(value) ? new ObjectId().toHexString() : '2147483646'

/** Everything a client owns, as one digest: another client's calls must leave it unchanged. */
async function ownedDigest (app: App, clientId: ObjectId, names: string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const name of names.filter((name) => name !== 'idempotencyKeys')) {
    const docs: Document[] = await app.mongo.db.collection(name).find(name === 'clients' ? { _id: clientId } : { clientId }).sort({ _id: 1 }).toArray()
    hash.update(`${name}:${JSON.stringify(docs)}`)
  }
  return hash.digest('hex')
}

t.test('tenancy sweep: another client\'s records answer exactly like missing ones, on every route with an id', async (t) => {
  const app = await buildTestApp(t, { seed: true, env: { RATE_LIMIT_MAX: '0' } })
  const owners = app.demoClients ?? []
  t.ok(owners.length > 0, 'demo clients own the records')
  const intruder = await createTenant(app, 'intruder')
  // The demo data has no import run: the first owner makes one (a dry run of a one-row customer sheet).
  const boundary = 'tenancysweep'
  const upload = await app.inject({
    method: 'POST',
    url: '/api/v1/imports?dry_run=true',
    headers: { ...bearer((owners[0] as DemoClient).keys.admin), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="customers.csv"\r\ncontent-type: text/csv\r\n\r\n` +
      `Customer_Id,Occupation,Type\r\n9001,Nurse,Retail\r\n\r\n--${boundary}--\r\n`
  })
  t.equal(upload.statusCode, 201, 'an import run exists')
  // Nor a webhook: the first owner registers one, with a delivery that is not due (so nothing changes it meanwhile).
  const webhook = await app.inject({
    method: 'POST', url: '/api/v1/webhooks', headers: bearer((owners[0] as DemoClient).keys.admin), payload: { url: 'https://example.com/hook', eventTypes: ['chat-queued'] }
  })
  t.equal(webhook.statusCode, 201, 'a webhook exists')
  const later = new Date(Date.now() + 86_400_000)
  await app.webhookDeliveries.createMany([{
    clientId: (owners[0] as DemoClient).id, endpointId: new ObjectId(webhook.json().id as string), eventSeq: 1,
    event: {
      id: 1, type: 'chat-queued', createdAt: new Date().toISOString(),
      data: { id: 1, customerName: 'Jim', state: 'queued', userId: null, createdAt: new Date().toISOString(), handleStart: null, handleEnd: null }
    },
    nextAttemptAt: later, retryUntil: later, createdAt: new Date()
  }])
  const names = (await app.mongo.db.listCollections({}, { nameOnly: true }).toArray()).map(({ name }) => name)
  const operations = listOperations((await app.inject({ method: 'GET', url: '/docs/json' })).json())
  const routes = app.routeAccess.filter((route) => route.method !== 'HEAD' && route.access !== 'public' && route.url.includes('/:'))
  t.ok(routes.length >= 15, `${routes.length} routes take an id`)
  const digests = await Promise.all(owners.map((owner) => ownedDigest(app, owner.id, names)))
  const untested: string[] = []

  for (const route of routes) {
    const operation = operations.find((candidate) => candidate.method === route.method && candidate.url === route.url) as Operation | undefined
    const params = [...route.url.matchAll(/:(\w+)/g)].map((match) => match[1] as string)
    // Required query parameters without a default name records too, and so do those the admin integration keys used here
    // must send (e.g. the member reading a chatroom, which a key bound to a user may omit).
    const namesRecord = (param: { required?: boolean, description?: string, schema: { default?: unknown } }) =>
      (param.required && param.schema.default === undefined) || /required with an admin integration key/.test(param.description ?? '')
    const queryParams = (operation?.parameters ?? []).filter((param) => param.in === 'query' && namesRecord(param)).map((param) => param.name)
    let found: { owner: DemoClient, values: Record<string, string>, query: string } | null = null
    for (const owner of owners) {
      const values = Object.fromEntries(await Promise.all(params.map(async (param) => [param, await ownedValue(app, param, owner, names)])))
      const query = Object.fromEntries(await Promise.all(queryParams.map(async (param) => [param, await ownedValue(app, param, owner, names)])))
      if ([...Object.values(values), ...Object.values(query)].every((value) => value !== null)) {
        found = { owner, values, query: new URLSearchParams(query).toString() }
        break
      }
    }
    if (!found) {
      untested.push(`${route.method} ${route.url}`)
      continue
    }
    const { owner, values, query } = found
    const missing = Object.fromEntries(Object.entries(values).map(([param, value]) => [param, missingValue(value)]))
    const urlWith = (chosen: Record<string, string>) =>
      route.url.replace(/:(\w+)/g, (_, param: string) => encodeURIComponent(chosen[param] as string)) + (query ? `?${query}` : '')
    const [body] = operation?.bodyType === 'json' ? fc.sample(valid(operation.bodySchema, { objectIds: [] }), { numRuns: 1, seed: 8 }) : [undefined]
    const call = (url: string, key: string) => app.inject({ method: route.method as 'GET', url, headers: bearer(key), ...(body === undefined ? {} : { payload: body as object }) })
    const anonymise = (text: string, chosen: Record<string, string>) => Object.values(chosen).reduce((out, id) => out.replaceAll(id, '<id>'), text)

    if (route.method === 'GET' && !operation?.streams) {
      const own = await call(urlWith(values), owner.keys.admin)
      t.equal(own.statusCode, 200, `${route.url}: ${owner.nickName} sees its own record ${JSON.stringify(values)}`)
    }
    const theirs = await call(urlWith(values), intruder.keys.admin)
    const absent = await call(urlWith(missing), intruder.keys.admin)
    const label = `${route.method} ${route.url} with ${owner.nickName}'s ${JSON.stringify(values)}`
    if (route.method === 'GET') t.equal(theirs.statusCode, 404, `${label}: 404 for another client`)
    t.equal(theirs.statusCode, absent.statusCode, `${label}: the same status as a missing record`)
    t.equal(anonymise(theirs.body, values), anonymise(absent.body, missing), `${label}: the same answer as a missing record`)
  }

  t.same(await Promise.all(owners.map((owner) => ownedDigest(app, owner.id, names))), digests, 'the other client changed nothing')
  t.same(untested, [], 'every route with an id was exercised (a new route needs a stored record to aim at)')
})
