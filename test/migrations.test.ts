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

  t.test('the last migration can be reverted and applied again', async (t) => {
    const migrator = createMigrator(db)
    const last = migrations.at(-1)?.name
    await migrator.down()
    t.same((await migrator.pending()).map((m) => m.name), [last])
    await migrator.up()
    t.same(await migrator.pending(), [])
  })
})
