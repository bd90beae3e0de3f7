import t from 'tap'
import { MAX_SEQUENCE_ID } from '../../src/db/sequences.js'
import { up as migration010 } from '../../src/db/migrations/010-import-heartbeats-and-customer-counters.js'
import { bearer, buildTestApp, createTenant } from '../helper.js'
import { upload } from '../domains/imports/helper.js'

t.test('sequences a low role cannot exhaust', async (t) => {
  const app = await buildTestApp(t)
  const db = app.mongo.db
  const counters = db.collection<{ _id: string, seq: number }>('counters')
  const post = (url: string, payload: object, key: string) => app.inject({ method: 'POST', url, payload, headers: bearer(key) })
  const customerIds = async (clientId: unknown) => (await db.collection('customers').find({ clientId }).sort({ customerId: 1 }).toArray()).map((doc) => doc.customerId as number)

  t.test('an agent recording an interaction for customer 2147483647 does not end automatic customer ids', async (t) => {
    const tenant = await createTenant(app)
    const channel = (await post('/api/v1/engagements', { name: 'Email' }, tenant.keys.manager)).json().id
    const interaction = await post('/api/v1/interactions', { engagementId: channel, customerId: MAX_SEQUENCE_ID, interactionDate: '2020-01-01T00:00:00Z' }, tenant.keys.agent)
    t.equal(interaction.statusCode, 201)
    for (const expected of [1, 2, 3]) {
      const res = await post('/api/v1/customers', { occupation: 'Nurse' }, tenant.keys.manager)
      t.same([res.statusCode, res.json().customerId], [201, expected])
    }
    t.same(await customerIds(tenant.id), [1, 2, 3, MAX_SEQUENCE_ID])
  })

  t.test('explicit ids from a recorded customer or an import are stepped over, once each, never handed out again', async (t) => {
    const tenant = await createTenant(app)
    t.equal((await post('/api/v1/customers', { customerId: MAX_SEQUENCE_ID - 1 }, tenant.keys.manager)).statusCode, 201)
    const rows = Array.from({ length: 2500 }, (_, n) => `${n + 1},Nurse,A`).join('\r\n')
    const imported = await upload(app, tenant.keys.admin, { name: 'customers.csv', content: `Customer_Id,Occupation,Type\r\n${rows}\r\n3000,Pilot,B\r\n` })
    t.equal(imported.statusCode, 201)
    const next = await post('/api/v1/customers', {}, tenant.keys.manager)
    t.same([next.statusCode, next.json().customerId], [201, 2501], 'the run of 2,500 taken ids is read through the index and stepped over')
    t.equal((await counters.findOne({ _id: `${tenant.hexId}:customers` }))?.seq, 2501, 'the counter jumped past them')
    t.equal((await post('/api/v1/customers', {}, tenant.keys.manager)).json().customerId, 2502)
    t.equal((await customerIds(tenant.id)).length, 2504)
  })

  t.test('concurrent automatic and explicit customers never share an id', async (t) => {
    const tenant = await createTenant(app)
    const automatic = Array.from({ length: 15 }, () => post('/api/v1/customers', { occupation: 'auto' }, tenant.keys.manager))
    const explicit = Array.from({ length: 10 }, (_, n) => post('/api/v1/customers', { customerId: n + 1, occupation: 'explicit' }, tenant.keys.manager))
    const [autoAnswers, explicitAnswers] = [await Promise.all(automatic), await Promise.all(explicit)]
    t.same(autoAnswers.map((res) => res.statusCode), autoAnswers.map(() => 201), 'every automatic id is given')
    const autoIds = autoAnswers.map((res) => res.json().customerId as number)
    const explicitIds = explicitAnswers.flatMap((res, n) => {
      if (res.statusCode === 201) return [res.json().customerId as number]
      t.same([res.statusCode, autoIds.includes(n + 1)], [409, true], `explicit id ${n + 1} is refused only because an automatic one holds it`)
      return []
    })
    t.same(explicitIds, explicitAnswers.flatMap((res, n) => (res.statusCode === 201 ? [n + 1] : [])), 'an explicit id is the one asked for')
    const given = [...autoIds, ...explicitIds]
    t.equal(new Set(given).size, given.length, 'no id was given twice')
    t.same(await customerIds(tenant.id), given.sort((a, b) => a - b), 'exactly these customers are stored')
  })

  t.test('the other sequences take no explicit id from any body: users, chats, messages, chatrooms', async (t) => {
    const tenant = await createTenant(app)
    const user = (await post('/api/v1/users', { name: 'Ada', role: 'agent' }, tenant.keys.admin)).json()
    const chat = (await post('/api/v1/chats', { customerName: 'Jim' }, tenant.keys.agent)).json()
    const before = await counters.find({ _id: { $regex: `^${tenant.hexId}:` } }).sort({ _id: 1 }).toArray()
    const documents = async () => Promise.all(['users', 'chats', 'messages', 'chatrooms'].map((name) => db.collection(name).countDocuments({ clientId: tenant.id })))
    const stored = await documents()
    const attempts: [string, object, string][] = [
      ['/api/v1/users', { name: 'Eve', role: 'agent', userId: MAX_SEQUENCE_ID }, tenant.keys.admin],
      ['/api/v1/users', { name: 'Eve', role: 'agent', id: MAX_SEQUENCE_ID }, tenant.keys.admin],
      ['/api/v1/chats', { customerName: 'Jo', chatId: MAX_SEQUENCE_ID }, tenant.keys.agent],
      [`/api/v1/chats/${chat.id}/messages`, { text: 'hi', messageId: MAX_SEQUENCE_ID }, tenant.keys.agent],
      [`/chats/${chat.id}/messages`, { text: 'hi', message_id: MAX_SEQUENCE_ID }, tenant.keys.agent],
      ['/api/v1/chatrooms', { name: 'Room', ownerId: user.id, chatroomId: MAX_SEQUENCE_ID }, tenant.keys.admin]
    ]
    for (const [url, payload, key] of attempts) t.equal((await post(url, payload, key)).statusCode, 400, `${url} ${JSON.stringify(payload)}`)
    t.same(await documents(), stored, 'nothing was stored')
    t.same(await counters.find({ _id: { $regex: `^${tenant.hexId}:` } }).sort({ _id: 1 }).toArray(), before, 'no counter moved')
  })

  t.test('a counter that did reach the end is a 409 and stores nothing; migration 010 lets customer numbering start again', async (t) => {
    const tenant = await createTenant(app)
    for (const name of ['users', 'customers']) await counters.updateOne({ _id: `${tenant.hexId}:${name}` }, { $set: { seq: MAX_SEQUENCE_ID } }, { upsert: true })
    const users = await post('/api/v1/users', { name: 'Ada', role: 'agent' }, tenant.keys.admin)
    t.same([users.statusCode, users.json().code], [409, 'IDS_EXHAUSTED'])
    const customers = await post('/api/v1/customers', {}, tenant.keys.manager)
    t.same([customers.statusCode, customers.json().code], [409, 'IDS_EXHAUSTED'])
    t.same(await Promise.all(['users', 'customers'].map((name) => db.collection(name).countDocuments({ clientId: tenant.id }))), [0, 0])
    await migration010(db)
    const healed = await post('/api/v1/customers', {}, tenant.keys.manager)
    t.same([healed.statusCode, healed.json().customerId], [201, 1])
    t.equal((await post('/api/v1/users', { name: 'Ada', role: 'agent' }, tenant.keys.admin)).statusCode, 409, 'only customer counters are reset')
  })
})
