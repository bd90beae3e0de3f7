import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp } from './helper.js'
import { createMigrator } from '../src/db/migrate.js'
import { migrations } from '../src/db/migrations/index.js'

t.test('migrations', async (t) => {
  const app = await buildTestApp(t)
  const db = app.mongo.db

  t.test('all migrations are applied at start and recorded', async (t) => {
    const migrator = createMigrator(db)
    t.same((await migrator.executed()).map((m) => m.name), migrations.map((m) => m.name))
    t.same(await migrator.pending(), [])
  })

  t.test('the clients validator refuses a document that breaks it', async (t) => {
    await t.rejects(db.collection('clients').insertOne({ _id: new ObjectId(), name: '', nickName: 'x', createdAt: new Date() }), { code: 121 })
    await t.rejects(db.collection('apiKeys').insertOne({ _id: new ObjectId(), clientId: new ObjectId(), name: 'k', role: 'owner', hash: 'h'.repeat(64), prefix: 'p', createdAt: new Date() }), { code: 121 })
  })

  t.test('the api key hash index is unique', async (t) => {
    const indexes = await db.collection('apiKeys').indexes()
    t.match(indexes.find((index) => index.name === 'hash_unique'), { key: { hash: 1 }, unique: true })
  })

  t.test('they are applied in the order they came to main, 009 to 014 by number', async (t) => {
    t.same(migrations.map((m) => Number(m.name.slice(0, 3))), [1, 2, 3, 6, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14])
  })

  t.test('a database migrated before the event log (011, 013 and 014 applied) applies 012 alone', async (t) => {
    const older = app.mongo.client.db(`${db.databaseName}_before_events`)
    t.teardown(async () => { await older.dropDatabase() })
    const migrator = createMigrator(older)
    await migrator.up({ migrations: migrations.map((m) => m.name).filter((name) => name !== '012-event-log') })
    t.same((await migrator.pending()).map((m) => m.name), ['012-event-log'])
    t.same((await migrator.up()).map((m) => m.name), ['012-event-log'])
    t.same(await migrator.pending(), [])
    const [users] = await older.listCollections({ name: 'users' }).toArray() as unknown as { options: { validator: { $jsonSchema: { properties: Record<string, unknown> } } } }[]
    t.ok(users?.options.validator.$jsonSchema.properties.outbox && users.options.validator.$jsonSchema.properties.status, 'users keep 013\'s status and gain the outbox')
    t.ok((await older.collection('events').indexes()).some((index) => index.name === 'clientId_seq_unique'))
    t.ok((await older.collection('rateLimits').indexes()).some((index) => index.name === 'expiresAt_ttl'), '014\'s collection is untouched')
  })

  t.test('the last migration can be reverted and applied again', async (t) => {
    const migrator = createMigrator(db)
    const last = migrations.at(-1)?.name
    await migrator.down()
    t.same((await migrator.pending()).map((m) => m.name), [last])
    await migrator.up()
    t.same(await migrator.pending(), [])
  })
})
