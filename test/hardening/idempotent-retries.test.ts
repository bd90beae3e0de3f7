import t from 'tap'
import { buildTestApp, bearer, createTenant, PLATFORM_KEY } from '../helper.js'
import type { App } from '../../src/app.js'

/** Every document the app stores, but its bookkeeping (idempotency records, id counters). */
async function storedCount (app: App): Promise<number> {
  let total = 0
  for (const { name } of await app.mongo.db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name !== 'idempotencyKeys' && name !== 'counters' && name !== 'migrations') total += await app.mongo.db.collection(name).countDocuments({})
  }
  return total
}

interface CreateCase { method: 'POST', path: string, url: string, key: string, payload: object }

t.test('a retry after a failed attempt that had stored its document answers with that document and stores nothing new', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'retries')
  const records = app.mongo.db.collection('idempotencyKeys')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['Ann', 'Bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const chat = (await app.inject({ method: 'POST', url: '/api/v1/chats', headers: admin, payload: { customerName: 'Cy' } })).json()
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/assign`, headers: admin, payload: { userId: 1 } })).statusCode, 200)
  const room = (await app.inject({ method: 'POST', url: '/api/v1/chatrooms', headers: admin, payload: { name: 'pair', createdBy: 1, memberIds: [2] } })).json()
  const engagement = (await app.inject({ method: 'POST', url: '/api/v1/engagements', headers: admin, payload: { name: 'Email' } })).json()
  const sentTs = Math.floor(Date.now() / 1000) - 10

  const cases: CreateCase[] = [
    { path: '/api/v1/users', url: '/api/v1/users', payload: { name: 'Dee' } },
    { path: '/api/v1/chats', url: '/api/v1/chats', payload: { customerName: 'Eve' } },
    { path: '/chats/{chat_id}/messages', url: `/chats/${chat.id}/messages`, payload: { text: 'legacy hello', user_id: 1 } },
    { path: '/api/v1/chats/{chatId}/messages', url: `/api/v1/chats/${chat.id}/messages`, payload: { text: 'hello' } },
    { path: '/api/v1/direct-messages', url: '/api/v1/direct-messages', payload: { senderId: 1, recipientId: 2, text: 'hi Bo' } },
    { path: '/api/v1/chatrooms', url: '/api/v1/chatrooms', payload: { name: 'trio', createdBy: 1, memberIds: [2] } },
    { path: '/api/v1/chatrooms/{chatroomId}/messages', url: `/api/v1/chatrooms/${room.id}/messages`, payload: { senderId: 2, text: 'in the room' } },
    {
      path: '/chatrooms/{chatroom_id}/messages',
      url: `/chatrooms/${room.id}/messages`,
      payload: { data: [{ sender_user_id: 1, message_str: 'one', message_sent_ts: sentTs }, { sender_user_id: 2, message_str: 'two', message_sent_ts: sentTs }] }
    },
    { path: '/users', url: '/users', payload: { name: 'Fay' } },
    { path: '/chatrooms', url: '/chatrooms', payload: { name: 'quartet', created_by_user_id: 1, member_user_ids: [2] } },
    { path: '/api/v1/engagements', url: '/api/v1/engagements', payload: { name: 'Call' } },
    { path: '/api/v1/topics', url: '/api/v1/topics', payload: { month: '2019-10', product: 'Sand' } },
    { path: '/api/v1/customers', url: '/api/v1/customers', payload: { occupation: 'Nurse' } },
    { path: '/api/v1/interactions', url: '/api/v1/interactions', payload: { engagementId: engagement.id, customerId: 7, interactionDate: '2019-10-04T09:00:00Z' } },
    { path: '/api/v1/clients', url: '/api/v1/clients', payload: { name: 'Initech', nickName: 'initech' } }
  ].map((entry, index) => ({ ...entry, method: 'POST' as const, key: `retry-${index}` }))

  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const keyed = Object.entries(doc.paths as Record<string, Record<string, { parameters?: { in: string, name: string }[] }>>)
    .flatMap(([path, methods]) => Object.entries(methods)
      .filter(([, operation]) => operation.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key'))
      .map(([method]) => `${method.toUpperCase()} ${path}`))
  t.same(cases.map((entry) => `${entry.method} ${entry.path}`).sort(), keyed.sort(), 'one case for every route that takes an Idempotency-Key')

  for (const entry of cases) {
    t.test(`${entry.method} ${entry.path}`, async (t) => {
      const headers = { ...(entry.path === '/api/v1/clients' ? bearer(PLATFORM_KEY) : admin), 'idempotency-key': entry.key }
      const first = await app.inject({ method: entry.method, url: entry.url, headers, payload: entry.payload })
      t.equal(first.statusCode, 201, first.body)
      const stored = await storedCount(app)
      // What a 5xx leaves behind: the attempt's record, marked failed, without an answer to replay.
      const failed = await records.updateOne({ key: entry.key }, { $set: { state: 'failed' }, $unset: { statusCode: '', contentType: '', body: '' } })
      t.equal(failed.modifiedCount, 1)

      const retry = await app.inject({ method: entry.method, url: entry.url, headers, payload: entry.payload })
      t.equal(retry.statusCode, 201, retry.body)
      t.equal(retry.headers['idempotent-replayed'], undefined, 'the retry ran the request again')
      t.same(retry.json(), first.json(), 'and answered with what the first attempt stored')
      t.equal(await storedCount(app), stored, 'nothing was stored twice')
      t.equal((await records.findOne({ key: entry.key }))?.state, 'done')

      const replay = await app.inject({ method: entry.method, url: entry.url, headers, payload: entry.payload })
      t.equal(replay.headers['idempotent-replayed'], 'true', 'a later retry replays the recorded answer')
    })
  }

  t.test('a message whose attempt failed after storing it is the answer even when the chat has closed since', async (t) => {
    const open = (await app.inject({ method: 'POST', url: '/api/v1/chats', headers: admin, payload: { customerName: 'Flo' } })).json()
    const headers = { ...admin, 'idempotency-key': 'message-then-close' }
    const url = `/api/v1/chats/${open.id}/messages`
    const first = await app.inject({ method: 'POST', url, headers, payload: { text: 'last words' } })
    t.equal(first.statusCode, 201)
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/chats/${open.id}/assign`, headers: admin, payload: { userId: 1 } })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/chats/${open.id}/close`, headers: admin })).statusCode, 200)
    await records.updateOne({ key: 'message-then-close' }, { $set: { state: 'failed' }, $unset: { statusCode: '', contentType: '', body: '' } })

    const retry = await app.inject({ method: 'POST', url, headers, payload: { text: 'last words' } })
    t.equal(retry.statusCode, 201, 'not 409: the message was stored before the chat closed')
    t.same(retry.json(), first.json())
    const other = await app.inject({ method: 'POST', url, headers: { ...admin, 'idempotency-key': 'after-close' }, payload: { text: 'too late' } })
    t.equal(other.statusCode, 409, 'a new message in the closed chat is still refused')
    t.equal(await app.mongo.db.collection('messages').countDocuments({ clientId: tenant.id, chatId: open.id }), 1)
  })

  t.test('a failed attempt\'s key with a different body is 422 and stores nothing', async (t) => {
    const headers = { ...admin, 'idempotency-key': 'retry-0' }
    await records.updateOne({ key: 'retry-0' }, { $set: { state: 'failed' } })
    const stored = await storedCount(app)
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Someone else' } })
    t.equal(res.statusCode, 422)
    t.equal(await storedCount(app), stored)
  })

  t.test('a batch an attempt stored only in part is stored whole by the retry, once', async (t) => {
    const headers = { ...admin, 'idempotency-key': 'batch-cut-short' }
    const payload = { data: ['a', 'b', 'c'].map((text) => ({ sender_user_id: 1, message_str: `cut ${text}`, message_sent_ts: sentTs })) }
    const url = `/chatrooms/${room.id}/messages`
    t.equal((await app.inject({ method: 'POST', url, headers, payload })).statusCode, 201)
    const messages = app.mongo.db.collection('chatroomMessages')
    const texts = { text: { $in: ['cut a', 'cut b', 'cut c'] } }
    await messages.deleteOne({ text: 'cut c' })
    await records.updateOne({ key: 'batch-cut-short' }, { $set: { state: 'failed' }, $unset: { statusCode: '', contentType: '', body: '' } })

    const retry = await app.inject({ method: 'POST', url, headers, payload })
    t.equal(retry.statusCode, 201)
    const kept = await messages.find(texts).sort({ messageId: 1 }).toArray()
    t.same(kept.map((message) => message.text), ['cut a', 'cut b', 'cut c'], 'the whole batch, in order')
    t.same(retry.json(), { data: kept.map((message) => ({ message_id: message.messageId })) }, 'the answer names the stored messages')
  })
})

t.test('a customer recorded with the highest id does not end automatic numbering; an exhausted counter is a 409, nothing stored', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'top-id')
  const headers = bearer(tenant.keys.admin)
  const top = await app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { customerId: 2147483647 } })
  t.equal(top.statusCode, 201)
  const customers = () => app.mongo.db.collection('customers').countDocuments({ clientId: tenant.id })
  const next = await app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { occupation: 'Nurse' } })
  t.same([next.statusCode, next.json().customerId], [201, 1])

  await app.mongo.db.collection<{ _id: string, seq: number }>('counters').updateOne({ _id: `${tenant.hexId}:customers` }, { $set: { seq: 2147483647 } })
  for (const attempt of [1, 2]) {
    const refused = await app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { occupation: 'Nurse' } })
    t.equal(refused.statusCode, 409, `attempt ${attempt}`)
    t.same(refused.json(), {
      statusCode: 409,
      code: 'IDS_EXHAUSTED',
      error: 'Ids of this client\'s customers run up to 2147483647 and every one is taken: no new one can be given'
    })
  }
  t.equal(await customers(), 2)
  const explicit = await app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { customerId: 12 } })
  t.equal(explicit.statusCode, 201, 'an explicit id is still recorded')
  t.equal(await customers(), 3)
})
