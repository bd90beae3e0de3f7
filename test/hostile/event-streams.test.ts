import t from 'tap'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { listen, until } from '../events/helpers.js'
import { openEventStream, type EventStreamClient, type ReceivedEvent } from '../domains/messenger/event-stream.js'

t.setTimeout(400_000)

const BOUND = 65_536
const TEXT = 'x'.repeat(1000)

/** A client that asks for an event stream on a raw socket and then never reads a byte of the answer. */
function stalledReader (port: number, path: string, key: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`)
      socket.pause()
      resolve(socket)
    })
    socket.on('error', () => {})
    socket.once('error', reject)
  })
}

/** Every byte the server has accepted for its sockets but not yet handed to the kernel: what a stalled client costs it. */
function serverBuffered (sockets: Set<net.Socket>): number {
  let bytes = 0
  for (const socket of sockets) bytes += socket.writableLength
  return bytes
}

t.test('stalled readers cost a bounded buffer each, and a client that reconnects misses nothing', async (t) => {
  const app = await buildTestApp(t, { env: { EVENT_STREAM_BUFFER_BYTES: String(BOUND), EVENT_STREAM_STALL_MS: '2000', EVENT_STREAMS_PER_KEY: '100', EVENT_STREAMS_PER_CLIENT: '100' } })
  const base = await listen(app)
  const port = (app.server.address() as AddressInfo).port
  const sockets = new Set<net.Socket>()
  app.server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)) })
  const tenant = await createTenant(app, 'stalled')
  const key = tenant.keys.admin
  for (const name of ['ann', 'bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const room = await app.chatroomsRepository.create(tenant.id, { name: 'flood', createdBy: 1, memberIds: [1, 2] })
  const path = `/api/v1/chatrooms/${room.chatroomId}/events?userId=2`

  const stalled = await Promise.all(Array.from({ length: 30 }, () => stalledReader(port, path, key)))
  t.teardown(() => { for (const socket of stalled) socket.destroy() })
  // One reader reads the first events, then stops reading as well; later it reconnects from the last id it read.
  const slow = await openEventStream(`${base}${path}`, bearer(key))
  t.teardown(() => { slow.close() })
  await until(() => app.events.streams.openStreams === 31, '31 open streams')

  const rssBefore = process.memoryUsage().rss
  const batches = 60
  let peak = 0
  const posted: number[] = []
  let firstRead: ReceivedEvent[] = []
  for (let batch = 0; batch < batches; batch++) {
    const data = Array.from({ length: 100 }, (_, index) => ({ message_str: TEXT, message_sent_ts: 1637029963, sender_user_id: 1 + (index % 2) }))
    const res = await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: bearer(key), payload: { data } })
    t.equal(res.statusCode, 201)
    posted.push(...res.json().data.map((item: { message_id: number }) => item.message_id))
    if (batch === 0) firstRead = [await slow.next(), await slow.next(), await slow.next()]
    await new Promise((resolve) => setImmediate(resolve))
    peak = Math.max(peak, serverBuffered(sockets))
  }
  await until(() => app.events.streams.openStreams === 0, 'every stalled stream closed by the server', 60_000)
  // The process also holds the embedded database (6,000 messages and their events), so its RSS is reported, not bounded.
  const grown = process.memoryUsage().rss - rssBefore
  t.comment(`${batches * 100} events of ~1.1 kB to 31 streams that stopped reading: peak unsent ${Math.round(peak / 1024)} KiB, RSS +${Math.round(grown / 1048576)} MiB`)
  // 31 streams × (bound + one event) is 2.1 MB; the code before this bound held 90 MB unsent in this scenario.
  t.ok(peak <= 31 * (BOUND + 4096), `the unsent bytes stayed within the bound of every stream (${peak})`)

  const lastRead = firstRead.at(-1) as ReceivedEvent
  const again = await openEventStream(`${base}${path}`, { ...bearer(key), 'last-event-id': String(lastRead.id) })
  t.teardown(() => { again.close() })
  const rest: ReceivedEvent[] = []
  for (let index = 3; index < posted.length; index++) rest.push(await again.next())
  const received = [...firstRead, ...rest].map((event) => (event.data as { id: number }).id)
  t.same(received, posted, 'after the reconnect the client has every message, in order, once')
})

t.test('a reader that keeps up is never cut off by a burst larger than its buffer bound', async (t) => {
  const app = await buildTestApp(t, { env: { EVENT_STREAM_BUFFER_BYTES: '16384', EVENT_STREAM_STALL_MS: '5000' } })
  const base = await listen(app)
  const tenant = await createTenant(app, 'burst')
  for (const name of ['ann', 'bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const room = await app.chatroomsRepository.create(tenant.id, { name: 'burst', createdBy: 1, memberIds: [1, 2] })
  const stream = await openEventStream(`${base}/api/v1/chatrooms/${room.chatroomId}/events?userId=1`, bearer(tenant.keys.admin))
  t.teardown(() => { stream.close() })
  const posted: number[] = []
  for (let batch = 0; batch < 3; batch++) {
    const data = Array.from({ length: 100 }, () => ({ message_str: TEXT, message_sent_ts: 1637029963, sender_user_id: 1 }))
    const res = await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: bearer(tenant.keys.admin), payload: { data } })
    posted.push(...res.json().data.map((item: { message_id: number }) => item.message_id))
  }
  const received: number[] = []
  for (let index = 0; index < posted.length; index++) received.push(((await stream.next()).data as { id: number }).id)
  t.same(received, posted, '330 kB through a 16 kB bound on one connection, in order')
  t.equal(app.events.streams.openStreams, 1, 'the stream is still open')
})

t.test('open streams are capped per key, per client and per instance', async (t) => {
  const app = await buildTestApp(t, { env: { EVENT_STREAMS_PER_KEY: '2', EVENT_STREAMS_PER_CLIENT: '3' } })
  const base = await listen(app)
  const tenant = await createTenant(app, 'caps')
  await app.usersRepository.create(tenant.id, { name: 'ann', role: 'agent' })
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  const open = async (key: string, path = '/api/v1/chats/queue/events') => {
    const stream = await openEventStream(`${base}${path}`, bearer(key))
    streams.push(stream)
    return stream
  }
  const { admin, manager } = tenant.keys
  t.equal((await open(admin)).status, 200)
  t.equal((await open(admin, '/api/v1/users/1/events')).status, 200)
  const third = await app.inject({ method: 'GET', url: '/api/v1/chats/queue/events', headers: bearer(admin) })
  t.equal(third.statusCode, 429)
  t.same(third.json(), { statusCode: 429, code: 'TOO_MANY_STREAMS', error: 'This API key already holds 2 open event streams (the most it may); close one first' })
  t.equal(third.headers['retry-after'], '5')
  t.equal((await app.inject({ method: 'HEAD', url: '/api/v1/users/1/events', headers: bearer(admin) })).statusCode, 429, 'HEAD says so too')

  t.equal((await open(manager)).status, 200, 'another key of the client still may')
  const overClient = await app.inject({ method: 'GET', url: '/api/v1/chats/queue/events', headers: bearer(manager) })
  t.equal(overClient.statusCode, 429)
  t.equal(overClient.json().error, 'This client already holds 3 open event streams (the most it may); close one first')

  const other = await createTenant(app, 'caps-other')
  const elsewhere = await open(other.keys.manager)
  t.equal(elsewhere.status, 200, 'another client is not affected')
  elsewhere.close()

  streams[0]?.close()
  await until(async () => (await app.inject({ method: 'HEAD', url: '/api/v1/chats/queue/events', headers: bearer(admin) })).statusCode === 200, 'a place freed')
  t.equal((await open(admin)).status, 200, 'a closed stream gives its place back')
  t.equal(app.events.streams.openStreams, 3)

  const small = await buildTestApp(t, { env: { EVENT_STREAMS_PER_INSTANCE: '1' } })
  const smallBase = await listen(small)
  const smallTenant = await createTenant(small, 'instance')
  streams.push(await openEventStream(`${smallBase}/api/v1/chats/queue/events`, bearer(smallTenant.keys.manager)))
  const full = await small.inject({ method: 'GET', url: '/api/v1/chats/queue/events', headers: bearer(smallTenant.keys.admin) })
  t.equal(full.statusCode, 503)
  t.equal(full.json().error, 'This instance holds its maximum of 1 event streams; retry shortly')
})

t.test('clients that hang up while their stream is being opened leave no stream and no place taken behind', async (t) => {
  const app = await buildTestApp(t, { env: { EVENT_STREAMS_PER_KEY: '2' } })
  const base = await listen(app)
  const port = (app.server.address() as AddressInfo).port
  const tenant = await createTenant(app, 'hang-up')
  for (let index = 0; index < 40; index++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        socket.write(`GET /api/v1/chats/queue/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tenant.keys.admin}\r\n\r\n`)
        // Hang up at once, or after a few milliseconds: before, during or after the stream's checks.
        setTimeout(() => { socket.destroy(); resolve() }, index % 4)
      })
      socket.on('error', () => {})
    })
  }
  await until(() => app.events.streams.openStreams === 0 && app.events.streams.tailedClients === 0, 'every stream gone')
  const streams = [await openEventStream(`${base}/api/v1/chats/queue/events`, bearer(tenant.keys.admin)), await openEventStream(`${base}/api/v1/chats/queue/events`, bearer(tenant.keys.admin))]
  t.teardown(() => { for (const stream of streams) stream.close() })
  t.same(streams.map((stream) => stream.status), [200, 200], 'the key still has both its places')
})

t.test('HEAD on every stream route answers headers only and holds no stream', async (t) => {
  const app = await buildTestApp(t)
  const base = await listen(app)
  const tenant = await createTenant(app, 'head')
  await app.usersRepository.create(tenant.id, { name: 'ann', role: 'agent' })
  const room = await app.chatroomsRepository.create(tenant.id, { name: 'r', createdBy: 1, memberIds: [1] })
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>> }
  const streamPaths = Object.entries(doc.paths).filter(([, methods]) => methods.get?.responses['200']?.content && 'text/event-stream' in (methods.get.responses['200'].content as object)).map(([path]) => path)
  t.same(streamPaths.sort(), ['/api/v1/chatrooms/{chatroomId}/events', '/api/v1/chats/events', '/api/v1/chats/queue/events', '/api/v1/user-statuses/events', '/api/v1/users/{userId}/events'])
  const urls = [`/api/v1/chatrooms/${room.chatroomId}/events?userId=1`, '/api/v1/chats/events?userId=1', '/api/v1/chats/queue/events', '/api/v1/user-statuses/events', '/api/v1/users/1/events']
  for (const url of urls) {
    const res = await fetch(`${base}${url}`, { method: 'HEAD', headers: bearer(tenant.keys.admin), signal: AbortSignal.timeout(10_000) })
    t.equal(res.status, 200, `HEAD ${url}`)
    t.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8')
    t.equal(await res.text(), '')
  }
  t.equal(app.events.streams.openStreams, 0)
  t.equal(app.events.streams.tailedClients, 0)
  t.equal((await app.inject({ method: 'HEAD', url: '/api/v1/users/1/events' })).statusCode, 401)
  t.equal((await app.inject({ method: 'HEAD', url: '/api/v1/chats/queue/events', headers: bearer(tenant.keys.agent) })).statusCode, 403)
})
