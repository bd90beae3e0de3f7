import t from 'tap'
import type { AddressInfo } from 'node:net'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import type { App } from '../../../src/app.js'
import { openEventStream, type EventStreamClient } from './event-stream.js'

async function listen (app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Waits for a condition the server reaches on its own (a socket closing), failing after a generous bound. */
async function until (condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not reached')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

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
  const postBatch = async (items: [number, string][]) => {
    const data = items.map(([sender, text]) => ({ message_str: text, message_sent_ts: 1637029963, sender_user_id: sender }))
    return (await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: admin, payload: { data } })).json()
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
    t.same(event, { id: sent.id, event: 'direct-message', data: sent })
    stream.close()
  })

  t.test('a reconnect with Last-Event-ID first receives what it missed, then live messages', async (t) => {
    const first = await open('/api/v1/users/3/events')
    const seen = await sendDm(2, 3, 'one')
    t.equal((await first.next()).id, seen.id)
    first.close()

    const missed = [await sendDm(1, 3, 'two'), await sendDm(2, 3, 'three')]
    await sendDm(3, 1, 'not for carol')
    const again = await open('/api/v1/users/3/events', { 'last-event-id': seen.id })
    t.same([await again.next(), await again.next()].map((event) => event.data), missed)
    const live = await sendDm(1, 3, 'four')
    t.same(await again.next(), { id: live.id, event: 'direct-message', data: live })
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
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/users/1/events' })
    t.equal(anonymous.statusCode, 401)
  })

  t.test('a stream the client closes is forgotten', async (t) => {
    const stream = await open('/api/v1/users/1/events')
    t.equal(app.messengerLive.openStreams, 1)
    stream.close()
    await until(() => app.messengerLive.openStreams === 0)
    t.equal(app.messengerLive.openStreams, 0)
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
  t.equal(app.messengerLive.openStreams, 1)
  await app.close()
  await stream.ended()
  t.equal(app.messengerLive.openStreams, 0)
})

t.test('heartbeats come every 15 seconds, or twice per idle-socket timeout when that is shorter', async (t) => {
  const standard = await buildTestApp(t)
  t.equal(standard.messengerLive.heartbeatMs, 15_000)
  const short = await buildTestApp(t, { env: { CONNECTION_TIMEOUT_MS: '5000' } })
  t.equal(short.messengerLive.heartbeatMs, 2_500)
})
