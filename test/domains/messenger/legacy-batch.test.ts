import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { legacyPath } from '../../../src/domains/messenger/legacy-schemas.js'
import { usersSeeder } from '../../../mock_data/seeders/users.js'
import { messengerSeeder } from '../../../mock_data/seeders/messenger.js'

const seedExample = { data: [{ message_str: 'hello', message_sent_ts: 1637029963, sender_user_id: 2 }] }

t.test('the seed\'s curl example works against the demo data with betty\'s key; an agent integration key may not send as betty', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const stored = () => app.mongo.db.collection('chatroomMessages').countDocuments()
  const before = await stored()
  const post = (key: string) => app.inject({
    method: 'POST', url: '/chatrooms/1/messages', headers: { ...bearer(key), 'content-type': 'application/json' }, payload: JSON.stringify(seedExample)
  })
  const integration = await post('sb_demo_guild_agent')
  t.equal(integration.statusCode, 403)
  t.same(integration.json(), {
    error: 'The messenger is private to its users: acting as the user in data[0].sender_user_id needs an API key bound to that user, ' +
      'or an admin integration key (this agent key is bound to no user)'
  })
  const asCarol = await post('sb_demo_guild_carol')
  t.equal(asCarol.statusCode, 403)
  t.same(asCarol.json(), { error: 'data[0].sender_user_id names user 2, but this API key speaks for user 3 only; omit data[0].sender_user_id or name user 3' })
  t.equal(await stored(), before, 'the refused batches stored nothing')

  const res = await post('sb_demo_guild_betty')
  t.equal(res.statusCode, 201)
  t.equal(res.body, '{"data":[{"message_id":6}]}')

  const carol = bearer('sb_demo_guild_carol')
  const read = await app.inject({ method: 'GET', url: '/api/v1/chatrooms/1/messages', headers: carol })
  t.same(read.json().data.map((m: { id: number, senderId: number, text: string, sentAt: string }) => [m.id, m.senderId, m.text, m.sentAt]), [
    [1, 1, 'hello', '2021-01-10T13:01:10.000Z'],
    [2, 2, 'hi. how are you?', '2021-01-10T13:01:10.000Z'],
    [3, 1, 'im well', '2021-01-10T13:01:10.000Z'],
    [4, 1, 'how r u?', '2021-01-10T13:01:10.000Z'],
    [5, 2, 'great!', '2021-01-10T13:01:10.000Z'],
    [6, 2, 'hello', '2021-11-16T02:32:43.000Z']
  ])
  const room = await app.inject({ method: 'GET', url: '/api/v1/chatrooms/1', headers: carol })
  t.same(room.json(), { id: 1, name: 'my chatroom', createdBy: 1, memberCount: 3, createdAt: '2021-01-10T13:01:10.000Z' })
  const rooms = await app.inject({ method: 'GET', url: '/api/v1/users/3/chatrooms', headers: carol })
  t.same(rooms.json().data.map((r: { name: string }) => r.name), ['my chatroom'])
})

t.test('POST /chatrooms/{id}/messages (legacy batch)', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'legacy-batch')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['aaron', 'betty', 'carol']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const room = await app.chatroomsRepository.create(tenant.id, { name: 'pair', createdBy: 1, memberIds: [1, 2] })
  const post = (payload: unknown, url = `/chatrooms/${room.chatroomId}/messages`, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...admin, ...headers }, payload: payload as object })
  const stored = () => app.mongo.db.collection('chatroomMessages').countDocuments({ clientId: tenant.id })
  const item = (sender: number, text = 'hi', ts = 1637029963) => ({ message_str: text, message_sent_ts: ts, sender_user_id: sender })

  t.test('stores every message of a batch and answers their ids in order', async (t) => {
    const res = await post({ data: [item(1, 'hello'), item(2, 'hi. how are you?'), item(1, 'im well')] })
    t.equal(res.statusCode, 201)
    t.same(res.json(), { data: [{ message_id: 1 }, { message_id: 2 }, { message_id: 3 }] })
    const docs = await app.mongo.db.collection('chatroomMessages').find({ clientId: tenant.id }).sort({ messageId: 1 }).toArray()
    t.same(docs.map((doc) => [doc.messageId, doc.senderId, doc.text, doc.sentAt.toISOString()]), [
      [1, 1, 'hello', '2021-11-16T02:32:43.000Z'],
      [2, 2, 'hi. how are you?', '2021-11-16T02:32:43.000Z'],
      [3, 1, 'im well', '2021-11-16T02:32:43.000Z']
    ])
  })

  t.test('when item 2 of 3 is sent by a non-member, none is stored and the error names it', async (t) => {
    const before = await stored()
    const res = await post({ data: [item(1), item(3), item(2)] })
    t.equal(res.statusCode, 403)
    t.same(res.json(), { error: `data[1].sender_user_id: user 3 is not a member of chatroom ${room.chatroomId}` })
    t.equal(await stored(), before)
  })

  t.test('an unknown sender, a blank or over-long text, or a future time anywhere stores nothing', async (t) => {
    const before = await stored()
    const future = Math.floor(Date.now() / 1000) + 3600
    const cases: [unknown, number, string][] = [
      [{ data: [item(1), item(9), item(2)] }, 404, 'data[1].sender_user_id: user 9 not found'],
      [{ data: [item(1), item(2, '   '), item(2)] }, 400, 'data[1].message_str: must contain a visible character, not only spaces or invisible characters'],
      [{ data: [item(1), item(2), item(2, 'x'.repeat(1001))] }, 400, 'data[2].message_str: must NOT have more than 1000 characters'],
      [{ data: [item(1), item(2, 'soon', future)] }, 400, `data[1].message_sent_ts: ${new Date(future * 1000).toISOString()} is in the future`],
      [{ data: [item(1), { message_str: 'hi', message_sent_ts: 1 }] }, 400, 'data[1].sender_user_id is required with an integration key: it names the user who acts'],
      [{ data: [{ ...item(1), extra: true }] }, 400, 'data[0]: must NOT have additional properties'],
      [{ data: [] }, 400, 'data: must NOT have fewer than 1 items'],
      [{}, 400, 'body: must have required property \'data\'']
    ]
    for (const [payload, statusCode, error] of cases) {
      const res = await post(payload)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), { error })
    }
    t.equal(await stored(), before)
  })

  t.test('if the database refuses one message of a batch, the ones it took are removed again', async (t) => {
    const counter = await app.mongo.db.collection<{ _id: string, seq: number }>('counters').findOne({ _id: `${tenant.hexId}:chatroomMessages` })
    const planted = (counter?.seq ?? 0) + 2
    await app.mongo.db.collection('chatroomMessages').insertOne({
      clientId: tenant.id, chatroomId: room.chatroomId, messageId: planted, senderId: 1, text: 'planted', sentAt: new Date(), createdAt: new Date()
    })
    const before = await stored()
    const res = await post({ data: [item(1, 'first'), item(2, 'collides'), item(1, 'third')] })
    t.equal(res.statusCode, 409)
    t.match(res.json(), { error: /^A record with the same .+ already exists$/ })
    t.same(Object.keys(res.json()), ['error'])
    t.equal(await stored(), before)
    t.equal(await app.mongo.db.collection('chatroomMessages').countDocuments({ clientId: tenant.id, text: 'first' }), 0)
  })

  t.test('an unknown or another client\'s chatroom is a 404; a bad id a 400; no key a 401', async (t) => {
    const other = await createTenant(app, 'legacy-other')
    await app.usersRepository.create(other.id, { name: 'x', role: 'agent' })
    const theirs = await app.chatroomsRepository.create(other.id, { name: 'theirs', createdBy: 1, memberIds: [1] })
    const missing = await post({ data: [item(1)] }, '/chatrooms/99/messages')
    t.equal(missing.statusCode, 404)
    t.same(missing.json(), { error: 'chatroom 99 not found' })
    t.equal(theirs.chatroomId, 1)
    const bad = await post({ data: [item(1)] }, '/chatrooms/abc/messages')
    t.equal(bad.statusCode, 400)
    t.same(bad.json(), { error: 'params.chatroom_id: must be integer' })
    const anonymous = await app.inject({ method: 'POST', url: '/chatrooms/1/messages', payload: { data: [item(1)] } })
    t.equal(anonymous.statusCode, 401)
    t.same(Object.keys(anonymous.json()), ['error'])
    const otherClient = await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId + 1}/messages`, headers: bearer(other.keys.admin), payload: { data: [item(1)] } })
    t.equal(otherClient.statusCode, 404, 'the other client has only chatroom 1')
  })

  t.test('a retry with the same Idempotency-Key stores the batch once', async (t) => {
    const before = await stored()
    const key = { 'idempotency-key': 'legacy-batch-1' }
    const first = await post({ data: [item(1, 'retry me'), item(2, 'me too')] }, undefined, key)
    const retry = await post({ data: [item(1, 'retry me'), item(2, 'me too')] }, undefined, key)
    t.equal(first.statusCode, 201)
    t.equal(retry.statusCode, 201)
    t.equal(retry.body, first.body)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(await stored(), before + 2)
  })
})

t.test('the messenger seeder loads "my chatroom" once, however often it runs, and ids continue after it', async (t) => {
  const app = await buildTestApp(t)
  const guild = await createTenant(app, 'guild-copy')
  const clients = { acme: (await createTenant(app, 'acme-copy')).id, topbox: (await createTenant(app, 'topbox-copy')).id, guild: guild.id }
  for (let run = 0; run < 2; run++) {
    await usersSeeder.seed({ db: app.mongo.db, clients })
    await messengerSeeder.seed({ db: app.mongo.db, clients })
  }
  t.equal(await app.mongo.db.collection('chatrooms').countDocuments({ clientId: guild.id }), 1)
  const admin = bearer(guild.keys.admin)
  const read = await app.inject({ method: 'GET', url: '/api/v1/chatrooms/1/messages?userId=1', headers: admin })
  t.same(read.json().data.map((m: { senderId: number, text: string }) => [m.senderId, m.text]),
    [[1, 'hello'], [2, 'hi. how are you?'], [1, 'im well'], [1, 'how r u?'], [2, 'great!']])
  const next = await app.inject({ method: 'POST', url: '/chatrooms/1/messages', headers: admin, payload: seedExample })
  t.same(next.json(), { data: [{ message_id: 6 }] })
  const room = await app.inject({ method: 'POST', url: '/api/v1/chatrooms', headers: admin, payload: { name: 'second', createdBy: 3 } })
  t.equal(room.json().id, 2)
})

t.test('legacy error paths name the item and field', async (t) => {
  t.equal(legacyPath('/data/1/message_str', 'body'), 'data[1].message_str')
  t.equal(legacyPath('', 'body'), 'body')
  t.equal(legacyPath('/chatroom_id', 'params'), 'params.chatroom_id')
  t.equal(legacyPath('', 'querystring'), 'querystring')
})
