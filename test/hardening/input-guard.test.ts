import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { findOperatorKey } from '../../src/plugins/input-guard.js'

t.test('operator and dotted keys never reach a handler', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'guard')
  const headers = bearer(tenant.keys.admin)
  const users = () => app.mongo.db.collection('users').countDocuments({ clientId: tenant.id })

  const bodies: Array<[string, unknown, string]> = [
    ['a $-key at the top', { name: 'Ann', $where: 'sleep(1000)' }, 'body.$where'],
    ['an operator object as a value', { name: { $gt: '' } }, 'body.name.$gt'],
    ['a dotted key', { name: 'Ann', 'profile.role': 'admin' }, 'body.profile.role'],
    ['a key deep inside an array', { name: 'Ann', tags: [{ ok: 1 }, { $ne: null }] }, 'body.tags.1.$ne']
  ]
  for (const [label, payload, field] of bodies) {
    t.test(`${label} is 400 INVALID_FIELD_NAME and stores nothing`, async (t) => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: payload as object })
      t.equal(res.statusCode, 400)
      t.same(res.json(), { statusCode: 400, code: 'INVALID_FIELD_NAME', error: `Field names may not start with "$" or contain ".": ${field}` })
      t.equal(await users(), 0)
    })
  }

  t.test('query strings are guarded too', async (t) => {
    for (const query of ['$where=1', 'limit.x=1', 'role[$ne]=agent']) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/users?${query}`, headers })
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, query.includes('[') ? 'VALIDATION_ERROR' : 'INVALID_FIELD_NAME', query)
    }
  })

  t.test('nesting deeper than 32 levels is refused before any handler runs', async (t) => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
    const payload = `{"name":"Ann","deep":${deep}}`
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...headers, 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400)
    t.equal(res.json().code, 'TOO_DEEPLY_NESTED')
  })

  t.test('__proto__ and constructor.prototype in JSON are refused by the parser', async (t) => {
    for (const payload of ['{"name":"Ann","__proto__":{"role":"admin"}}', '{"name":"Ann","constructor":{"prototype":{"role":"admin"}}}']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...headers, 'content-type': 'application/json' }, payload })
      t.equal(res.statusCode, 400)
      t.equal(res.json().statusCode, 400)
    }
    t.equal(await users(), 0)
  })

  t.test('a legitimate request passes', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { name: 'Ann $ Co. (a.k.a. "Ann")' } })
    t.equal(res.statusCode, 201)
  })
})

t.test('findOperatorKey walks objects and arrays, not other values', async (t) => {
  t.equal(findOperatorKey({ a: [{ b: { c: 1 } }] }, 'body'), null)
  t.equal(findOperatorKey({ a: [{ b: { 'c.d': 1 } }] }, 'body'), 'body.a.0.b.c.d')
  t.equal(findOperatorKey(Buffer.from('{"$x":1}'), 'body'), null)
  t.equal(findOperatorKey('$where', 'body'), null, 'values may contain anything')
  t.equal(findOperatorKey(Object.assign(Object.create(null), { $in: [] }), 'querystring'), 'querystring.$in')
})
