import t from 'tap'
import { buildTestApp, bearer, PLATFORM_KEY } from '../helper.js'
import { listOperations, type Operation } from '../hardening/openapi-requests.js'
import type { JsonSchema } from '../hardening/openapi-arbitraries.js'
import { plainValue } from './contract-requests.js'
import { BLANK_TEXT_MESSAGE, NOT_BLANK_PATTERNS, isBlank } from '../../src/lib/text.js'
import type { App } from '../../src/app.js'

const ACME = bearer('sb_demo_acme_admin')
const GUILD = bearer('sb_demo_guild_admin')

/** The key a sweep uses for an operation: the platform key where only it may call, else acme's admin key. */
function keyFor (app: App, operation: Operation): Record<string, string> {
  const access = app.routeAccess.find((route) => route.method === operation.method && route.url === operation.url)?.access
  return typeof access === 'object' && !access.role ? bearer(PLATFORM_KEY) : ACME
}

async function storedCount (app: App): Promise<number> {
  let total = 0
  for (const name of ['users', 'chats', 'messages', 'chatrooms', 'chatroomMessages', 'directMessages', 'customers', 'engagements', 'topics', 'interactions', 'clients', 'apiKeys']) {
    total += await app.mongo.db.collection(name).countDocuments({})
  }
  return total
}

const documentOf = async (app: App) => (await app.inject({ method: 'GET', url: '/docs/json' })).json()

t.test('integer ids have one grammar on every route: decimal digits, 1 to 2147483647', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const operations = listOperations(await documentOf(app))
  const withIds = operations.filter((operation) => operation.parameters.some((parameter) => parameter.in === 'path' && parameter.schema.type === 'integer'))
  t.ok(withIds.length >= 20, `${withIds.length} operations take an integer id in their path`)
  const spellings: Array<[string, string]> = [
    ['0x1', 'must be integer'], ['1e0', 'must be integer'], ['%2B1', 'must be integer'], ['%201', 'must be integer'], ['1%20', 'must be integer'],
    ['01', 'must be integer'], ['1.0', 'must be integer'], ['0b1', 'must be integer'], ['0o1', 'must be integer'], ['%EF%BC%91', 'must be integer'],
    ['-0', 'must be integer'], ['abc', 'must be integer'], ['0', 'must be >= 1'], ['-1', 'must be >= 1'],
    ['2147483648', 'must be <= 2147483647'], ['99999999999999999999', 'must be <= 2147483647']
  ]
  const before = await storedCount(app)
  const wrong: string[] = []
  for (const operation of withIds) {
    const [parameter] = operation.parameters.filter((parameter) => parameter.in === 'path' && parameter.schema.type === 'integer')
    const name = parameter?.name as string
    for (const [spelling, message] of spellings) {
      const url = operation.path.replace(/\{[^}]+\}/g, (match) => match === `{${name}}` ? spelling : '1')
      const res = await app.inject({ method: operation.method as 'GET', url, headers: { ...keyFor(app, operation), 'content-type': 'application/json' }, payload: operation.method === 'GET' ? undefined : '{}' })
      const body = res.json() as { error: string, details?: unknown }
      const legacy = Object.keys(body).length === 1
      const expected = legacy ? [`params/${name} ${message}`, `params.${name}: ${message}`] : [`params/${name} ${message}`]
      if (res.statusCode !== 400 || !expected.includes(body.error)) wrong.push(`${operation.method} ${url}: ${res.statusCode} ${res.body.slice(0, 160)}`)
      if (!legacy && res.statusCode === 400) t.same(body.details, [{ field: `params/${name}`, message }], `${operation.method} ${url} names the parameter`)
    }
  }
  t.same(wrong, [], 'every misspelt id is a 400 naming the parameter, in the route\'s envelope')
  t.equal(await storedCount(app), before, 'nothing was stored')

  t.test('the seed contracts answer in their own words', async (t) => {
    const users = await app.inject({ method: 'GET', url: '/users/0x1', headers: ACME })
    t.same([users.statusCode, users.json()], [400, { error: 'params/user_id must be integer' }])
    const chats = await app.inject({ method: 'POST', url: '/chats/1e0/messages', headers: ACME, payload: { text: 'hi' } })
    t.same([chats.statusCode, chats.json()], [400, { error: 'params/chat_id must be integer' }])
    const rooms = await app.inject({ method: 'POST', url: '/chatrooms/01/messages', headers: GUILD, payload: { data: [{ message_str: 'hi', message_sent_ts: 1637029963, sender_user_id: 1 }] } })
    t.same([rooms.statusCode, rooms.json()], [400, { error: 'params.chatroom_id: must be integer' }])
    const customers = await app.inject({ method: 'GET', url: '/api/v1/interactions/0x1', headers: ACME })
    t.same([customers.statusCode, customers.json()], [400, { error: 'Invalid customer_id provided' }])
    t.equal((await app.inject({ method: 'GET', url: '/users/1', headers: ACME })).statusCode, 200, 'the plain spelling still answers')
  })

  t.test('ids in query strings and bodies follow the same grammar', async (t) => {
    const hints = { integers: [1, 2, 3], objectIds: [app.demoClients?.[0]?.id.toHexString() as string] }
    const misread: string[] = []
    let checked = 0
    for (const operation of operations.filter((operation) => !operation.streams)) {
      const required = operation.parameters.filter((p) => p.in === 'query' && p.required)
      for (const parameter of operation.parameters.filter((p) => p.in === 'query' && p.schema.maximum === 2147483647)) {
        for (const spelling of ['0x1', '1e0', '%2B1', '01']) {
          const query = [...required.filter((p) => p.name !== parameter.name).map((p) => `${p.name}=${encodeURIComponent(String(plainValue(p.schema, hints, 0)))}`), `${parameter.name}=${spelling}`]
          const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
            const schema = operation.parameters.find((p) => p.in === 'path' && p.name === name)?.schema
            return encodeURIComponent(String(plainValue(schema, hints, 0)))
          })
          const url = `${path}?${query.join('&')}`
          const res = await app.inject({ method: operation.method as 'GET', url, headers: keyFor(app, operation) })
          checked++
          // The seed contracts word it in their own envelope: `{"error": "querystring.user_id: must be integer"}`.
          const expected = operation.tags.includes('seed contracts') ? `querystring.${parameter.name}: must be integer` : `querystring/${parameter.name} must be integer`
          if (res.statusCode !== 400 || res.json().error !== expected) misread.push(`${url}: ${res.statusCode} ${res.body.slice(0, 120)}`)
        }
      }
    }
    t.ok(checked >= 20, `${checked} query ids checked`)
    t.same(misread, [], 'every misspelt id in a query string is a 400 naming it')
    const customers = () => app.mongo.db.collection('customers').countDocuments({})
    const before = await customers()
    for (const customerId of ['0x1000', '4096.0', '4e3', ' 4096']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/customers', headers: ACME, payload: { customerId } })
      t.same([res.statusCode, res.json().error], [400, 'body/customerId must be integer'], JSON.stringify(customerId))
    }
    t.equal(await customers(), before, 'no customer was created')
    const digits = await app.inject({ method: 'POST', url: '/api/v1/customers', headers: ACME, payload: { customerId: '4097' } })
    t.same([digits.statusCode, digits.json().customerId], [201, 4097], 'decimal digits as text are the same id')
    const sender = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: GUILD, payload: { senderId: '0x1', recipientId: 2, text: 'hi' } })
    t.same([sender.statusCode, sender.json().error], [400, 'body/senderId must be integer'])
    const author = await app.inject({ method: 'POST', url: '/chats/2/messages', headers: ACME, payload: { text: 'hi', user_id: '1e0' } })
    t.same([author.statusCode, author.json()], [400, { error: 'body/user_id must be integer' }])
    const batch = await app.inject({ method: 'POST', url: '/chatrooms/1/messages', headers: GUILD, payload: { data: [{ message_str: 'hi', message_sent_ts: 1637029963, sender_user_id: '+1' }] } })
    t.same([batch.statusCode, batch.json()], [400, { error: 'data[0].sender_user_id: must be integer' }])
  })
})

t.test('idempotency compares request bodies by meaning, not by how they are written', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const post = (url: string, key: string, payload: string, headers = ACME) =>
    app.inject({ method: 'POST', url, headers: { ...headers, 'idempotency-key': key, 'content-type': 'application/json' }, payload })

  const first = await post('/api/v1/users', 'order', '{"name":"Ann","role":"manager"}')
  t.equal(first.statusCode, 201)
  for (const same of ['{"role":"manager","name":"Ann"}', '{ "role" : "manager" ,\n "name" : "Ann" }']) {
    const retry = await post('/api/v1/users', 'order', same)
    t.same([retry.statusCode, retry.headers['idempotent-replayed'], retry.body], [201, 'true', first.body], `replayed for ${JSON.stringify(same)}`)
  }
  t.equal(await app.mongo.db.collection('users').countDocuments({ name: 'Ann' }), 1, 'one user stored')
  t.equal((await post('/api/v1/users', 'order', '{"role":"admin","name":"Ann"}')).statusCode, 422, 'another meaning is still 422')

  const engagementId = (await app.mongo.db.collection('engagements').findOne({ clientId: app.demoClients?.[0]?.id }))?._id.toHexString()
  const nested = await post('/api/v1/interactions', 'nested', JSON.stringify({
    engagementId, interactionDate: '2020-05-16T12:00:00Z', custom: { a: 1, b: 'two' }, topics: ['Sand', 'Gravel']
  }))
  t.equal(nested.statusCode, 201)
  const reordered = await post('/api/v1/interactions', 'nested', JSON.stringify({
    topics: ['Sand', 'Gravel'], custom: { b: 'two', a: 1 }, interactionDate: '2020-05-16T12:00:00Z', engagementId
  }))
  t.same([reordered.statusCode, reordered.headers['idempotent-replayed']], [201, 'true'], 'nested keys in another order are the same body')
  const swapped = await post('/api/v1/interactions', 'nested', JSON.stringify({
    engagementId, interactionDate: '2020-05-16T12:00:00Z', custom: { a: 1, b: 'two' }, topics: ['Gravel', 'Sand']
  }))
  t.equal(swapped.statusCode, 422, 'the order of an array still counts')
  t.equal(await app.mongo.db.collection('interactions').countDocuments({ 'custom.b': 'two' }), 1)

  const message = await post('/api/v1/direct-messages', 'dm', '{"senderId":1,"recipientId":2,"text":"hi"}', GUILD)
  const asText = await post('/api/v1/direct-messages', 'dm', '{"text":"hi","recipientId":"2","senderId":"1"}', GUILD)
  t.same([message.statusCode, asText.statusCode, asText.headers['idempotent-replayed']], [201, 201, 'true'], 'an id written as digits is the same id')
  const path = await post('/chats/%32/messages', 'path', '{"text":"same chat"}')
  const plainPath = await post('/chats/2/messages', 'path', '{"text":"same chat"}')
  t.same([path.statusCode, plainPath.headers['idempotent-replayed']], [201, 'true'], 'a percent-encoded path id is the same id')
  t.equal(await app.mongo.db.collection('messages').countDocuments({ text: 'same chat' }), 1)
})

const INVISIBLE = ['\u200b', '\ufeff', '\u2060', '\u202e\u2066\u2069', '\u00ad', '\u0085', '\u3000\u00a0\u2007', '\u180e', '\u3164', '\u2800',
  '\u{E0020}\u{E0041}', '\u200b \u200c\u200d\t', '\ufe0f\u034f', '\u061c\u200e\u200f']

/** Paths of the fields a request schema says must not be blank ('*' for each item of an array). */
function notBlankFields (schema: JsonSchema | undefined, path: string[] = []): string[][] {
  if (!schema) return []
  const own = typeof schema.pattern === 'string' && NOT_BLANK_PATTERNS.has(schema.pattern) ? [path] : []
  return [...own, ...Object.entries(schema.properties ?? {}).flatMap(([key, child]) => notBlankFields(child, [...path, key])),
    ...notBlankFields(schema.items, [...path, '*'])]
}

function schemaAt (schema: JsonSchema | undefined, path: string[]): JsonSchema | undefined {
  return path.reduce<JsonSchema | undefined>((node, part) => part === '*' ? node?.items : node?.properties?.[part], schema)
}

/** `data/0/message_str` as the seed batch route names it: `data[0].message_str`. */
const legacyField = (field: string): string => field.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.')

function setAt (value: unknown, path: string[], text: string): unknown {
  if (path.length === 0) return text
  const [head, ...rest] = path
  if (head === '*') return [setAt(Array.isArray(value) ? value[0] : {}, rest, text)]
  const object = (value ?? {}) as Record<string, unknown>
  return { ...object, [head as string]: setAt(object[head as string], rest, text) }
}

t.test('text of invisible characters only is blank wherever text must not be blank', async (t) => {
  t.ok(INVISIBLE.every(isBlank) && isBlank('') && !isBlank('a\u200b') && !isBlank('\u200b😀') && !isBlank('é'), 'the shared predicate')
  const app = await buildTestApp(t, { seed: true })
  const operations = listOperations(await documentOf(app)).filter((operation) => operation.bodyType === 'json' || operation.parameters.some((p) => p.in === 'query'))
  const hints = { integers: [1, 2, 3], objectIds: [app.demoClients?.[0]?.id.toHexString() as string] }
  const before = await storedCount(app)
  const wrong: string[] = []
  let fields = 0
  for (const operation of operations) {
    const objectIdParameters = new Set(operation.parameters.filter((p) => p.in === 'path' && p.schema.pattern === '^[0-9a-fA-F]{24}$').map((p) => `{${p.name}}`))
    const url = operation.path.replace(/\{[^}]+\}/g, (match) => objectIdParameters.has(match) ? hints.objectIds[0] as string : '1')
    const body = plainValue(operation.bodySchema, hints, 1)
    const inBody = operation.bodyType === 'json' ? notBlankFields(operation.bodySchema) : []
    const inQuery = operation.parameters.filter((p) => p.in === 'query' && NOT_BLANK_PATTERNS.has(p.schema.pattern ?? '')).map((p) => p.name)
    for (const [index, text] of INVISIBLE.entries()) {
      for (const path of inBody) {
        fields += index === 0 ? 1 : 0
        const res = await app.inject({ method: operation.method as 'POST', url, headers: keyFor(app, operation), payload: setAt(body, path, text) as object })
        const field = path.map((part) => part === '*' ? '0' : part).join('/')
        const said = (res.json() as { error: string }).error
        const meant = [BLANK_TEXT_MESSAGE, NOT_BLANK_PATTERNS.get(String(schemaAt(operation.bodySchema, path)?.pattern))]
        if (res.statusCode !== 400 || !meant.some((meaning) => said === `body/${field} ${meaning}` || said === `${legacyField(field)}: ${meaning}`)) {
          wrong.push(`${operation.method} ${url} body/${field} ${JSON.stringify(text)}: ${res.statusCode} ${res.body.slice(0, 150)}`)
        }
      }
      for (const name of inQuery) {
        fields += index === 0 ? 1 : 0
        const res = await app.inject({ method: 'GET', url: `${url}?${name}=${encodeURIComponent(text)}`, headers: keyFor(app, operation) })
        const meant = [BLANK_TEXT_MESSAGE, NOT_BLANK_PATTERNS.get(String(operation.parameters.find((p) => p.name === name)?.schema.pattern))]
        const body = res.json() as { error: string }
        // A seed contract route words its errors itself (e.g. "Invalid topic provided"): it must still name the field.
        const named = Object.keys(body).length === 1 ? body.error.includes(name) : meant.some((meaning) => body.error === `querystring/${name} ${meaning}`)
        if (res.statusCode !== 400 || !named) wrong.push(`${operation.method} ${url}?${name}: ${res.statusCode} ${res.body.slice(0, 150)}`)
      }
    }
  }
  t.ok(fields >= 20, `${fields} text fields checked`)
  t.same(wrong, [], 'every one refuses invisible-only text with a 400 naming the field')
  t.equal(await storedCount(app), before, 'nothing was stored')

  t.test('chat messages, on the seed route and the canonical one', async (t) => {
    for (const text of INVISIBLE) {
      const seed = await app.inject({ method: 'POST', url: '/chats/2/messages', headers: ACME, payload: { text } })
      t.same([seed.statusCode, seed.json()], [400, { error: 'text must contain something other than whitespace' }])
      const canonical = await app.inject({ method: 'POST', url: '/api/v1/chats/2/messages', headers: ACME, payload: { text } })
      t.same([canonical.statusCode, canonical.json().error], [400, 'text must contain something other than whitespace'])
    }
    t.equal(await storedCount(app), before, 'nothing was stored')
    const visible = await app.inject({ method: 'POST', url: '/chats/2/messages', headers: ACME, payload: { text: '\u200bok\u200b' } })
    t.equal(visible.statusCode, 201, 'visible text with invisible characters around it is kept as sent')
    t.equal(visible.json().text, '\u200bok\u200b')
  })

  t.test('the seed channel-count route words it as the seed does', async (t) => {
    for (const topic of ['%20', '%E2%80%8B', '%EF%BB%BF%E2%81%A0']) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/interactions/1?topic=${topic}`, headers: ACME })
      t.same([res.statusCode, res.json()], [400, { error: 'Invalid topic provided' }], topic)
    }
  })

  t.test('the seed batch route names the item', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/chatrooms/1/messages', headers: GUILD, payload: { data: [{ message_str: 'fine', message_sent_ts: 1637029963, sender_user_id: 1 }, { message_str: '\u2060\u200b', message_sent_ts: 1637029963, sender_user_id: 2 }] } })
    t.same([res.statusCode, res.json()], [400, { error: `data[1].message_str: ${BLANK_TEXT_MESSAGE}` }])
    t.equal(await app.mongo.db.collection('chatroomMessages').countDocuments({ text: 'fine' }), 0, 'no item of the batch was stored')
  })
})

t.test('__proto__ and constructor.prototype get a 400 that names them, in each route\'s envelope', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const before = await storedCount(app)
  const message = (path: string) => `Field names may not be "__proto__", or "constructor" holding "prototype": ${path}`
  const json = (url: string, payload: string, headers = ACME) => app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload })
  const canonical: Array<[string, string, string]> = [
    ['/api/v1/users', '{"name":"Ann","__proto__":{"role":"admin"}}', 'body.__proto__'],
    ['/api/v1/users', '{"name":"Ann","constructor":{"prototype":{"role":"admin"}}}', 'body.constructor.prototype'],
    ['/api/v1/chatrooms', '{"name":"r","createdBy":1,"memberIds":[1],"x":[{"__proto__":1}]}', 'body.x.0.__proto__'],
    ['/api/v1/interactions', '{"custom":{"deep":{"__proto__":{"polluted":true}}}}', 'body.custom.deep.__proto__']
  ]
  for (const [url, payload, path] of canonical) {
    const res = await json(url, payload)
    t.same([res.statusCode, res.json()], [400, { statusCode: 400, code: 'INVALID_FIELD_NAME', error: message(path) }], `${url} ${path}`)
  }
  const seed = await json('/chats/2/messages', '{"text":"hi","__proto__":{"text":"x"}}')
  t.same([seed.statusCode, seed.json()], [400, { error: message('body.__proto__') }], 'the seed chat route keeps {"error"}')
  const batch = await json('/chatrooms/1/messages', '{"data":[{"message_str":"hi","message_sent_ts":1637029963,"sender_user_id":1,"constructor":{"prototype":{}}}]}', GUILD)
  t.same([batch.statusCode, batch.json()], [400, { error: message('body.data.0.constructor.prototype') }], 'the seed batch route keeps {"error"}')
  const query = await app.inject({ method: 'GET', url: '/api/v1/users?__proto__=x', headers: ACME })
  t.same([query.statusCode, query.json().error], [400, message('querystring.__proto__')])
  const seedQuery = await app.inject({ method: 'GET', url: '/api/v1/interactions/1?__proto__=x', headers: ACME })
  t.same([seedQuery.statusCode, seedQuery.json()], [400, { error: message('querystring.__proto__') }])

  const plain = await json('/api/v1/users', '{"name":"Ann","constructor":"x"}')
  t.same([plain.statusCode, plain.json().code], [400, 'VALIDATION_ERROR'], 'a constructor key without prototype is an ordinary unknown field')
  const bom = await json('/api/v1/users', '\ufeff{"name":"With a byte order mark"}')
  t.equal(bom.statusCode, 201, 'a JSON body may still start with a byte order mark')
  const asValue = await json('/api/v1/users', '{"name":"__proto__ constructor prototype"}')
  t.equal(asValue.statusCode, 201, 'the words as values are fine')
  t.equal(await storedCount(app), before + 2, 'only those two users were stored')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
  t.equal(({} as Record<string, unknown>).role, undefined)
})

t.test('a client\'s x-request-id is echoed only when it is short and plain; otherwise a new id replaces it', async (t) => {
  const app = await buildTestApp(t)
  const idOf = async (value?: string | string[]) => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: value === undefined ? {} : { 'x-request-id': value } })
    return String(res.headers['x-request-id'])
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  for (const kept of ['abc-123', '3f2a6c1e-6b8e-4a55-9d0b-1c2d3e4f5a6b', 'Root=1-5e1b4151-5ac6c58f', 'a'.repeat(128), 'trace:span/1+x_y.z']) {
    t.equal(await idOf(kept), kept, `kept: ${kept.slice(0, 40)}`)
  }
  const replaced = ['a'.repeat(129), 'x'.repeat(10_000), '<script>alert(1)</script>', 'has space', '', 'quote"d', 'semi;colon', 'tab\there', 'é']
  for (const value of replaced) {
    const id = await idOf(value)
    t.match(id, uuid, `replaced: ${JSON.stringify(value.slice(0, 30))}`)
    t.not(id, value)
  }
  t.match(await idOf(['one', 'two']), uuid, 'two headers are not one id')
  const [a, b] = [await idOf(), await idOf()]
  t.match(a, uuid)
  t.not(a, b, 'each request gets its own id')
})
