import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { listen } from './helpers.js'
import { openEventStream, type EventStreamClient } from '../domains/messenger/event-stream.js'
import { streamUser } from '../../src/domains/events/stream-access.js'

t.test('chat streams', async (t) => {
  const app = await buildTestApp(t)
  const base = await listen(app)
  const tenant = await createTenant(app, 'chat-streams')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['ann', 'bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  const open = async (path: string, headers = admin) => {
    const stream = await openEventStream(`${base}${path}`, headers)
    streams.push(stream)
    t.equal(stream.status, 200)
    return stream
  }
  const post = async (url: string, payload?: object) => {
    const res = await app.inject({ method: 'POST', url, headers: admin, ...(payload ? { payload } : {}) })
    t.ok(res.statusCode < 300, `${url}: ${res.statusCode}`)
    return res.json()
  }

  t.test('an agent follows the chats assigned to it; the queue sees every chat\'s lifecycle but no messages', async (t) => {
    const ann = await open('/api/v1/chats/events?userId=1')
    const bo = await open('/api/v1/chats/events?userId=2')
    const queue = await open('/api/v1/chats/queue/events', bearer(tenant.keys.manager))
    const chat = await post('/api/v1/chats', { customerName: 'Cy' })
    await post(`/api/v1/chats/${chat.id}/assign`, { userId: 1 })
    const first = await post(`/api/v1/chats/${chat.id}/messages`, { text: 'hello?' })
    await post(`/api/v1/chats/${chat.id}/assign`, { userId: 2 })
    const second = await post(`/api/v1/chats/${chat.id}/messages`, { text: 'hi, Bo here', userId: 2 })
    await post(`/api/v1/chats/${chat.id}/close`)

    const annEvents = [await ann.next(), await ann.next(), await ann.next()]
    t.same(annEvents.map((event) => event.event), ['chat-assigned', 'chat-message', 'chat-assigned'])
    t.match(annEvents[0]?.data, { id: chat.id, userId: 1, previousUserId: null, state: 'open' })
    t.same(annEvents[1]?.data, first)
    t.match(annEvents[2]?.data, { userId: 2, previousUserId: 1 }, 'the agent who loses a chat is told')
    const boEvents = [await bo.next(), await bo.next(), await bo.next()]
    t.same(boEvents.map((event) => event.event), ['chat-assigned', 'chat-message', 'chat-closed'])
    t.same(boEvents[1]?.data, second)
    t.match(boEvents[2]?.data, { id: chat.id, state: 'closed', userId: 2 })
    const queueEvents = [await queue.next(), await queue.next(), await queue.next(), await queue.next()]
    t.same(queueEvents.map((event) => event.event), ['chat-queued', 'chat-assigned', 'chat-assigned', 'chat-closed'])
    t.match(queueEvents[0]?.data, { id: chat.id, customerName: 'Cy', state: 'queued', userId: null })

    const sentinel = await post('/api/v1/chats', { customerName: 'Sentinel' })
    t.match((await queue.next()).data, { id: sentinel.id }, 'nothing else reached the queue')
    const other = await post('/api/v1/chats', { customerName: 'Dee' })
    await post(`/api/v1/chats/${other.id}/assign`, { userId: 1 })
    t.match((await ann.next()).data, { id: other.id }, 'the chat Ann lost sends her nothing more')
  })

  t.test('who may open which chat stream', async (t) => {
    const cases: [string, string, number, RegExp][] = [
      ['/api/v1/chats/events?userId=1', tenant.keys.agent, 403, /needs the admin role/],
      ['/api/v1/chats/events?userId=1', tenant.keys.manager, 403, /needs the admin role/],
      ['/api/v1/chats/events', tenant.keys.admin, 400, /^userId is required/],
      ['/api/v1/chats/events?userId=9', tenant.keys.admin, 404, /^User 9 not found$/],
      ['/api/v1/chats/events?userId=0', tenant.keys.admin, 400, /userId/],
      ['/api/v1/chats/queue/events', tenant.keys.agent, 403, /needs the manager role/],
      ['/api/v1/chats/queue/events?userId=1', tenant.keys.manager, 400, /must NOT have additional properties/]
    ]
    const open = app.events.streams.openStreams
    for (const [url, key, status, message] of cases) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(key) })
      t.equal(res.statusCode, status, `${url}`)
      t.match(res.json().error, message)
    }
    t.equal(app.events.streams.openStreams, open, 'no refused request holds a stream')
  })
})

t.test('streamUser: a bound key speaks for its user only; an integration key needs the admin role and a named user', async (t) => {
  const request = (caller: object) => ({ caller: { kind: 'client', clientId: new ObjectId(), keyId: new ObjectId(), ...caller } }) as unknown as FastifyRequest
  const bound = request({ role: 'agent', userId: 4 })
  t.equal(streamUser(bound, undefined, 'stream'), 4, 'omitted means the key\'s user')
  t.equal(streamUser(bound, 4, 'stream'), 4)
  t.throws(() => streamUser(bound, 5, 'stream'), { statusCode: 403, message: 'This key is bound to user 4; it cannot open user 5\'s stream' })
  t.throws(() => streamUser(request({ role: 'admin', userId: 4 }), 5, 'stream'), { statusCode: 403, message: /bound to user 4/ }, 'even with the admin role')
  t.equal(streamUser(request({ role: 'admin', userId: null }), 5, 'stream'), 5, 'a null binding is an integration key')
  t.throws(() => streamUser(request({ role: 'manager' }), 5, 'stream'), { statusCode: 403, message: /needs the admin role/ })
  t.throws(() => streamUser(request({ role: 'admin' }), undefined, 'stream'), { statusCode: 400, message: /^userId is required/ })
  t.throws(() => streamUser({ caller: { kind: 'platform' } } as unknown as FastifyRequest, 5, 'stream'), { statusCode: 403, message: /client API key/ })
})
