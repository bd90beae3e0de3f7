import t from 'tap'
import { bearer, buildTestApp } from '../../helper.js'
import { seedTenants } from './fixtures.js'

t.test('seed contracts: GET /api/v1/interactions/{customer_id} and GET /interactions/{id}', async (t) => {
  const app = await buildTestApp(t)
  const { acme, topbox, empty } = await seedTenants(app)
  const get = (url: string, key = acme.keys.agent) => app.inject({ method: 'GET', url, headers: bearer(key) })

  t.test('customer 1 answers byte for byte as the seed documents', async (t) => {
    const res = await get('/api/v1/interactions/1')
    t.equal(res.statusCode, 200)
    t.equal(res.body, '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}')
  })

  t.test('customer 4, known only from interactions, is an inferred customer with a Call and a Bird', async (t) => {
    const res = await get('/api/v1/interactions/4')
    t.equal(res.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}')
  })

  t.test('start_date and end_date include whole days', async (t) => {
    const seedExample = await get('/api/v1/interactions/4?start_date=2019-10-01&end_date=2020-03-05')
    t.equal(seedExample.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}')
    const sameDay = await get('/api/v1/interactions/4?start_date=2020-03-05&end_date=2020-03-05')
    t.equal(sameDay.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":0,"Bird":1}}}')
    const dayBefore = await get('/api/v1/interactions/4?end_date=2020-03-04')
    t.equal(dayBefore.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":0}}}')
    const dayAfter = await get('/api/v1/interactions/4?start_date=2020-03-06')
    t.equal(dayAfter.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":0,"Bird":0}}}')
  })

  t.test('dates are read day first: 04/10/2019 is 4 October 2019', async (t) => {
    const october = await get('/api/v1/interactions/1?start_date=2019-10-04&end_date=2019-10-04')
    t.equal(october.body, '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}')
    const april = await get('/api/v1/interactions/1?start_date=2019-04-10&end_date=2019-04-10')
    t.equal(april.body, '{"data":{"customer_id":1,"interactions":{"Email":0,"Call":0,"Bird":0}}}')
  })

  t.test('a recorded customer without interactions gets every channel at zero', async (t) => {
    const res = await get('/api/v1/interactions/11')
    t.equal(res.body, '{"data":{"customer_id":11,"interactions":{"Email":0,"Call":0,"Bird":0}}}')
  })

  t.test('topic counts only interactions about that product', async (t) => {
    const none = await get('/api/v1/interactions/1?topic=Sand')
    t.equal(none.body, '{"data":{"customer_id":1,"interactions":{"Email":0,"Call":0,"Bird":0}}}')
    const created = await app.inject({ method: 'POST', url: '/api/v1/topics', headers: bearer(acme.keys.manager), payload: { month: '2020-02', product: 'Boat' } })
    t.equal(created.json().interactionsTagged, 1)
    const boat = await get('/api/v1/interactions/4?topic=Boat')
    t.equal(boat.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":0}}}')
  })

  t.test('bad input answers 400 with the seed\'s error shape', async (t) => {
    const cases: [string, string][] = [
      ['/api/v1/interactions/0', 'Invalid customer_id provided'],
      ['/api/v1/interactions/-1', 'Invalid customer_id provided'],
      ['/api/v1/interactions/abc', 'Invalid customer_id provided'],
      ['/api/v1/interactions/1.5', 'Invalid customer_id provided'],
      ['/api/v1/interactions/01', 'Invalid customer_id provided'],
      ['/api/v1/interactions/99999999999', 'Invalid customer_id provided'],
      ['/api/v1/interactions/1?start_date=2019-1-01', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/interactions/1?start_date=2019-02-30', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['/api/v1/interactions/1?end_date=01/10/2019', 'Invalid end_date format. Use YYYY-MM-DD.'],
      ['/api/v1/interactions/1?start_date=2020-03-05&end_date=2019-10-01', 'start_date must not be after end_date'],
      ['/api/v1/interactions/1?topic=%20', 'Invalid topic provided'],
      ['/api/v1/interactions/1?channel=Email', 'Unknown query parameter: channel']
    ]
    for (const [url, error] of cases) {
      const res = await get(url)
      t.equal(res.statusCode, 400, url)
      t.equal(res.body, JSON.stringify({ error }), url)
    }
  })

  t.test('an unknown customer is a 404, and so is another client\'s customer', async (t) => {
    const unknown = await get('/api/v1/interactions/5')
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.body, '{"error":"Customer not found"}')
    const otherClient = await get('/api/v1/interactions/1', empty.keys.agent)
    t.equal(otherClient.statusCode, 404)
    t.equal(otherClient.body, '{"error":"Customer not found"}')
  })

  t.test('the per-channel count is scoped to the caller\'s client', async (t) => {
    const res = await get('/api/v1/interactions/1', topbox.keys.agent)
    t.equal(res.statusCode, 200)
    t.same(Object.keys(res.json().data.interactions), ['SMS', 'Chat', 'Facebook', 'Phone', 'Twitter'])
  })

  t.test('a request without a key is a 401 in the seed\'s error shape', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/interactions/1' })
    t.equal(res.statusCode, 401)
    t.same(Object.keys(res.json()), ['error'])
  })

  t.test('GET /interactions/{id} prints the example interaction in legacy extended JSON, byte for byte', async (t) => {
    const res = await get('/interactions/5f18d12f42262eec0d43567d', topbox.keys.agent)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.body, '{"_id":{"$oid":"5f18d12f42262eec0d43567d"},"engagementId":{"$oid":"5f18d12f42262eec0d435583"},' +
      '"interactionDate":{"$date":1589630400000},"agentName":"John Ford","sentiment":"Negative",' +
      '"custom":{"csvName":"2020_16_05_report.csv","agentFirstName":"John","agentLastName":"Ford"}}')
  })

  t.test('GET /interactions/{id} shows the customer of a spreadsheet interaction, and no client id', async (t) => {
    const list = await app.inject({ method: 'GET', url: '/api/v1/interactions?customerId=1', headers: bearer(acme.keys.agent) })
    const [interaction] = list.json().data
    const res = await get(`/interactions/${interaction.id}`)
    t.equal(res.body, `{"_id":{"$oid":"${interaction.id}"},"engagementId":{"$oid":"${interaction.engagementId}"},"customerId":1,` +
      '"interactionDate":{"$date":1570179600000},"custom":{"Date Start":"04/10/2019 09:00","Interaction":"Email","Customers":1}}')
  })

  t.test('GET /interactions/{id}: another client\'s interaction and an unknown one are 404, a malformed id 400', async (t) => {
    const theirs = await get('/interactions/5f18d12f42262eec0d43567d', acme.keys.agent)
    t.equal(theirs.statusCode, 404)
    t.equal(theirs.body, '{"error":"Interaction not found"}')
    const unknown = await get('/interactions/5f18d12f42262eec0d43567e', topbox.keys.agent)
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.body, '{"error":"Interaction not found"}')
    const malformed = await get('/interactions/not-an-id', topbox.keys.agent)
    t.equal(malformed.statusCode, 400)
    t.equal(malformed.body, '{"error":"Invalid interaction_id provided"}')
  })
})
