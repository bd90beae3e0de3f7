import t from 'tap'
import { buildTestApp, bearer, createTenant, PLATFORM_KEY } from './helper.js'

/** A concrete URL for a route pattern (authentication runs before params are validated, so any value will do). */
function concrete (url: string): string {
  return url.replace(/:[A-Za-z_]+/g, '1').replace('*', 'x')
}

t.test('authentication', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'auth-tenant')

  t.test('every route declares its access, and every non-public one answers 401 without a key and with a wrong key', async (t) => {
    const routes = app.routeAccess.filter((route) => route.access !== 'public' && route.method !== 'HEAD')
    t.ok(routes.length >= 6, `found ${routes.length} protected routes`)
    for (const route of routes) {
      const url = concrete(route.url)
      const method = route.method as 'GET'
      const missing = await app.inject({ method, url })
      t.equal(missing.statusCode, 401, `${route.method} ${route.url} without a key`)
      const wrong = await app.inject({ method, url, headers: bearer('sb_not_a_real_key_at_all') })
      t.equal(wrong.statusCode, 401, `${route.method} ${route.url} with a wrong key`)
      const malformed = await app.inject({ method, url, headers: { authorization: 'Basic abc' } })
      t.equal(malformed.statusCode, 401, `${route.method} ${route.url} with a non-bearer header`)
    }
  })

  t.test('a missing key is explained', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/clients' })
    t.same(res.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Missing API key: send "Authorization: Bearer <API key>"' })
  })

  t.test('a key with too low a role gets 403 naming the role it needs', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/clients/${tenant.hexId}/api-keys`,
      headers: bearer(tenant.keys.manager),
      payload: { name: 'x', role: 'agent' }
    })
    t.equal(res.statusCode, 403)
    t.equal(res.json().error, 'This route needs the admin role; this key has manager')
  })

  t.test('a client key cannot call a platform-only route', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(tenant.keys.admin), payload: { name: 'X', nickName: 'x' } })
    t.equal(res.statusCode, 403)
    t.equal(res.json().error, 'This route needs the platform key')
  })

  t.test('a revoked key stops working at once', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/clients/${tenant.hexId}/api-keys`,
      headers: bearer(PLATFORM_KEY),
      payload: { name: 'short-lived', role: 'agent' }
    })
    t.equal(created.statusCode, 201)
    const { key, id } = created.json()
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(key) })).statusCode, 200)
    const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${tenant.hexId}/api-keys/${id}`, headers: bearer(tenant.keys.admin) })
    t.equal(revoked.statusCode, 200)
    t.match(revoked.json().revokedAt, /^\d{4}-\d\d-\d\dT/)
    const after = await app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(key) })
    t.equal(after.statusCode, 401)
    t.equal(after.json().error, 'Invalid or revoked API key')
  })

  t.test('keys are stored hashed, never in clear', async (t) => {
    const stored = await app.mongo.db.collection('apiKeys').find({ clientId: tenant.id }).toArray()
    t.equal(stored.length >= 3, true)
    for (const doc of stored) {
      t.match(doc.hash, /^[0-9a-f]{64}$/)
      t.notOk(Object.values(tenant.keys).some((key) => JSON.stringify(doc).includes(key)), 'no stored field holds the key')
    }
  })
})
