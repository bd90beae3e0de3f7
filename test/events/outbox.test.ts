import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { createImportRunsRepository } from '../../src/domains/imports/runs-repository.js'
import { databaseApp, sharedDatabase } from './processes.js'
import type { App } from '../../src/app.js'
import { OUTBOX_CHANGE_RESERVE, OUTBOX_MAX } from '../../src/domains/events/outbox.js'

const later = () => new Date(Date.now() + 60_000)

async function eventsOf (app: App, clientId: ObjectId) {
  return (await app.events.log.after(clientId, 0, 200)).map((event) => ({ seq: event.seq, type: event.type, audience: event.audience, data: event.data }))
}

/** Makes every append fail (the database refuses events) until the returned function is called. */
async function refuseEvents (app: App): Promise<() => Promise<void>> {
  const db = app.mongo.db
  const [info] = await db.listCollections({ name: 'events' }).toArray() as unknown as { options: { validator: object } }[]
  await db.command({ collMod: 'events', validator: { $jsonSchema: { required: ['no such field'] } } })
  return async () => { await db.command({ collMod: 'events', validator: info?.options.validator }) }
}

t.test('no stored record goes unannounced', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'outbox')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['ann', 'bo', 'cy']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const pending = async (collection: string) => app.mongo.db.collection(collection).countDocuments({ clientId: tenant.id, outbox: { $exists: true } })

  t.test('a request announces what it stores and leaves no outbox behind', async (t) => {
    const before = (await eventsOf(app, tenant.id)).length
    const sent = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId: 1, recipientId: 2, text: 'hi' } })
    t.equal(sent.statusCode, 201)
    const events = await eventsOf(app, tenant.id)
    t.equal(events.length, before + 1)
    t.same(events.at(-1), { seq: before + 1, type: 'direct-message', audience: ['user:2'], data: sent.json() })
    t.equal(await pending('directMessages'), 0)
  })

  t.test('a record whose event could not be appended is announced by the sweep, once', async (t) => {
    const allow = await refuseEvents(app)
    const sent = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId: 2, recipientId: 3, text: 'kept' } })
    t.equal(sent.statusCode, 201, 'the message is stored and answered although its event is not appended yet')
    t.equal(await pending('directMessages'), 1, 'its event waits in its outbox')
    await allow()
    const before = (await eventsOf(app, tenant.id)).length
    t.equal(await app.events.sweep(new Date(Date.now() - 60_000)), 0, 'an entry younger than the cutoff is left to its request')
    t.equal(await app.events.sweep(later()), 1)
    t.equal(await app.events.sweep(later()), 0, 'a second sweep finds nothing')
    const events = await eventsOf(app, tenant.id)
    t.equal(events.length, before + 1)
    t.same(events.at(-1)?.data, sent.json())
    t.equal(await pending('directMessages'), 0)
  })

  t.test('chat changes whose events were never appended are announced in order, as they were at each change', async (t) => {
    const chat = await app.chatsRepository.create(tenant.id, 'Dana')
    await app.chatsRepository.assignQueued(tenant.id, chat.chatId, 1, new Date())
    const message = await app.messagesRepository.prepare(tenant.id, { chatId: chat.chatId, text: 'hello', sentAt: new Date(), createdByKeyId: new ObjectId() })
    t.ok(await app.chatsRepository.admitMessage(message, 1), 'the chat admits the message; the request that would store it never does')
    await app.chatsRepository.reassignOpen(tenant.id, chat.chatId, 1, 2)
    const closed = await app.chatsRepository.close(tenant.id, chat.chatId, new Date())
    t.equal(await pending('chats'), 1, 'the chat owes its three changes and the message it admitted')
    const before = (await eventsOf(app, tenant.id)).length
    t.equal(await app.events.sweep(later()), 1, 'one document: the chat, whose outbox holds its message too')
    const events = (await eventsOf(app, tenant.id)).slice(before)
    const chatEvents = events.filter((event) => event.type !== 'chat-message')
    t.same(chatEvents.map((event) => [event.type, event.audience]), [
      ['chat-queued', ['queue', `chat:${chat.chatId}`]],
      ['chat-assigned', ['queue', `chat:${chat.chatId}`, 'agent:1']],
      ['chat-assigned', ['queue', `chat:${chat.chatId}`, 'agent:2', 'agent:1']],
      ['chat-closed', ['queue', `chat:${chat.chatId}`, 'agent:2']]
    ])
    t.match(chatEvents[0]?.data, { id: chat.chatId, state: 'queued', userId: null, handleStart: null, handleEnd: null })
    t.match(chatEvents[1]?.data, { state: 'open', userId: 1, previousUserId: null, handleStart: closed?.handleStart?.toISOString(), handleEnd: null })
    t.match(chatEvents[2]?.data, { state: 'open', userId: 2, previousUserId: 1, handleEnd: null })
    t.match(chatEvents[3]?.data, { state: 'closed', userId: 2, handleEnd: closed?.handleEnd?.toISOString() })
    const messageEvent = events.find((event) => event.type === 'chat-message')
    t.same(messageEvent?.audience, [`chat:${chat.chatId}`, 'agent:1'], 'a message reaches the agent the chat had when it was written')
    t.match(messageEvent?.data, { id: message.messageId, text: 'hello', userId: null })
    t.ok(events.findIndex((event) => event.type === 'chat-message') < events.findIndex((event) => event.type === 'chat-closed'), 'the message is logged before the close')
    t.match(await app.mongo.db.collection('messages').findOne({ _id: message._id }), { messageId: message.messageId, text: 'hello' }, 'the sweep stored the admitted message before announcing it')
  })

  t.test('a chat whose messages the log cannot take yet refuses more (503), still closes, and loses nothing', async (t) => {
    const chat = await app.chatsRepository.create(tenant.id, 'Busy')
    await app.chatsRepository.assignQueued(tenant.id, chat.chatId, 1, new Date(Date.now() - 1000))
    const post = async (text: string) => app.inject({ method: 'POST', url: `/api/v1/chats/${chat.chatId}/messages`, headers: admin, payload: { text } })
    const allow = await refuseEvents(app)
    const room = OUTBOX_MAX - OUTBOX_CHANGE_RESERVE - 2 // the outbox holds the chat's queueing and assignment too
    for (let index = 0; index < room; index++) t.equal((await post(`m${index}`)).statusCode, 201)
    const refused = await post('one too many')
    t.equal(refused.statusCode, 503)
    t.match(refused.json(), { code: 'SERVICE_UNAVAILABLE' })
    const stored = await app.mongo.db.collection('messages').find({ clientId: tenant.id, chatId: chat.chatId }).toArray()
    t.equal(stored.length, room, 'every admitted message is stored, the refused one is not')
    const closed = await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.chatId}/close`, headers: admin })
    t.equal(closed.statusCode, 200, 'the outbox kept room for the close')
    await allow()
    const before = (await eventsOf(app, tenant.id)).length
    t.equal(await app.events.sweep(later()), 1)
    const events = (await eventsOf(app, tenant.id)).slice(before)
    t.same(events.map((event) => event.type === 'chat-message' ? (event.data as { text: string }).text : event.type),
      ['chat-queued', 'chat-assigned', ...Array.from({ length: room }, (_, index) => `m${index}`), 'chat-closed'])
    t.equal(await pending('chats'), 0)
  })

  t.test('an import finished by a process without the event log is announced by the sweep', async (t) => {
    const runs = createImportRunsRepository(app.mongo.db)
    const run = await runs.start(tenant.id, { fileName: 'x.csv', format: 'csv', dryRun: true, dateOrder: 'day-first' })
    await runs.finish(tenant.id, run._id, { status: 'completed', summary: { sheets: [], skippedSheets: [], newChannels: [], inferredCustomerIds: [], rejectsTotal: 0 } })
    t.equal(await pending('importRuns'), 1)
    t.equal(await app.events.sweep(later()), 1)
    const event = (await eventsOf(app, tenant.id)).at(-1)
    t.match(event, { type: 'import-finished', audience: ['imports'], data: { id: run._id.toHexString(), status: 'completed', fileName: 'x.csv', dryRun: true } })
  })

  t.test('Idempotency-Key retries neither lose nor repeat an event', async (t) => {
    const records = app.mongo.db.collection('idempotencyKeys')
    const post = async (key: string) => app.inject({
      method: 'POST', url: '/api/v1/direct-messages', headers: { ...admin, 'idempotency-key': key }, payload: { senderId: 3, recipientId: 1, text: `keyed ${key}` }
    })
    const count = async (text: string) => (await eventsOf(app, tenant.id)).filter((event) => (event.data as { text?: string }).text === text).length

    const first = await post('k1')
    t.equal((await post('k1')).headers['idempotent-replayed'], 'true')
    t.equal(await count('keyed k1'), 1, 'a replayed answer appends nothing')

    await records.updateOne({ clientId: tenant.id, key: 'k1' }, { $set: { state: 'failed' } })
    const resumed = await post('k1')
    t.same(resumed.json(), first.json(), 'a retry of a "failed" attempt finds the stored message')
    t.equal(await count('keyed k1'), 1, 'and does not log its event again')

    const allow = await refuseEvents(app)
    const lost = await post('k2')
    await allow()
    await records.updateOne({ clientId: tenant.id, key: 'k2' }, { $set: { state: 'failed' } })
    const retried = await post('k2')
    t.same(retried.json(), lost.json())
    t.equal(await count('keyed k2'), 1, 'the retry appends the event its first attempt could not')
    t.equal(await pending('directMessages'), 0)
  })

  t.test('keyed chatroom batches announced by a resumed retry keep their order', async (t) => {
    const room = await app.chatroomsRepository.create(tenant.id, { name: 'room', createdBy: 1, memberIds: [1, 2, 3] })
    const data = [1, 2, 3, 1].map((sender, index) => ({ message_str: `m${index}`, message_sent_ts: 1637029963, sender_user_id: sender }))
    const allow = await refuseEvents(app)
    const first = await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: { ...admin, 'idempotency-key': 'batch' }, payload: { data } })
    await allow()
    t.equal(first.statusCode, 201)
    await app.mongo.db.collection('idempotencyKeys').updateOne({ clientId: tenant.id, key: 'batch' }, { $set: { state: 'failed' } })
    const retried = await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: { ...admin, 'idempotency-key': 'batch' }, payload: { data } })
    t.same(retried.json(), first.json())
    const roomEvents = (await eventsOf(app, tenant.id)).filter((event) => event.type === 'chatroom-message' && (event.data as { chatroomId: number }).chatroomId === room.chatroomId)
    t.same(roomEvents.map((event) => (event.data as { id: number }).id), first.json().data.map((item: { message_id: number }) => item.message_id))
  })
})

t.test('the sweep runs on one instance at a time and two sweeps never log an event twice', async (t) => {
  const { uri, dbName } = await sharedDatabase(t)
  const [one, two] = [await databaseApp(t, uri, dbName), await databaseApp(t, uri, dbName)] as [App, App]
  const tenant = await createTenant(one, 'sweeps')
  for (const name of ['ann', 'bo']) await one.usersRepository.create(tenant.id, { name, role: 'agent' })
  for (let index = 0; index < 30; index++) await one.directMessagesRepository.send(tenant.id, { senderId: 1, recipientId: 2, text: `m${index}`, createdByKeyId: new ObjectId() })
  const [a, b] = await Promise.all([one.events.sweep(later()), two.events.sweep(later())])
  t.equal(a + b, 30, 'every stored message was announced')
  t.ok(a === 0 || b === 0, 'by one of the two, which held the lease')
  const events = await eventsOf(one, tenant.id)
  t.equal(events.length, 30)
  t.equal(new Set(events.map((event) => (event.data as { id: string }).id)).size, 30)
})
