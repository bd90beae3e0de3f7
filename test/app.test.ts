import t from 'tap'
import { buildTestApp } from './helper.js'

t.test('app shell', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET /health answers while the process is alive', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/health' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok' })
  })

  t.test('GET /ready answers 200 when the database answers a ping', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/ready' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ready', database: 'up' })
  })

  t.test('every response carries a request id, echoing the caller\'s', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-123' } })
    t.equal(res.headers['x-request-id'], 'trace-123')
    const generated = await app.inject({ method: 'GET', url: '/health' })
    t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  })

  t.test('an unknown route answers 404 in the error envelope', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' })
    t.equal(res.statusCode, 404)
    t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Route GET /nope not found' })
  })

  t.test('the OpenAPI document declares the bearer scheme and tags every route', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    t.equal(res.statusCode, 200)
    const spec = res.json()
    t.equal(spec.openapi, '3.0.3')
    t.same(spec.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' })
    const operations = Object.entries(spec.paths as Record<string, Record<string, { tags?: string[], responses?: object }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
    t.ok(operations.length >= 8, 'documents the routes')
    for (const { path, method, op } of operations) {
      t.ok(op.tags && op.tags.length > 0, `${method} ${path} has a tag`)
      t.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} documents its responses`)
    }
    t.same(spec.paths['/api/v1/clients'].post.security, [{ apiKey: [] }])
    t.same(spec.paths['/health'].get.security, [], 'health is public: no security requirement')
  })

  t.test('the docs page is served with its assets from this server', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/docs' })
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /text\/html/)
    t.notMatch(page.body, /https?:\/\/(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i, 'no script or style from another host')
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((match) => match[1] as string)
    t.ok(assets.length >= 3, 'the page loads its scripts and styles')
    for (const asset of assets) {
      const res = await app.inject({ method: 'GET', url: new URL(asset, 'http://127.0.0.1/docs/').pathname })
      t.equal(res.statusCode, 200, `${asset} is served locally`)
    }
  })
})
