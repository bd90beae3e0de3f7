import t from 'tap'
import { MongoClient } from 'mongodb'
import { bearer, createTenant } from '../helper.js'
import { databaseApp, sharedDatabase, startServer } from '../events/processes.js'
import { eventually, startReceiver, type Answer } from './receiver.js'
import type { App } from '../../src/app.js'

t.setTimeout(300_000)

const FAST = { WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '1500' }

t.test('two instances deliver every event once, and never the same attempt twice', async (t) => {
  const { uri, dbName } = await sharedDatabase(t)
  const one = await databaseApp(t, uri, dbName, FAST)
  const two = await databaseApp(t, uri, dbName, FAST)
  const tenant = await createTenant(one, 'two-instances')
  for (const name of ['ann', 'bo']) await one.usersRepository.create(tenant.id, { name, role: 'agent' })
  // Every event's first attempt fails, so both attempts of each are up for grabs by either instance.
  const firstSeen = new Set<string>()
  const receiver = await startReceiver(t, (request): Answer => {
    const id = String(request.headers['switchboard-event-id'])
    if (firstSeen.has(id)) return { status: 200 }
    firstSeen.add(id)
    return { status: 500 }
  })
  const hook = await one.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bearer(tenant.keys.admin), payload: { url: receiver.url, eventTypes: ['direct-message'] } })
  t.equal(hook.statusCode, 201)
  const count = 60
  await Promise.all(Array.from({ length: count }, (_, index) => ([one, two][index % 2] as App).inject({
    method: 'POST', url: '/api/v1/direct-messages', headers: bearer(tenant.keys.admin), payload: { senderId: 1, recipientId: 2, text: `m${index}` }
  })))
  await eventually(() => receiver.received.length >= 2 * count, `${2 * count} requests`, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 500))
  const attempts = receiver.received.map((request) => `${String(request.headers['switchboard-delivery-id'])}#${String(request.headers['switchboard-delivery-attempt'])}`)
  t.equal(receiver.received.length, 2 * count, 'two requests per event: the failed one and its retry')
  t.equal(new Set(attempts).size, attempts.length, 'no attempt was sent twice')
  t.equal(new Set(receiver.received.map((request) => request.headers['switchboard-event-id'])).size, count, 'every event')
  const owners = await one.mongo.db.collection('webhookDeliveries').countDocuments({ clientId: tenant.id, state: 'delivered', attempts: 2 })
  t.equal(owners, count, 'each delivery delivered at its second attempt')
})

t.test('deliveries a killed instance had claimed are sent by another once their leases lapse', async (t) => {
  const { uri, dbName } = await sharedDatabase(t)
  const setup = await databaseApp(t, uri, dbName, FAST)
  const tenant = await createTenant(setup, 'killed')
  for (const name of ['ann', 'bo']) await setup.usersRepository.create(tenant.id, { name, role: 'agent' })
  let answering = false
  const receiver = await startReceiver(t, (): Answer => answering ? { status: 200 } : 'hang')
  const endpoint = await setup.webhookEndpoints.create(tenant.id, { url: receiver.url, eventTypes: ['direct-message'] }, 0)
  await setup.close()

  const env = { ...FAST, WEBHOOK_CONCURRENCY: '3', WEBHOOK_TIMEOUT_MS: '4000' }
  const first = await startServer(t, uri, dbName, env)
  for (let index = 0; index < 5; index++) {
    const res = await fetch(`${first.address}/api/v1/direct-messages`, {
      method: 'POST', headers: { ...bearer(tenant.keys.admin), 'content-type': 'application/json' }, body: JSON.stringify({ senderId: 1, recipientId: 2, text: `m${index}` })
    })
    t.equal(res.status, 201)
  }
  await eventually(() => receiver.received.length === 3, 'the first instance has three deliveries in flight', 60_000)
  const hung = receiver.received.map((request) => String(request.headers['switchboard-delivery-id']))
  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  answering = true

  const client = await MongoClient.connect(uri)
  t.teardown(() => client.close())
  const deliveries = client.db(dbName).collection('webhookDeliveries')
  t.equal(await deliveries.countDocuments({ endpointId: endpoint._id, leaseUntil: { $gt: new Date() } }), 3, 'the killed instance still holds three leases')
  const second = await startServer(t, uri, dbName, env)
  await eventually(async () => await deliveries.countDocuments({ endpointId: endpoint._id, state: 'delivered' }) === 5, 'all five delivered by the second instance', 120_000)
  const resent = receiver.received.slice(3).filter((request) => hung.includes(String(request.headers['switchboard-delivery-id'])))
  t.equal(resent.length, 3, 'each delivery the killed instance held was sent again')
  t.ok(resent.every((request) => request.headers['switchboard-delivery-attempt'] === '2'), 'as its second attempt')
  t.equal(new Set(receiver.received.slice(3).map((request) => request.headers['switchboard-event-id'])).size, 5, 'and all five events arrived')
  const attempts = await client.db(dbName).collection('webhookAttempts').countDocuments({ endpointId: endpoint._id })
  t.equal(attempts, 5, 'only attempts that finished are logged: the killed ones never reported')
  second.child.kill('SIGTERM')
})
