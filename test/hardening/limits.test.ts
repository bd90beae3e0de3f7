import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../helper.js'

t.test('request limits', async (t) => {
  const app = await buildTestApp(t, { env: { BODY_LIMIT: '2048', REQUEST_TIMEOUT_MS: '5000', CONNECTION_TIMEOUT_MS: '7000' } })
  const tenant = await createTenant(app, 'limits')

  t.test('a body over BODY_LIMIT is 413 in the envelope and stores nothing', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...bearer(tenant.keys.admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(4096) })
    })
    t.equal(res.statusCode, 413)
    t.same(res.json(), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', error: 'Request body is too large' })
    t.equal(await app.mongo.db.collection('users').countDocuments({ clientId: tenant.id }), 0)
  })

  t.test('a body under the limit is accepted', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(tenant.keys.admin), payload: { name: 'Small' } })
    t.equal(res.statusCode, 201)
  })

  t.test('the HTTP server drops slow requests and idle sockets', async (t) => {
    t.equal(app.server.requestTimeout, 5000)
    t.ok(app.server.headersTimeout <= 5000)
    t.equal(app.server.timeout, 7000)
  })
})
