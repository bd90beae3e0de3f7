import t from 'tap'
import { buildTestApp, bearer, createTenant } from './helper.js'

t.test('Idempotency-Key on create routes', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'idem')
  const admin = bearer(tenant.keys.admin)
  const users = () => app.mongo.db.collection('users').countDocuments({ clientId: tenant.id })

  t.test('a retry with the same key and body replays the first response and stores nothing new', async (t) => {
    const headers = { ...admin, 'idempotency-key': 'create-ann-1' }
    const first = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Ann' } })
    t.equal(first.statusCode, 201)
    t.equal(first.headers['idempotent-replayed'], undefined)
    const retry = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Ann' } })
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(retry.body, first.body)
    t.equal(await users(), 1)
  })

  t.test('the same key with a different body is 422 and stores nothing', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...admin, 'idempotency-key': 'create-ann-1' }, payload: { name: 'Bob' } })
    t.equal(res.statusCode, 422)
    t.same(res.json(), { statusCode: 422, code: 'UNPROCESSABLE_ENTITY', error: 'This Idempotency-Key was already used with a different request' })
    t.equal(await users(), 1)
  })

  t.test('keys are per client: another client may use the same key', async (t) => {
    const other = await createTenant(app, 'idem-other')
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...bearer(other.keys.admin), 'idempotency-key': 'create-ann-1' }, payload: { name: 'Ann' } })
    t.equal(res.statusCode, 201)
    t.equal(res.headers['idempotent-replayed'], undefined)
    t.equal(res.json().id, 1)
  })

  t.test('parallel requests with one key create exactly one record', async (t) => {
    const headers = { ...admin, 'idempotency-key': 'parallel-1' }
    const responses = await Promise.all(Array.from({ length: 20 }, () =>
      app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Cy' } })))
    const created = responses.filter((res) => res.statusCode === 201)
    t.ok(created.length >= 1, 'at least the first succeeds')
    t.ok(responses.every((res) => res.statusCode === 201 || res.statusCode === 409), 'the others replay or are told to retry')
    t.equal(new Set(created.map((res) => res.json().id)).size, 1, 'every 201 carries the same user')
    t.equal(await app.mongo.db.collection('users').countDocuments({ clientId: tenant.id, name: 'Cy' }), 1)
  })

  t.test('a key older than 24 hours no longer replays', async (t) => {
    const headers = { ...admin, 'idempotency-key': 'old-key' }
    const first = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Dee' } })
    await app.mongo.db.collection('idempotencyKeys').updateOne({ key: 'old-key' }, { $set: { createdAt: new Date(Date.now() - 25 * 3600 * 1000) } })
    const later = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Dee' } })
    t.equal(later.statusCode, 201)
    t.equal(later.headers['idempotent-replayed'], undefined)
    t.not(later.json().id, first.json().id)
  })

  t.test('a malformed key is a 400', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...admin, 'idempotency-key': 'has space' }, payload: { name: 'Eve' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().details[0].field, 'headers/idempotency-key')
  })
})
