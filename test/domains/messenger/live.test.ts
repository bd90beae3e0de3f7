import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { listen, until } from '../../events/helpers.js'
import { openEventStream, type EventStreamClient } from './event-stream.js'

t.test('live delivery', async (t) => {
  const app = await buildTestApp(t)
  const base = await listen(app)
  const tenant = await createTenant(app, 'live')
  const other = await createTenant(app, 'live-other')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['aaron', 'betty', 'carol']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  for (const name of ['o1', 'o2', 'o3', 'o4']) await app.usersRepository.create(other.id, { name, role: 'agent' })
  const room = await app.chatroomsRepository.create(tenant.id, { name: 'live room', createdBy: 1, memberIds: [1, 2] })
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const stream = await openEventStream(`${base}${path}`, { ...admin, ...headers })
    streams.push(stream)
    return stream
  }
  const sendDm = async (senderId: number, recipientId: number, text: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId, recipientId, text } })
    return res.json()
  }
  const postBatch = async (items: [number, string][], headers: Record<string, string> = {}) => {
    const data = items.map(([sender, text]) => ({ message_str: text, message_sent_ts: 1637029963, sender_user_id: sender }))
    return (await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: { ...admin, ...headers }, payload: { data } })).json()
  }

  t.test('a recipient\'s stream receives each direct message as it is stored, and only theirs', async (t) => {
    const stream = await open('/api/v1/users/2/events')
    t.equal(stream.status, 200)
    t.equal(stream.contentType, 'text/event-stream; charset=utf-8')
    t.equal(stream.headers.get('cache-control'), 'no-cache, no-transform')
    t.equal(stream.headers.get('x-content-type-options'), 'nosniff', 'headers set by earlier hooks are kept')
    t.match(stream.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
    await sendDm(1, 3, 'for carol')
    const sent = await sendDm(1, 2, 'for betty')
    const event = await stream.next()
    t.same(event, { id: String(await app.events.log.head(tenant.id)), event: 'direct-message', data: sent })
    t.match(event.id, /^[0-9]+$/, 'the event id is the event\'s place in the client\'s log')
    stream.close()
  })

  t.test('a reconnect with Last-Event-ID first receives what it missed, then live messages', async (t) => {
    const first = await open('/api/v1/users/3/events')
    const seen = await sendDm(2, 3, 'one')
    const seenEvent = await first.next()
    t.same(seenEvent.data, seen)
    first.close()

    const missed = [await sendDm(1, 3, 'two'), await sendDm(2, 3, 'three')]
    await sendDm(3, 1, 'not for carol')
    const again = await open('/api/v1/users/3/events', { 'last-event-id': seenEvent.id as string })
    const replayed = [await again.next(), await again.next()]
    t.same(replayed.map((event) => event.data), missed)
    t.ok(Number(replayed[0]?.id) > Number(seenEvent.id) && Number(replayed[1]?.id) > Number(replayed[0]?.id), 'ids grow in storage order')
    const live = await sendDm(1, 3, 'four')
    t.same((await again.next()).data, live)
    again.close()
  })

  t.test('a chatroom member\'s stream receives every message posted, in order, and catches up after a reconnect', async (t) => {
    const stream = await open(`/api/v1/chatrooms/${room.chatroomId}/events?userId=2`)
    t.equal(stream.status, 200)
    await postBatch([[1, 'hello'], [2, 'hi. how are you?']])
    const [hello, hi] = [await stream.next(), await stream.next()]
    t.match(hello, { event: 'chatroom-message', data: { chatroomId: room.chatroomId, senderId: 1, text: 'hello' } })
    t.match(hi, { event: 'chatroom-message', data: { senderId: 2, text: 'hi. how are you?' } })
    stream.close()

    const posted = await app.inject({ method: 'POST', url: `/api/v1/chatrooms/${room.chatroomId}/messages`, headers: admin, payload: { senderId: 1, text: 'im well' } })
    const again = await open(`/api/v1/chatrooms/${room.chatroomId}/events?userId=1`, { 'last-event-id': hello.id as string })
    t.same((await again.next()).data, hi.data)
    t.same((await again.next()).data, posted.json())
    await postBatch([[2, 'great!']])
    t.match(await again.next(), { data: { text: 'great!' } })
    again.close()
  })

  t.test('keyed batches: every message of two batches sent with an Idempotency-Key arrives once, in storage order', async (t) => {
    const stream = await open(`/api/v1/chatrooms/${room.chatroomId}/events?userId=1`)
    const first = await postBatch([[1, 'a1'], [2, 'a2'], [1, 'a3'], [2, 'a4']], { 'idempotency-key': 'batch-a' })
    const second = await postBatch([[2, 'b1'], [1, 'b2'], [2, 'b3'], [1, 'b4']], { 'idempotency-key': 'batch-b' })
    const replayed = await postBatch([[1, 'a1'], [2, 'a2'], [1, 'a3'], [2, 'a4']], { 'idempotency-key': 'batch-a' })
    t.same(replayed, first, 'the retry is answered from the first attempt')
    const received = []
    for (let index = 0; index < 8; index++) received.push(await stream.next())
    t.same(received.map((event) => (event.data as { id: number }).id), [...first.data, ...second.data].map((item: { message_id: number }) => item.message_id))
    const ids = received.map((event) => Number(event.id))
    t.same(ids, [...ids].sort((a, b) => a - b), 'event ids grow')
    stream.close()

    const resumed = await open(`/api/v1/chatrooms/${room.chatroomId}/events?userId=2`, { 'last-event-id': String(ids[2]) })
    const rest = []
    for (let index = 0; index < 5; index++) rest.push(await resumed.next())
    t.same(rest.map((event) => event.id), received.slice(3).map((event) => event.id), 'a reconnect skips none of the rest')
    resumed.close()
  })

  t.test('only members may listen to a chatroom; unknown or another client\'s users and rooms are 404', async (t) => {
    const outsider = await app.inject({ method: 'GET', url: `/api/v1/chatrooms/${room.chatroomId}/events?userId=3`, headers: admin })
    t.equal(outsider.statusCode, 403)
    t.same(outsider.json(), { statusCode: 403, code: 'FORBIDDEN', error: `User 3 is not a member of chatroom ${room.chatroomId}` })
    const theirRoom = await app.inject({ method: 'GET', url: '/api/v1/chatrooms/2/events?userId=1', headers: admin })
    t.equal(theirRoom.statusCode, 404)
    const theirUser = await app.inject({ method: 'GET', url: '/api/v1/users/4/events', headers: admin })
    t.equal(theirUser.statusCode, 404)
    t.equal(theirUser.json().error, 'User 4 not found')
    const badId = await app.inject({ method: 'GET', url: '/api/v1/users/1/events', headers: { ...admin, 'last-event-id': 'nope' } })
    t.equal(badId.statusCode, 400)
    const ahead = await app.inject({ method: 'GET', url: '/api/v1/users/1/events', headers: { ...admin, 'last-event-id': '999999' } })
    t.equal(ahead.statusCode, 400)
    t.match(ahead.json().error, /^Last-Event-ID 999999 is ahead of this log/)
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/users/1/events' })
    t.equal(anonymous.statusCode, 401)
    t.equal(app.events.streams.openStreams, 0, 'no refused request holds a stream')
  })

  t.test('a key bound to no user needs the admin role to open a user\'s stream', async (t) => {
    for (const role of ['agent', 'manager'] as const) {
      const headers = bearer(tenant.keys[role])
      const dms = await app.inject({ method: 'GET', url: '/api/v1/users/2/events', headers })
      t.equal(dms.statusCode, 403, `${role}: direct messages`)
      t.same(dms.json(), {
        statusCode: 403,
        code: 'FORBIDDEN',
        error: `The messenger is private to its users: acting as the user in userId needs an API key bound to that user, or an admin integration key (this ${role} key is bound to no user)`
      })
      const roomStream = await app.inject({ method: 'GET', url: `/api/v1/chatrooms/${room.chatroomId}/events?userId=1`, headers })
      t.equal(roomStream.statusCode, 403, `${role}: chatroom`)
    }
    const unnamed = await app.inject({ method: 'GET', url: `/api/v1/chatrooms/${room.chatroomId}/events`, headers: admin })
    t.equal(unnamed.statusCode, 400)
    t.equal(unnamed.json().error, 'userId is required with an integration key: it names the user who acts')
  })

  t.test('HEAD answers the stream\'s checks and headers without holding a stream', async (t) => {
    const head = await app.inject({ method: 'HEAD', url: '/api/v1/users/1/events', headers: admin })
    t.equal(head.statusCode, 200)
    t.equal(head.headers['content-type'], 'text/event-stream; charset=utf-8')
    t.equal(head.body, '')
    t.equal(app.events.streams.openStreams, 0)
    t.equal((await app.inject({ method: 'HEAD', url: '/api/v1/users/4/events', headers: admin })).statusCode, 404)
    t.equal((await app.inject({ method: 'HEAD', url: `/api/v1/chatrooms/${room.chatroomId}/events?userId=3`, headers: admin })).statusCode, 403)
    t.equal((await app.inject({ method: 'HEAD', url: '/api/v1/users/1/events', headers: bearer(tenant.keys.agent) })).statusCode, 403)
  })

  t.test('a stream the client closes is forgotten', async (t) => {
    const stream = await open('/api/v1/users/1/events')
    t.equal(app.events.streams.openStreams, 1)
    t.equal(app.events.streams.tailedClients, 1)
    stream.close()
    await until(() => app.events.streams.openStreams === 0)
    t.equal(app.events.streams.tailedClients, 0, 'a client without streams is no longer read')
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId: 2, recipientId: 1, text: 'nobody listening' } })).statusCode, 201)
  })
})

t.test('closing the app ends open streams instead of waiting for them', async (t) => {
  const app = await buildTestApp(t)
  const base = await listen(app)
  const tenant = await createTenant(app, 'closing')
  await app.usersRepository.create(tenant.id, { name: 'aaron', role: 'agent' })
  const stream = await openEventStream(`${base}/api/v1/users/1/events`, bearer(tenant.keys.admin))
  t.teardown(() => { stream.close() })
  t.equal(app.events.streams.openStreams, 1)
  await app.close()
  await stream.ended()
  t.equal(app.events.streams.openStreams, 0)
})

t.test('heartbeats come every 15 seconds, or twice per idle-socket timeout when that is shorter', async (t) => {
  const standard = await buildTestApp(t)
  t.equal(standard.events.streams.limits.heartbeatMs, 15_000)
  const short = await buildTestApp(t, { env: { CONNECTION_TIMEOUT_MS: '5000' } })
  t.equal(short.events.streams.limits.heartbeatMs, 2_500)
})
