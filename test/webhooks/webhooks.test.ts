import t, { type Test } from 'tap'
import { hostname } from 'node:os'
import { lookup } from 'node:dns/promises'
import { createHmac } from 'node:crypto'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { eventually, startReceiver, type Received } from './receiver.js'

const FAST = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1/128',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_TIMEOUT_MS: '700'
}

/** The README's verification, written from its words: HMAC-SHA256 keyed with the secret over "<t>.<body>", hex. */
function verifies (secret: string, received: Received): boolean {
  const header = String(received.headers['switchboard-signature'])
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
  if (!match) return false
  const expected = createHmac('sha256', secret).update(`${match[1]}.${received.body}`).digest('hex')
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 300
}

async function setup (t: Test, env: Record<string, string> = {}) {
  const app = await buildTestApp(t, { env: { ...FAST, ...env } })
  const tenant = await createTenant(app, 'hooks')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['ann', 'bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const register = async (url: string, eventTypes: string[] = ['direct-message']) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload: { url, eventTypes } })
    t.equal(res.statusCode, 201, res.body)
    return res.json() as { id: string, secret: string }
  }
  const sendDm = async (text: string) => (await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId: 1, recipientId: 2, text } })).json()
  const get = async (url: string) => (await app.inject({ method: 'GET', url, headers: admin })).json()
  return { app, tenant, admin, register, sendDm, get }
}

t.test('a delivery is a signed POST of the event that the documented algorithm verifies', async (t) => {
  const { app, register, sendDm, get } = await setup(t)
  const receiver = await startReceiver(t)
  const hook = await register(receiver.url)
  t.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/)
  const message = await sendDm('hello hook')
  await eventually(() => receiver.received.length === 1, 'one delivery')
  const [request] = receiver.received as [Received]
  const event = JSON.parse(request.body)
  t.same(Object.keys(event), ['id', 'type', 'createdAt', 'data'])
  t.match(event, { type: 'direct-message', data: message })
  t.equal(request.headers['content-type'], 'application/json')
  t.equal(request.headers['switchboard-event-id'], String(event.id))
  t.equal(request.headers['switchboard-event-type'], 'direct-message')
  t.equal(request.headers['switchboard-delivery-attempt'], '1')
  t.ok(verifies(hook.secret, request), 'the signature verifies with the secret')
  t.notOk(verifies(hook.secret, { ...request, body: request.body.replace('hello', 'HELLO') }), 'and not over another body')
  t.notOk(verifies('whsec_other', request), 'nor with another secret')

  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'delivered', 'delivered in the log')
  const log = await get(`/api/v1/webhooks/${hook.id}/deliveries`)
  t.match(log.data[0], { id: request.headers['switchboard-delivery-id'], eventId: event.id, eventType: 'direct-message', state: 'delivered', attempts: 1, nextAttemptAt: null, lastAttempt: { succeeded: true, statusCode: 200, error: null, responseSnippet: 'ok' } })
  const one = await get(`/api/v1/webhooks/${hook.id}/deliveries/${log.data[0].id}`)
  t.same(one.event, event, 'the delivery shows the event it carried')
  const listed = await get('/api/v1/webhooks')
  t.notOk('secret' in listed.data[0], 'the secret is never shown again')
  t.equal(app.events.streams.openStreams, 0)
})

t.test('500s and timeouts are retried with backoff until one succeeds; every attempt is in the log', async (t) => {
  const { register, sendDm, get } = await setup(t)
  const receiver = await startReceiver(t, (_request, index) => index === 0 ? { status: 500, body: 'boom' } : index === 1 ? 'hang' : { status: 204 })
  const hook = await register(receiver.url)
  await sendDm('try again')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'delivered', 'delivered at the third attempt')
  t.equal(receiver.received.length, 3)
  t.same(receiver.received.map((request) => request.headers['switchboard-delivery-attempt']), ['1', '2', '3'])
  t.equal(new Set(receiver.received.map((request) => request.headers['switchboard-event-id'])).size, 1, 'the same event id each time, to de-duplicate on')
  const gaps = [receiver.received[1]!.at - receiver.received[0]!.at, receiver.received[2]!.at - receiver.received[1]!.at]
  t.ok(gaps[0]! >= 50 && gaps[1]! >= 700, `retries wait (backoff ${gaps.join(' ms, ')} ms)`)
  const delivery = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  const attempts = await get(`/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts`)
  t.match(attempts.data, [
    { attempt: 3, succeeded: true, statusCode: 204, error: null },
    { attempt: 2, succeeded: false, statusCode: null, error: 'no complete answer within 700 ms' },
    { attempt: 1, succeeded: false, statusCode: 500, error: 'answered 500', responseSnippet: 'boom' }
  ])
  t.ok(attempts.data[1].latencyMs >= 690, 'a timed-out attempt took the timeout')
  const page = await get(`/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts?limit=2`)
  const rest = await get(`/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/attempts?limit=2&cursor=${page.nextCursor}`)
  t.same([...page.data, ...rest.data].map((attempt: { attempt: number }) => attempt.attempt), [3, 2, 1], 'paged')
  t.equal(rest.nextCursor, null)
})

t.test('a delivery that keeps failing is given up after the retry window', async (t) => {
  const { register, sendDm, get } = await setup(t, { WEBHOOK_RETRY_WINDOW_MS: '3000' })
  const receiver = await startReceiver(t, () => ({ status: 503 }))
  const hook = await register(receiver.url)
  await sendDm('never')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'failed', 'given up')
  const delivery = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  t.ok(delivery.attempts >= 2, `retried (${delivery.attempts} attempts)`)
  t.equal(delivery.attempts, receiver.received.length, 'every attempt reached the endpoint once')
  t.equal(delivery.nextAttemptAt, null)
  const count = receiver.received.length
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal(receiver.received.length, count, 'and nothing is sent after giving up')
  t.equal((await get(`/api/v1/webhooks/${hook.id}`)).enabled, true, 'one failed delivery does not disable the endpoint')
})

t.test('an endpoint whose deliveries all fail for the disable period is disabled, says why, and can be re-enabled', async (t) => {
  const { register, sendDm, get, admin, app, tenant } = await setup(t, { WEBHOOK_DISABLE_AFTER_MS: '1000' })
  let healthy = false
  const receiver = await startReceiver(t, () => healthy ? { status: 200 } : { status: 503 })
  const hook = await register(receiver.url)
  await sendDm('never')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}`)).enabled === false, 'disabled')
  const endpoint = await get(`/api/v1/webhooks/${hook.id}`)
  t.match(endpoint.disabledReason, /^Disabled by Switchboard: every delivery failed from \d{4}-.+Z to \d{4}-.+Z\. Fix the endpoint, then re-enable it with PATCH \{"enabled": true\}\.$/)
  t.type(endpoint.failingSince, 'string')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'cancelled', 'its pending delivery is cancelled')
  const before = receiver.received.length
  await sendDm('while disabled')
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(receiver.received.length, before, 'a disabled endpoint gets nothing')
  const delivery = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`, headers: admin })).statusCode, 409)

  healthy = true
  const reenabled = await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, headers: admin, payload: { enabled: true } })
  t.match(reenabled.json(), { enabled: true, disabledReason: null, failingSince: null })
  t.equal(await app.webhookEndpoints.position(tenant.id), await app.events.log.head(tenant.id), 'the fan-out skips what was stored while no endpoint was enabled')
  await sendDm('after re-enabling')
  await eventually(() => receiver.received.some((request) => request.body.includes('after re-enabling')), 'delivered again')
  t.notOk(receiver.received.some((request) => request.body.includes('while disabled')), 'events stored while it was disabled are not sent')
})

t.test('redelivery sends the same event again; a receiver de-duplicating by event id keeps it once', async (t) => {
  const { register, sendDm, get, admin, app } = await setup(t)
  const receiver = await startReceiver(t)
  const hook = await register(receiver.url)
  await sendDm('once')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'delivered', 'delivered')
  const delivery = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  const redelivered = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`, headers: admin })
  t.equal(redelivered.statusCode, 202)
  t.match(redelivered.json(), { id: delivery.id, state: 'pending' })
  await eventually(() => receiver.received.length === 2, 'redelivered')
  t.same(receiver.received.map((request) => request.headers['switchboard-delivery-attempt']), ['1', '2'])
  t.equal(receiver.received[0]?.body, receiver.received[1]?.body, 'the same event')
  t.equal(new Set(receiver.received.map((request) => request.headers['switchboard-event-id'])).size, 1)
  const missing = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/deliveries/${'0'.repeat(24)}/redeliver`, headers: admin })
  t.equal(missing.statusCode, 404)
})

t.test('an endpoint receives only the event types it registered', async (t) => {
  const { register, sendDm, admin, app } = await setup(t)
  const receiver = await startReceiver(t)
  await register(receiver.url, ['chat-queued', 'chat-closed'])
  await sendDm('not wanted')
  const chat = (await app.inject({ method: 'POST', url: '/api/v1/chats', headers: admin, payload: { customerName: 'Cy' } })).json()
  await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/assign`, headers: admin, payload: { userId: 1 } })
  await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/close`, headers: admin })
  await eventually(() => receiver.received.length === 2, 'two deliveries')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.same(receiver.received.map((request) => JSON.parse(request.body).type), ['chat-queued', 'chat-closed'])
})

t.test('a bounded answer: a huge body is not read to its end, a trickling one times out', async (t) => {
  const { register, sendDm, get } = await setup(t)
  const http = await import('node:http')
  let mode: 'huge' | 'trickle' = 'huge'
  const server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200)
    if (mode === 'huge') {
      const chunk = 'y'.repeat(65_536)
      for (let index = 0; index < 200; index++) if (!res.write(chunk)) break
      return
    }
    const timer = setInterval(() => res.write('.'), 100)
    res.on('close', () => clearInterval(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const hook = await register(`http://127.0.0.1:${(server.address() as { port: number }).port}/`)
  await sendDm('huge')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'delivered', 'a huge 200 answer counts once 64 KiB are read')
  const delivered = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  t.equal(delivered.lastAttempt.responseSnippet, 'y'.repeat(256), 'the log keeps its first 256 characters')
  mode = 'trickle'
  await sendDm('trickle')
  await eventually(async () => (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.attempts >= 1 &&
    (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.lastAttempt?.error === 'no complete answer within 700 ms', 'the trickle times out')
})

t.test('webhook endpoints: registration rules, other clients, roles', async (t) => {
  const { app, admin, tenant } = await setup(t, { WEBHOOK_ALLOW_PRIVATE_TARGETS: '' })
  const create = async (payload: object, key = admin) => app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: key, payload })
  const refused: [string, RegExp][] = [
    ['ftp://example.com/x', /must use http or https/],
    ['https://user:pw@example.com/x', /must not hold credentials/],
    ['not a url', /absolute http or https URL/],
    ['http://127.0.0.1:8080/x', /127\.0\.0\.1 is a loopback address/],
    ['http://10.1.2.3/x', /private/],
    ['http://169.254.169.254/latest/meta-data', /linkLocal/],
    ['http://0.0.0.0:80/', /unspecified/],
    ['http://100.64.0.1/', /carrierGradeNat/],
    ['http://[::1]/x', /loopback/],
    ['http://[::ffff:127.0.0.1]/x', /loopback/],
    ['http://[::ffff:a9fe:a9fe]/x', /linkLocal/],
    ['http://[fe80::1]/x', /linkLocal/],
    ['http://[fd00::1]/x', /uniqueLocal/],
    ['http://[64:ff9b::a00:1]/x', /rfc6052/],
    ['http://0x7f.1/x', /loopback/],
    ['http://localhost:3000/x', /localhost/],
    ['http://LOCALHOST./x', /localhost/],
    ['http://api.localhost/x', /localhost/]
  ]
  for (const [url, message] of refused) {
    const res = await create({ url, eventTypes: ['direct-message'] })
    t.equal(res.statusCode, 400, url)
    t.match(res.json().error, message, url)
  }
  t.equal((await create({ url: 'https://example.com/x', eventTypes: [] })).statusCode, 400, 'at least one event type')
  t.equal((await create({ url: 'https://example.com/x', eventTypes: ['no-such-event'] })).statusCode, 400)
  t.equal((await create({ url: 'https://example.com/x', eventTypes: ['direct-message'] }, bearer(tenant.keys.manager))).statusCode, 403, 'admins only')
  t.equal(await app.mongo.db.collection('webhooks').countDocuments({}), 0, 'nothing refused was stored')

  const created = await create({ url: 'https://example.com/hook', eventTypes: ['direct-message'], description: 'CRM' })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, `/api/v1/webhooks/${created.json().id}`)
  const id = created.json().id as string
  const other = await createTenant(app, 'other')
  for (const [method, url] of [['GET', `/api/v1/webhooks/${id}`], ['DELETE', `/api/v1/webhooks/${id}`], ['GET', `/api/v1/webhooks/${id}/deliveries`]] as const) {
    t.equal((await app.inject({ method, url, headers: bearer(other.keys.admin) })).statusCode, 404, `another client: ${method} ${url}`)
  }
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: bearer(other.keys.admin), payload: { enabled: false } })).statusCode, 404)
  const patched = await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: admin, payload: { eventTypes: ['chat-queued'], enabled: false } })
  t.match(patched.json(), { eventTypes: ['chat-queued'], enabled: false, description: 'CRM' })
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: admin, payload: { url: 'http://10.0.0.1/' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: admin, payload: {} })).statusCode, 400)
  for (let index = 1; index < 20; index++) t.equal((await create({ url: `https://example.com/${index}`, eventTypes: ['chat-queued'] })).statusCode, 201)
  const over = await create({ url: 'https://example.com/21', eventTypes: ['chat-queued'] })
  t.equal(over.statusCode, 409)
  t.equal(over.json().error, 'A client holds at most 20 webhook endpoints')
  const page = (await app.inject({ method: 'GET', url: '/api/v1/webhooks?limit=15', headers: admin })).json()
  const rest = (await app.inject({ method: 'GET', url: `/api/v1/webhooks?limit=15&cursor=${page.nextCursor}`, headers: admin })).json()
  t.equal(page.data.length + rest.data.length, 20)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/webhooks/${id}`, headers: admin })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/webhooks?cursor=abc', headers: admin })).statusCode, 400)
})

const name = hostname()
const resolved = await lookup(name).catch(() => null)
const skip = resolved && /^127\./.test(resolved.address) ? false : `this machine's name ${name} does not resolve to a loopback address`

t.test('a name that resolves to a private address is refused at delivery, when the connection is made', { skip }, async (t) => {
  const { register, sendDm, get } = await setup(t, { WEBHOOK_ALLOW_PRIVATE_TARGETS: '' })
  const receiver = await startReceiver(t)
  const hook = await register(`http://${name}:${receiver.port}/hook`)
  await sendDm('to a private name')
  await eventually(async () => Boolean((await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]?.lastAttempt), 'attempted')
  const delivery = (await get(`/api/v1/webhooks/${hook.id}/deliveries`)).data[0]
  t.match(delivery.lastAttempt, { succeeded: false, statusCode: null, error: new RegExp(`^${name} resolves to no address webhooks may reach \\(127\\.0\\.0\\.1 is a loopback address\\)$`) })
  t.equal(receiver.received.length, 0, 'nothing reached the private address')
})

