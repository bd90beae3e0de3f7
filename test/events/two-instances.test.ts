import t from 'tap'
import { bearer, createTenant } from '../helper.js'
import { openEventStream, type EventStreamClient, type ReceivedEvent } from '../domains/messenger/event-stream.js'
import { databaseApp, sharedDatabase, startServer } from './processes.js'

t.setTimeout(400_000)

async function call (base: string, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method, headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
  return JSON.parse(text)
}

async function take (stream: EventStreamClient, count: number): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = []
  for (let index = 0; index < count; index++) events.push(await stream.next())
  return events
}

const ids = (events: ReceivedEvent[]) => events.map((event) => Number(event.id))
const increasing = (values: number[]) => values.every((value, index) => index === 0 || value > (values[index - 1] as number))

t.test('two app processes on one database: what either stores, streams on both receive in order, once', async (t) => {
  const { uri, dbName } = await sharedDatabase(t)
  const setup = await databaseApp(t, uri, dbName)
  const tenant = await createTenant(setup, 'instances')
  const key = tenant.keys.admin
  for (const name of ['ann', 'bo', 'cy']) await setup.usersRepository.create(tenant.id, { name, role: 'agent' })
  const room = await setup.chatroomsRepository.create(tenant.id, { name: 'both', createdBy: 1, memberIds: [1, 2, 3] })
  const [a, b] = await Promise.all([startServer(t, uri, dbName), startServer(t, uri, dbName)])
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  const open = async (base: string, path: string, headers: Record<string, string> = {}) => {
    const stream = await openEventStream(`${base.replace(/\/$/, '')}${path}`, { ...bearer(key), ...headers })
    streams.push(stream)
    t.equal(stream.status, 200, `${path} opens`)
    return stream
  }

  t.test('direct messages posted on both instances at once', async (t) => {
    const onA = await open(a.address, '/api/v1/users/2/events')
    const onB = await open(b.address, '/api/v1/users/2/events')
    const sent = await Promise.all(Array.from({ length: 60 }, (_, index) =>
      call(index % 2 === 0 ? a.address : b.address, 'POST', '/api/v1/direct-messages', key, { senderId: 1 + (index % 2) * 2, recipientId: 2, text: `dm ${index}` })))
    const [gotA, gotB] = await Promise.all([take(onA, 60), take(onB, 60)])
    t.same(gotA, gotB, 'both instances deliver the same events with the same ids in the same order')
    t.ok(increasing(ids(gotA)), 'in log order')
    t.same(gotA.map((event) => (event.data as { id: string }).id).sort(), sent.map((message) => message.id).sort(), 'every message, once')
    const sentinel = await call(b.address, 'POST', '/api/v1/direct-messages', key, { senderId: 3, recipientId: 2, text: 'sentinel' })
    t.same([(await onA.next()).data, (await onB.next()).data], [sentinel, sentinel], 'and nothing twice after them')
  })

  t.test('keyed chatroom batches on both instances, a retry on the other one, and a reconnect with Last-Event-ID', async (t) => {
    const onB = await open(b.address, `/api/v1/chatrooms/${room.chatroomId}/events?userId=3`)
    const batch = (tag: string) => ({ data: [1, 2, 3, 1].map((sender, index) => ({ message_str: `${tag}-${index}`, message_sent_ts: 1637029963, sender_user_id: sender })) })
    const posted = await Promise.all(['a1', 'b1', 'a2', 'b2'].map((tag) =>
      call(tag.startsWith('a') ? a.address : b.address, 'POST', `/chatrooms/${room.chatroomId}/messages`, key, batch(tag), { 'idempotency-key': `batch-${tag}` })))
    const retried = await call(b.address, 'POST', `/chatrooms/${room.chatroomId}/messages`, key, batch('a1'), { 'idempotency-key': 'batch-a1' })
    t.same(retried, posted[0], 'the retry on the other instance answers from the first attempt')
    const first = await take(onB, 10)
    onB.close()
    const last = first.at(-1) as ReceivedEvent
    const more = await call(a.address, 'POST', `/api/v1/chatrooms/${room.chatroomId}/messages`, key, { senderId: 2, text: 'after the reconnect' })
    const again = await open(a.address, `/api/v1/chatrooms/${room.chatroomId}/events?userId=3`, { 'last-event-id': String(last.id) })
    const rest = await take(again, 7)
    const received = [...first, ...rest]
    const messageIds = received.map((event) => (event.data as { id: number }).id)
    t.same([...messageIds].sort((x, y) => x - y), [...posted.flatMap((answer) => answer.data.map((item: { message_id: number }) => item.message_id)), more.id].sort((x, y) => x - y),
      'all 17 messages, once, across the reconnect')
    t.ok(increasing(ids(received)), 'in log order across the reconnect')
    for (const answer of posted) {
      const own = answer.data.map((item: { message_id: number }) => messageIds.indexOf(item.message_id))
      t.ok(increasing(own), 'a batch\'s messages arrive in the batch\'s order')
    }
  })

  t.test('chat events: an agent follows its chats and a manager the queue, whichever instance changes them', async (t) => {
    const agent = await open(b.address, '/api/v1/chats/events?userId=1')
    const queue = await open(a.address, '/api/v1/chats/queue/events', bearer(tenant.keys.manager))
    const chat = await call(a.address, 'POST', '/api/v1/chats', key, { customerName: 'Dana' })
    await call(b.address, 'POST', `/api/v1/chats/${chat.id}/assign`, key, { userId: 1 })
    const fromCustomer = await call(a.address, 'POST', `/api/v1/chats/${chat.id}/messages`, key, { text: 'where is my order?' })
    const fromAgent = await call(b.address, 'POST', `/chats/${chat.id}/messages`, key, { text: 'on its way', user_id: 1 })
    await call(a.address, 'POST', `/api/v1/chats/${chat.id}/close`, key)
    const agentEvents = await take(agent, 4)
    t.same(agentEvents.map((event) => event.event), ['chat-assigned', 'chat-message', 'chat-message', 'chat-closed'])
    t.match(agentEvents[0]?.data, { id: chat.id, state: 'open', userId: 1, previousUserId: null })
    t.same(agentEvents.slice(1, 3).map((event) => (event.data as { id: number }).id), [fromCustomer.id, fromAgent.message_id])
    t.match(agentEvents[3]?.data, { id: chat.id, state: 'closed' })
    const queueEvents = await take(queue, 3)
    t.same(queueEvents.map((event) => event.event), ['chat-queued', 'chat-assigned', 'chat-closed'])
    t.ok(increasing(ids(agentEvents)) && increasing(ids(queueEvents)))
  })

  t.test('user status: an update on either instance reaches the status streams on both, in order', async (t) => {
    const onA = await open(a.address, '/api/v1/user-statuses/events')
    const onB = await open(b.address, '/api/v1/user-statuses/events')
    const busy = await call(a.address, 'PUT', '/api/v1/users/2/status', key, { state: 'busy', text: 'On a call' })
    const away = await call(b.address, 'PUT', '/api/v1/users/3/status', key, { state: 'away' })
    for (const stream of [onA, onB]) {
      const events = await take(stream, 2)
      t.same(events.map((event) => event.event), ['user-status', 'user-status'])
      t.same(events.map((event) => event.data), [busy, away], 'each as its update answered it')
      t.ok(increasing(ids(events)))
    }
  })
})
