import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../helper.js'

t.test('rate limits per API key and per IP', async (t) => {
  // Windows are fixed and aligned to the clock: one far longer than the test, so no count resets while it runs.
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '10000 hours' } })
  const first = await createTenant(app, 'limited-one')
  const second = await createTenant(app, 'limited-two')

  t.test('each answer counts down x-ratelimit-remaining, then 429 in the envelope with Retry-After', async (t) => {
    const headers = bearer(first.keys.admin)
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers })
      t.equal(res.statusCode, 200)
      t.equal(res.headers['x-ratelimit-limit'], '3')
      remaining.push(String(res.headers['x-ratelimit-remaining']))
    }
    t.same(remaining, ['2', '1', '0'])
    const refused = await app.inject({ method: 'GET', url: '/api/v1/users', headers })
    t.equal(refused.statusCode, 429)
    t.equal(refused.headers['x-ratelimit-remaining'], '0')
    t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 36_000_000, 'Retry-After in seconds within the window')
    t.ok(Number(refused.headers['x-ratelimit-reset']) > 0)
    t.match(refused.json(), { statusCode: 429, code: 'TOO_MANY_REQUESTS', error: /^Rate limit exceeded: at most 3 requests per 10000 hours; retry in \d+ s$/ })
  })

  t.test('a refused request does nothing: the create is not run', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(first.keys.admin), payload: { name: 'Flood' } })
    t.equal(res.statusCode, 429)
    t.equal(await app.mongo.db.collection('users').countDocuments({ clientId: first.id }), 0)
  })

  t.test('another key of the same client has its own budget', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(first.keys.manager) })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-ratelimit-remaining'], '2')
  })

  t.test('another client is not affected', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(second.keys.admin) })
    t.equal(res.statusCode, 200)
  })

  t.test('calls without a key are limited per IP', async (t) => {
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      statuses.push((await app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '203.0.113.7' })).statusCode)
    }
    t.same(statuses, [200, 200, 200, 429])
    const otherIp = await app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '203.0.113.8' })
    t.equal(otherIp.statusCode, 200)
  })

  t.test('health checks are never limited', async (t) => {
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.7' })
      t.equal(res.statusCode, 200)
    }
  })

  t.test('seed-contract routes answer 429 as {"error": ...}', async (t) => {
    const headers = bearer(second.keys.agent)
    let res = await app.inject({ method: 'GET', url: '/users/1', headers })
    for (let i = 0; i < 3 && res.statusCode !== 429; i++) res = await app.inject({ method: 'GET', url: '/users/1', headers })
    t.equal(res.statusCode, 429)
    t.same(Object.keys(res.json()), ['error'])
  })
})

t.test('RATE_LIMIT_MAX=0 turns rate limiting off', async (t) => {
  const app = await buildTestApp(t, { env: { RATE_LIMIT_MAX: '0' } })
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-ratelimit-limit'], undefined)
})
