import t from 'tap'
import type { Test } from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp } from '../../helper.js'
import { createMigrator } from '../../../src/db/migrate.js'
import * as userStatus from '../../../src/db/migrations/013-user-status.js'

t.test('migration 013: user status in the users validator, and the index the status stream replays from', async (t) => {
  const app = await buildTestApp(t)
  const db = app.mongo.db
  const users = db.collection('users')
  const clientId = new ObjectId()
  const user = (userId: number, status?: object) =>
    ({ _id: new ObjectId(), clientId, userId, name: `user ${userId}`, role: 'agent', createdAt: new Date(), ...(status ? { status } : {}) })
  const statusProperties = async () => {
    const [info] = await db.listCollections({ name: 'users' }).toArray()
    return (info as unknown as { options: { validator: { $jsonSchema: { properties: Record<string, unknown> } } } }).options.validator.$jsonSchema.properties.status
  }
  const indexNames = async () => (await users.indexes()).map((index) => index.name)

  t.test('up: a status is validated field by field; the stream index is partial on status.eventId', async (t) => {
    t.ok(await statusProperties())
    t.match((await users.indexes()).find((index) => index.name === 'clientId_status_eventId'),
      { key: { clientId: 1, 'status.eventId': 1 }, partialFilterExpression: { 'status.eventId': { $exists: true } } })
    await users.insertOne(user(1, { state: 'online', text: 'here', updatedAt: new Date(), eventId: new ObjectId() }))
    await users.insertOne(user(2))
    const refused = [
      { state: 'asleep', updatedAt: new Date(), eventId: new ObjectId() },
      { state: 'online', updatedAt: new Date() },
      { state: 'online', text: '', updatedAt: new Date(), eventId: new ObjectId() },
      { state: 'online', text: 'x'.repeat(101), updatedAt: new Date(), eventId: new ObjectId() },
      { state: 'online', updatedAt: 'now', eventId: new ObjectId() },
      { state: 'online', updatedAt: new Date(), eventId: new ObjectId(), history: [] }
    ]
    for (const [index, status] of refused.entries()) {
      await t.rejects(users.insertOne(user(10 + index, status)), { code: 121 }, JSON.stringify(status))
    }
  })

  t.test('down forgets every status and removes the rule and the index; up restores them', async (t) => {
    const migrator = createMigrator(db)
    t.ok((await migrator.executed()).some((migration) => migration.name === userStatus.name), '013 is applied')
    await migrator.down({ to: userStatus.name })
    t.equal(await users.countDocuments({ clientId, status: { $exists: true } }), 0)
    t.equal(await users.countDocuments({ clientId }), 2, 'the users stay')
    t.equal(await statusProperties(), undefined)
    t.notOk((await indexNames()).includes('clientId_status_eventId'))
    await migrator.up()
    t.same(await migrator.pending(), [])
    t.ok(await statusProperties())
    t.ok((await indexNames()).includes('clientId_status_eventId'))
  })
})

t.test('migrations 012 (the outbox) and 013 (status) both extend the users validator, in either order', async (t) => {
  const app = await buildTestApp(t)
  const { migrations } = await import('../../../src/db/migrations/index.js')
  const eventLog = await import('../../../src/db/migrations/012-event-log.js')
  const clientId = new ObjectId()
  const status = { state: 'online', updatedAt: new Date(), eventId: new ObjectId() }
  const entry = { key: 'user-status:1', type: 'user-status', at: new Date(), facts: { state: 'online', updatedAt: new Date() } }
  const checkUsers = async (t: Test, db: typeof app.mongo.db) => {
    const users = db.collection('users')
    const user = (userId: number, extra: object) => ({ _id: new ObjectId(), clientId, userId, name: `user ${userId}`, role: 'agent', createdAt: new Date(), ...extra })
    await users.insertOne(user(1, { status, outbox: [entry] }))
    await t.rejects(users.insertOne(user(2, { status: { ...status, state: 'asleep' }, outbox: [entry] })), { code: 121 }, 'the status rule holds')
    await t.rejects(users.insertOne(user(3, { status, outbox: [{ ...entry, type: 'no-such-event' }] })), { code: 121 }, 'the outbox rule holds')
    t.ok((await users.indexes()).some((index) => index.name === 'outbox_at'), 'the sweep\'s index is there')
  }

  t.test('as a new database applies them: 012, then 013', async (t) => {
    await checkUsers(t, app.mongo.db)
  })

  t.test('as a database that had 013 before the event log: 013, then 012', async (t) => {
    const db = app.mongo.client.db(`${app.mongo.db.databaseName}_order`)
    t.teardown(async () => { await db.dropDatabase() })
    const before = migrations.filter((migration) => migration.name < eventLog.name)
    for (const migration of before) await migration.up(db)
    await userStatus.up(db)
    await eventLog.up(db)
    await checkUsers(t, db)
  })
})
