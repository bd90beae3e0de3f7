import t from 'tap'
import { buildApp } from '../../src/app.js'
import { buildTestApp } from '../helper.js'

const quiet = { NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false' }

t.test('start-up fails loudly on event and webhook settings that cannot work', async (t) => {
  await t.rejects(buildApp({ env: { ...quiet, EVENTS_CHANGE_STREAM: 'on' }, logger: false }),
    /EVENTS_CHANGE_STREAM=on needs a replica set or a sharded cluster, and this MongoDB server is a standalone/)
  await t.rejects(buildApp({ env: { ...quiet, WEBHOOK_ALLOW_PRIVATE_TARGETS: '10.0.0.0/99' }, logger: false }), /WEBHOOK_ALLOW_PRIVATE_TARGETS: "10.0.0.0\/99" is not a CIDR range/)
  await t.rejects(buildApp({ env: { ...quiet, EVENTS_RETENTION_DAYS: '0' }, logger: false }), /EVENTS_RETENTION_DAYS/)
  await t.rejects(buildApp({ env: { ...quiet, EVENT_STREAM_BUFFER_BYTES: '100' }, logger: false }), /EVENT_STREAM_BUFFER_BYTES/)
  await t.rejects(buildApp({ env: { ...quiet, EVENTS_CHANGE_STREAM: 'maybe' }, logger: false }), /EVENTS_CHANGE_STREAM/)
})

t.test('the retention setting is the expiry each event gets, which a TTL index enforces', async (t) => {
  const app = await buildTestApp(t, { env: { EVENTS_RETENTION_DAYS: '2' } })
  t.equal(app.events.log.retentionMs, 2 * 24 * 3_600_000)
  const indexes = await app.mongo.db.collection('events').indexes()
  t.match(indexes.find((index) => index.name === 'expiresAt_ttl'), { key: { expiresAt: 1 }, expireAfterSeconds: 0 })
  t.match(indexes.find((index) => index.name === 'clientId_seq_unique'), { key: { clientId: 1, seq: 1 }, unique: true })
  t.match(indexes.find((index) => index.name === 'clientId_key_unique'), { key: { clientId: 1, key: 1 }, unique: true })
  for (const collection of ['webhookDeliveries', 'webhookAttempts']) {
    t.match((await app.mongo.db.collection(collection).indexes()).find((index) => index.name === 'expiresAt_ttl'), { expireAfterSeconds: 0 }, collection)
  }
})
