import t from 'tap'
import { buildTestApp, bearer, createTenant, PLATFORM_KEY } from './helper.js'

const platform = bearer(PLATFORM_KEY)

t.test('clients and API keys', async (t) => {
  const app = await buildTestApp(t)

  t.test('the platform key creates a client', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/clients', headers: platform, payload: { name: ' Initech ', nickName: 'initech' } })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.match(body, { name: 'Initech', nickName: 'initech' })
    t.match(body.id, /^[0-9a-f]{24}$/)
    t.match(body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  t.test('a second client with the same nickName is a 409 and stores nothing', async (t) => {
    const before = await app.mongo.db.collection('clients').countDocuments()
    const res = await app.inject({ method: 'POST', url: '/api/v1/clients', headers: platform, payload: { name: 'Other', nickName: 'initech' } })
    t.equal(res.statusCode, 409)
    t.same(res.json(), { statusCode: 409, code: 'DUPLICATE', error: 'A record with the same nickName already exists' })
    t.equal(await app.mongo.db.collection('clients').countDocuments(), before)
  })

  t.test('a bad body is a 400 that names the field', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/clients', headers: platform, payload: { name: 'X', nickName: 'Has Spaces' } })
    t.equal(res.statusCode, 400)
    const body = res.json()
    t.equal(body.code, 'VALIDATION_ERROR')
    t.same(body.details, [{ field: 'body/nickName', message: 'must match pattern "^[a-z0-9][a-z0-9-]*$"' }])
  })

  t.test('unknown fields are refused, not silently dropped', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/clients', headers: platform, payload: { name: 'X', nickName: 'x', createdAt: '2000-01-01' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'body must NOT have additional properties')
  })

  t.test('the platform key lists every client, a client key only its own, a page at a time', async (t) => {
    const a = await createTenant(app, 'list-a')
    await createTenant(app, 'list-b')
    const all = await app.inject({ method: 'GET', url: '/api/v1/clients?limit=100', headers: platform })
    t.same(all.json().data.map((c: { nickName: string }) => c.nickName), ['initech', 'list-a', 'list-b'])
    t.equal(all.json().nextCursor, null)

    const first = await app.inject({ method: 'GET', url: '/api/v1/clients?limit=2', headers: platform })
    t.same(first.json().data.map((c: { nickName: string }) => c.nickName), ['initech', 'list-a'])
    const second = await app.inject({ method: 'GET', url: `/api/v1/clients?limit=2&cursor=${first.json().nextCursor}`, headers: platform })
    t.same(second.json().data.map((c: { nickName: string }) => c.nickName), ['list-b'])
    t.equal(second.json().nextCursor, null)

    const own = await app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(a.keys.agent) })
    t.same(own.json().data.map((c: { nickName: string }) => c.nickName), ['list-a'])
  })

  t.test('a cursor the API did not issue is a 400', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/clients?cursor=garbage', headers: platform })
    t.equal(res.statusCode, 400)
    t.same(res.json(), { statusCode: 400, code: 'INVALID_CURSOR', error: 'querystring/cursor is not a cursor this API issued' })
  })

  t.test('limit is bounded', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/clients?limit=101', headers: platform })
    t.equal(res.statusCode, 400)
    t.same(res.json().details, [{ field: 'querystring/limit', message: 'must be <= 100' }])
  })

  t.test('GET /clients answers in legacy extended JSON', async (t) => {
    const tenant = await createTenant(app, 'legacy')
    const res = await app.inject({ method: 'GET', url: '/clients', headers: bearer(tenant.keys.agent) })
    t.equal(res.statusCode, 200)
    t.equal(res.body, `[{"_id":{"$oid":"${tenant.hexId}"},"name":"Client legacy","nickName":"legacy"}]`)
  })

  t.test('another client\'s record answers 404, never revealing it exists', async (t) => {
    const mine = await createTenant(app, 'mine')
    const theirs = await createTenant(app, 'theirs')
    for (const url of [`/api/v1/clients/${theirs.hexId}`, `/api/v1/clients/${theirs.hexId}/api-keys`]) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(mine.keys.admin) })
      t.equal(res.statusCode, 404, url)
      t.equal(res.json().error, `Client ${theirs.hexId} not found`)
    }
    const create = await app.inject({ method: 'POST', url: `/api/v1/clients/${theirs.hexId}/api-keys`, headers: bearer(mine.keys.admin), payload: { name: 'sneaky', role: 'admin' } })
    t.equal(create.statusCode, 404)
    t.equal(await app.mongo.db.collection('apiKeys').countDocuments({ clientId: theirs.id, name: 'sneaky' }), 0)
    const own = await app.inject({ method: 'GET', url: `/api/v1/clients/${mine.hexId}`, headers: bearer(mine.keys.agent) })
    t.equal(own.statusCode, 200)
    t.equal(own.json().nickName, 'mine')
  })

  t.test('a new key is shown once, then listed without its secret', async (t) => {
    const tenant = await createTenant(app, 'keys')
    const created = await app.inject({ method: 'POST', url: `/api/v1/clients/${tenant.hexId}/api-keys`, headers: bearer(tenant.keys.admin), payload: { name: 'integration', role: 'manager' } })
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.match(body.key, /^sb_[A-Za-z0-9_-]{32}$/)
    t.equal(body.prefix, body.key.slice(0, 10))
    t.match(body, { name: 'integration', role: 'manager', revokedAt: null })
    const list = await app.inject({ method: 'GET', url: `/api/v1/clients/${tenant.hexId}/api-keys`, headers: platform })
    t.equal(list.statusCode, 200)
    t.same(list.json().data.map((k: { name: string }) => k.name), ['agent key', 'manager key', 'admin key', 'integration'])
    t.notOk(list.body.includes(body.key), 'the secret is not listed')
  })

  t.test('revoking a key of another client answers 404', async (t) => {
    const mine = await createTenant(app, 'revoker')
    const theirs = await createTenant(app, 'victim')
    const [victimKey] = await app.apiKeysRepository.list(theirs.id)
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${mine.hexId}/api-keys/${victimKey?._id.toHexString()}`, headers: bearer(mine.keys.admin) })
    t.equal(res.statusCode, 404)
    t.equal((await app.apiKeysRepository.findActive(theirs.keys.agent))?.revokedAt, undefined)
  })
})
