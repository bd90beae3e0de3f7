import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import { counts, seedTenants } from './fixtures.js'

/** Seed 001's "API Usage Instructions": the example response exactly as the seed prints it (pretty-printed there). */
const documentedExample = `{
    "data": {
        "customer_id": 4,
        "interactions": {
            "Bird": 1,
            "Boat": 0,
            "Call": 1,
            "Email": 0,
            "Post": 0
        }
    }
}`

t.test('seed contract: GET /api/v1/stats/interactions/{customer_id}', async (t) => {
  const app = await buildTestApp(t)
  const { acme, empty } = await seedTenants(app)
  const get = (url: string, key = acme.keys.agent) => app.inject({ method: 'GET', url, headers: bearer(key) })

  t.test('the seed\'s example request answers with the demo channels in alphabetical order', async (t) => {
    const res = await get('/api/v1/stats/interactions/4?start_date=2019-10-01&end_date=2020-03-05')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.body, '{"data":{"customer_id":4,"interactions":{"Bird":1,"Call":1,"Email":0}}}')
  })

  t.test('with the seed author\'s five channels it answers the documented example byte for byte', async (t) => {
    const author = await createTenant(app)
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload, headers: bearer(author.keys.manager) })
    const ids: Record<string, string> = {}
    // Created out of alphabetical order: the answer's order is the names', not the creation order.
    for (const name of ['Email', 'Post', 'Call', 'Boat', 'Bird']) ids[name] = (await post('/api/v1/engagements', { name })).json().id
    const facts = [['Email', 1, '2019-10-04T09:00:00Z'], ['Call', 4, '2020-02-11T16:10:00Z'], ['Bird', 4, '2020-03-05T11:23:00Z'], ['Email', 3, '2021-06-04T13:01:00Z']] as const
    for (const [channel, customerId, at] of facts) {
      t.equal((await post('/api/v1/interactions', { engagementId: ids[channel], customerId, interactionDate: at })).statusCode, 201)
    }
    const res = await get('/api/v1/stats/interactions/4?start_date=2019-10-01&end_date=2020-03-05', author.keys.agent)
    t.equal(res.statusCode, 200)
    t.equal(res.body, JSON.stringify(JSON.parse(documentedExample)))
  })

  t.test('without dates every interaction counts; the date bounds include whole UTC days', async (t) => {
    const cases: [string, string][] = [
      ['', '{"Bird":1,"Call":1,"Email":0}'],
      ['?start_date=2020-03-05&end_date=2020-03-05', '{"Bird":1,"Call":0,"Email":0}'],
      ['?end_date=2020-03-04', '{"Bird":0,"Call":1,"Email":0}'],
      ['?start_date=2020-02-12', '{"Bird":1,"Call":0,"Email":0}'],
      ['?start_date=2020-03-06', '{"Bird":0,"Call":0,"Email":0}'],
      ['?start_date=2020-02-11&end_date=2020-02-11', '{"Bird":0,"Call":1,"Email":0}']
    ]
    for (const [query, interactions] of cases) {
      const res = await get(`/api/v1/stats/interactions/4${query}`)
      t.equal(res.body, `{"data":{"customer_id":4,"interactions":${interactions}}}`, query || 'no dates')
    }
  })

  t.test('customer 1 (day-first date 04/10/2019) and a recorded customer without interactions', async (t) => {
    t.equal((await get('/api/v1/stats/interactions/1?start_date=2019-10-04&end_date=2019-10-04')).body, '{"data":{"customer_id":1,"interactions":{"Bird":0,"Call":0,"Email":1}}}')
    t.equal((await get('/api/v1/stats/interactions/11')).body, '{"data":{"customer_id":11,"interactions":{"Bird":0,"Call":0,"Email":0}}}')
  })

  t.test('every bad request is a 400 with the seed\'s error body, and changes nothing', async (t) => {
    const before = await counts(app)
    const cases: [string, string][] = [
      ['/api/v1/stats/interactions/abc', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/0', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/-4', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/4.0', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/04', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/2147483648', 'Invalid customer_id provided'],
      ['/api/v1/stats/interactions/4?start_date=2019-13-01', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?start_date=01-10-2019', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?start_date=2019-02-29', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?start_date=', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?end_date=2020-3-5', 'Invalid end_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?end_date=2020-03-05T00:00:00Z', 'Invalid end_date format. Use YYYY-MM-DD.'],
      ['/api/v1/stats/interactions/4?start_date=2020-03-05&end_date=2019-10-01', 'start_date must not be after end_date'],
      ['/api/v1/stats/interactions/4?topic=Sand', 'Unknown query parameter: topic']
    ]
    for (const [url, error] of cases) {
      const res = await get(url)
      t.equal(res.statusCode, 400, url)
      t.equal(res.body, JSON.stringify({ error }), url)
    }
    t.same(await counts(app), before)
  })

  t.test('an unknown customer, and another client\'s, is the seed\'s 404', async (t) => {
    for (const [url, key] of [['/api/v1/stats/interactions/5', acme.keys.agent], ['/api/v1/stats/interactions/4', empty.keys.agent]] as const) {
      const res = await get(url, key)
      t.equal(res.statusCode, 404, url)
      t.equal(res.body, '{"error":"Customer not found"}', url)
    }
  })

  t.test('a missing key is a 401 in the seed\'s error shape', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/interactions/4' })
    t.equal(res.statusCode, 401)
    t.equal(res.body, '{"error":"Missing API key: send \\"Authorization: Bearer <API key>\\""}')
  })

  t.test('the OpenAPI document lists it with the seed contracts, its parameters and error bodies', async (t) => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    const operation = spec.paths['/api/v1/stats/interactions/{customer_id}'].get
    t.same(operation.tags, ['seed contracts'])
    t.same(operation.parameters.map((param: { in: string, name: string }) => `${param.in}:${param.name}`).sort(), ['path:customer_id', 'query:end_date', 'query:start_date'])
    t.same(Object.keys(operation.responses).sort(), ['200', '400', '401', '403', '404', '429', '503'])
    t.same(Object.keys(operation.responses['404'].content['application/json'].schema.properties), ['error'])
  })
})
