import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer } from '../helper.js'
import { createMigrator } from '../../src/db/migrate.js'
import * as userBoundKeys from '../../src/db/migrations/009-user-bound-keys.js'
import { A, identityTenant } from './fixtures.js'

t.test('migration 009: bound keys, createdByKeyId, lastMessageAt and idempotency per key', async (t) => {
  const app = await buildTestApp(t)
  const db = app.mongo.db
  const ctx = await identityTenant(app, 'migration')
  const indexNames = async (name: string) => (await db.collection(name).indexes()).map((index) => index.name).sort()
  const properties = async (name: string) => {
    const [info] = await db.listCollections({ name }).toArray()
    return Object.keys((info as unknown as { options: { validator: { $jsonSchema: { properties: object } } } }).options.validator.$jsonSchema.properties)
  }

  t.test('up: the fields are in the validators, keys are indexed by user, idempotency records are unique per key', async (t) => {
    t.ok((await properties('apiKeys')).includes('userId'))
    for (const name of ['messages', 'directMessages', 'chatroomMessages']) t.ok((await properties(name)).includes('createdByKeyId'), name)
    t.ok((await properties('chats')).includes('lastMessageAt'))
    t.ok((await properties('idempotencyKeys')).includes('keyId'))
    t.match((await db.collection('apiKeys').indexes()).find((index) => index.name === 'clientId_userId_createdAt'), { key: { clientId: 1, userId: 1, createdAt: 1 } })
    t.ok((await indexNames('idempotencyKeys')).includes('clientId_keyId_key_unique'))
    t.notOk((await indexNames('idempotencyKeys')).includes('clientId_key_unique'))
    await t.rejects(db.collection('apiKeys').insertOne({ ...(await db.collection('apiKeys').findOne({ clientId: ctx.id }))!, _id: new ObjectId(), hash: 'f'.repeat(64), userId: 'ann' }), { code: 121 })
  })

  t.test('down revokes the bound keys (unbound they would act for the whole client) and removes the fields; up restores the rules', async (t) => {
    await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: { ...bearer(ctx.bound.a.key), 'idempotency-key': 'before-down' }, payload: { recipientId: 2, text: 'x' } })
    const migrator = createMigrator(db)
    t.ok((await migrator.executed()).some((migration) => migration.name === userBoundKeys.name), '009 is applied')
    await migrator.down({ to: userBoundKeys.name })
    const bound = await db.collection('apiKeys').find({ clientId: ctx.id, name: /^user / }).toArray()
    t.equal(bound.length, 3)
    t.ok(bound.every((key) => key.revokedAt instanceof Date && key.userId === undefined), 'revoked, and no longer bound')
    // The migration revokes in the database, as another instance would: this instance's key cache learns it from its
    // next revocation poll (README: within 2 s). Asked until then, bounded generously so a busy machine cannot fail it.
    const statusNow = async () => (await app.inject({ method: 'GET', url: `/api/v1/users/${A}/chatrooms`, headers: bearer(ctx.bound.a.key) })).statusCode
    const deadline = Date.now() + 30_000
    let status = await statusNow()
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = await statusNow()
    }
    t.equal(status, 401, 'the revoked key is refused once the revocation is seen')
    t.equal(await db.collection('directMessages').countDocuments({ createdByKeyId: { $exists: true } }), 0)
    t.notOk((await properties('messages')).includes('createdByKeyId'))
    t.ok((await indexNames('idempotencyKeys')).includes('clientId_key_unique'))
    t.equal(await db.collection('idempotencyKeys').countDocuments({ key: 'before-down' }), 0, 'per-key records are forgotten')
    await migrator.up()
    t.same(await migrator.pending(), [])
    t.ok((await properties('messages')).includes('createdByKeyId'))
    t.ok((await indexNames('idempotencyKeys')).includes('clientId_keyId_key_unique'))
  })
})
