import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { listen } from './helpers.js'
import { openEventStream, type EventStreamClient } from '../domains/messenger/event-stream.js'
import { chatAgent } from '../../src/plugins/identity.js'

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
    const annAgent = (await app.apiKeysRepository.create(tenant.id, 'ann', 'agent', { userId: 1 })).key
    const annManager = (await app.apiKeysRepository.create(tenant.id, 'ann manager', 'manager', { userId: 1 })).key
    const refused: [string, string, number, RegExp][] = [
      ['/api/v1/chats/events?userId=2', annAgent, 403, /^userId names user 2, but this API key speaks for user 1 only/],
      ['/api/v1/chats/events', tenant.keys.admin, 400, /^userId is required with an integration key: it names the agent whose chats to stream$/],
      ['/api/v1/chats/events', tenant.keys.agent, 400, /^userId is required/],
      ['/api/v1/chats/events?userId=9', tenant.keys.admin, 404, /^User 9 not found$/],
      ['/api/v1/chats/events?userId=0', tenant.keys.admin, 400, /userId/],
      ['/api/v1/chats/queue/events', tenant.keys.agent, 403, /needs the manager role/],
      ['/api/v1/chats/queue/events', annAgent, 403, /needs the manager role/],
      ['/api/v1/chats/queue/events?userId=1', tenant.keys.manager, 400, /must NOT have additional properties/]
    ]
    const open = app.events.streams.openStreams
    for (const [url, key, status, message] of refused) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(key) })
      t.equal(res.statusCode, status, `${url}`)
      t.match(res.json().error, message)
    }
    const allowed: [string, string][] = [
      ['/api/v1/chats/events', annAgent],
      ['/api/v1/chats/events?userId=1', annAgent],
      ['/api/v1/chats/events?userId=2', annManager],
      ['/api/v1/chats/events?userId=2', tenant.keys.agent],
      ['/api/v1/chats/events?userId=2', tenant.keys.manager],
      ['/api/v1/chats/queue/events', annManager],
      ['/api/v1/chats/queue/events', tenant.keys.admin]
    ]
    for (const [url, key] of allowed) {
      const res = await app.inject({ method: 'HEAD', url, headers: bearer(key) })
      t.equal(res.statusCode, 200, `HEAD ${url} is allowed`)
      t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
    }
    t.equal(app.events.streams.openStreams, open, 'no refused request holds a stream')
  })
})

t.test('chatAgent: an agent-role bound key follows its own user only; other bound keys anyone; an integration key names the agent', async (t) => {
  const request = (caller: object) => ({ caller: { kind: 'client', clientId: new ObjectId(), keyId: new ObjectId(), userId: null, ...caller } }) as unknown as FastifyRequest
  const bound = request({ role: 'agent', userId: 4 })
  t.equal(chatAgent(bound, undefined), 4, 'omitted means the key\'s user')
  t.equal(chatAgent(bound, 4), 4)
  t.throws(() => chatAgent(bound, 5), { statusCode: 403, message: /^userId names user 5, but this API key speaks for user 4 only/ })
  t.equal(chatAgent(request({ role: 'manager', userId: 4 }), 5), 5, 'a manager bound key follows any agent')
  t.equal(chatAgent(request({ role: 'admin', userId: 4 }), undefined), 4, 'and its own user when it names none')
  for (const role of ['agent', 'manager', 'admin']) t.equal(chatAgent(request({ role }), 5), 5, `a ${role} integration key names the agent`)
  t.throws(() => chatAgent(request({ role: 'admin' }), undefined, 'it names the agent to follow'), { statusCode: 400, message: 'userId is required with an integration key: it names the agent to follow' })
  t.throws(() => chatAgent({ caller: { kind: 'platform' } } as unknown as FastifyRequest, 5), { statusCode: 403, message: /client API key/ })
})
