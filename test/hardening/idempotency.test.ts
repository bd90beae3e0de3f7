import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { creationId } from '../../src/plugins/idempotent-writes.js'
import { insertOnce } from '../../src/db/insert-once.js'
import type { FastifyRequest } from 'fastify'

t.test('Idempotency-Key records that never finished', async (t) => {
  const app = await buildTestApp(t, { env: { HANDLER_TIMEOUT_MS: '2000', MONGODB_TIMEOUT_MS: '1000' } })
  const tenant = await createTenant(app, 'lease')
  const records = app.mongo.db.collection('idempotencyKeys')
  const users = app.mongo.db.collection('users')
  const post = (key: string, name: string) => app.inject({
    method: 'POST', url: '/api/v1/users', headers: { ...bearer(tenant.keys.admin), 'idempotency-key': key }, payload: { name }
  })
  /** Makes the key's record look like an attempt that started `ageMs` ago and never recorded its answer. */
  const strand = (key: string, ageMs: number) => records.updateOne(
    { clientId: tenant.id, key },
    { $set: { state: 'pending', createdAt: new Date(Date.now() - ageMs) }, $unset: { statusCode: '', contentType: '', body: '' } }
  )

  t.test('a retry while the first attempt may still run is 409 with Retry-After, and runs nothing', async (t) => {
    t.equal((await post('young', 'Young')).statusCode, 201)
    await strand('young', 0)
    const retry = await post('young', 'Young')
    t.equal(retry.statusCode, 409)
    t.equal(retry.headers['retry-after'], '1')
    t.equal(await users.countDocuments({ clientId: tenant.id, name: 'Young' }), 1)
  })

  t.test('past its lease (handler + database timeouts) a retry takes the key over and keeps its record id', async (t) => {
    t.equal((await post('stranded', 'Stranded')).statusCode, 201)
    const before = await records.findOne({ clientId: tenant.id, key: 'stranded' })
    await strand('stranded', 3001)
    const retry = await post('stranded', 'Stranded')
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], undefined)
    const after = await records.findOne({ clientId: tenant.id, key: 'stranded' })
    t.same(after?._id, before?._id)
    t.equal(after?.state, 'done')
    const replay = await post('stranded', 'Stranded')
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.body, retry.body)
  })

  t.test('a stranded key reused with a different body is still 422', async (t) => {
    await strand('stranded', 3001)
    const res = await post('stranded', 'Someone else')
    t.equal(res.statusCode, 422)
    t.equal(await users.countDocuments({ clientId: tenant.id, name: 'Someone else' }), 0)
  })
})

t.test('creationId and insertOnce make a re-run attempt find its document', async (t) => {
  const app = await buildTestApp(t)
  const collection = app.mongo.db.collection<{ _id: ObjectId, n: number }>('hardening_insert_once')
  const record = new ObjectId()
  const request = { idempotencyRecord: record } as FastifyRequest

  t.same(creationId(request), record, 'the first document takes the record\'s id')
  t.same(creationId(request, 3), creationId(request, 3), 'the others are derived from it, the same on every attempt')
  t.not(creationId(request, 3).toHexString(), creationId(request, 4).toHexString())
  t.not(creationId({ idempotencyRecord: null } as FastifyRequest).toHexString(), creationId({ idempotencyRecord: null } as FastifyRequest).toHexString())

  const first = await insertOnce(collection, { _id: creationId(request), n: 1 })
  const again = await insertOnce(collection, { _id: creationId(request), n: 2 })
  t.same(again, first, 'the second attempt gets the stored document')
  t.equal(await collection.countDocuments({}), 1)

  await collection.createIndex({ n: 1 }, { unique: true })
  await t.rejects(insertOnce(collection, { _id: new ObjectId(), n: 1 }), { code: 11000 }, 'other duplicates still fail')
})
