import t from 'tap'
import { bearer, buildTestApp, createTenant, PLATFORM_KEY } from '../../helper.js'
import { counts } from './fixtures.js'

t.test('engagements, customers and topics', async (t) => {
  const app = await buildTestApp(t)
  const mine = await createTenant(app)
  const theirs = await createTenant(app)
  const as = (key: string) => ({ headers: bearer(key) })
  const post = (url: string, payload: unknown, key = mine.keys.manager) => app.inject({ method: 'POST', url, payload: payload as object, ...as(key) })
  const get = (url: string, key = mine.keys.agent) => app.inject({ method: 'GET', url, ...as(key) })

  t.test('a manager creates channels; they are listed in creation order, a page at a time', async (t) => {
    const email = await post('/api/v1/engagements', { name: 'Email', source: 'crm' })
    t.equal(email.statusCode, 201)
    t.match(email.json(), { name: 'Email', source: 'crm' })
    t.match(email.json().id, /^[0-9a-f]{24}$/)
    await post('/api/v1/engagements', { name: 'Call' })
    await post('/api/v1/engagements', { name: 'Bird' })
    const first = await get('/api/v1/engagements?limit=2')
    t.same(first.json().data.map((e: { name: string }) => e.name), ['Email', 'Call'])
    t.equal(first.json().data[1].source, null)
    const second = await get(`/api/v1/engagements?limit=2&cursor=${first.json().nextCursor}`)
    t.same(second.json().data.map((e: { name: string }) => e.name), ['Bird'])
    t.equal(second.json().nextCursor, null)
    const one = await get(`/api/v1/engagements/${email.json().id}`)
    t.same(one.json(), email.json())
  })

  t.test('a channel name is unique per client, not across clients', async (t) => {
    const before = await counts(app)
    const duplicate = await post('/api/v1/engagements', { name: 'Email' })
    t.equal(duplicate.statusCode, 409)
    t.same(duplicate.json(), { statusCode: 409, code: 'DUPLICATE', error: 'A record with the same name already exists' })
    t.same(await counts(app), before)
    t.equal((await post('/api/v1/engagements', { name: 'Email' }, theirs.keys.manager)).statusCode, 201)
  })

  t.test('bad channel bodies are 400 and store nothing', async (t) => {
    const before = await counts(app)
    for (const payload of [{}, { name: '' }, { name: ' Email' }, { name: 'x'.repeat(51) }, { name: 'SMS', extra: 1 }]) {
      const res = await post('/api/v1/engagements', payload)
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.equal(res.json().code, 'VALIDATION_ERROR')
    }
    const operator = await post('/api/v1/engagements', { name: { $gt: '' } })
    t.equal(operator.statusCode, 400)
    t.same(await counts(app), before)
  })

  t.test('an agent may read channels but not create them; the platform key may do neither', async (t) => {
    t.equal((await post('/api/v1/engagements', { name: 'Fax' }, mine.keys.agent)).statusCode, 403)
    t.equal((await get('/api/v1/engagements', PLATFORM_KEY)).statusCode, 403)
  })

  t.test('another client\'s channel is a 404', async (t) => {
    const list = await get('/api/v1/engagements', theirs.keys.agent)
    const res = await get(`/api/v1/engagements/${list.json().data[0].id}`)
    t.equal(res.statusCode, 404)
    t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: `Engagement ${list.json().data[0].id} not found` })
  })

  t.test('customers are recorded with the source id or the next automatic id no customer holds', async (t) => {
    const jedi = await post('/api/v1/customers', { customerId: 1, occupation: 'Jedi', type: 'Red' })
    t.equal(jedi.statusCode, 201)
    t.same({ ...jedi.json(), createdAt: 'x' }, { customerId: 1, occupation: 'Jedi', type: 'Red', inferred: false, createdAt: 'x' })
    const next = await post('/api/v1/customers', { occupation: 'Batman' })
    t.equal(next.json().customerId, 2, 'id 1 is taken: the next automatic id steps over it')
    t.same((await get('/api/v1/customers/1')).json(), jedi.json())
  })

  t.test('recording an id already recorded is a 409 and changes nothing', async (t) => {
    const before = await counts(app)
    const res = await post('/api/v1/customers', { customerId: 1, occupation: 'Sith' })
    t.equal(res.statusCode, 409)
    t.same(await counts(app), before)
    t.equal((await get('/api/v1/customers/1')).json().occupation, 'Jedi')
  })

  t.test('recording an inferred customer completes it', async (t) => {
    await app.customersRepository.ensureExist(mine.id, [20])
    t.same((await get('/api/v1/customers/20')).json().inferred, true)
    const res = await post('/api/v1/customers', { customerId: 20, occupation: 'Doctor' })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { customerId: 20, occupation: 'Doctor', type: null, inferred: false })
    t.equal((await post('/api/v1/customers', {})).json().customerId, 3, 'an explicit id does not move the automatic numbering')
  })

  t.test('customers are listed by id, filtered by inferred, a page at a time', async (t) => {
    await app.customersRepository.ensureExist(mine.id, [30])
    const all = await get('/api/v1/customers?limit=3')
    t.same(all.json().data.map((c: { customerId: number }) => c.customerId), [1, 2, 3])
    const rest = await get(`/api/v1/customers?limit=3&cursor=${all.json().nextCursor}`)
    t.same(rest.json().data.map((c: { customerId: number }) => c.customerId), [20, 30])
    t.equal(rest.json().nextCursor, null)
    t.same((await get('/api/v1/customers?inferred=true')).json().data.map((c: { customerId: number }) => c.customerId), [30])
    t.same((await get('/api/v1/customers?inferred=false')).json().data.map((c: { customerId: number }) => c.customerId), [1, 2, 3, 20])
  })

  t.test('bad customer input is a 400; an unknown or another client\'s customer a 404', async (t) => {
    const before = await counts(app)
    for (const payload of [{ customerId: 0 }, { customerId: 1.5 }, { customerId: 'nine' }, { occupation: '' }, { inferred: true }]) {
      t.equal((await post('/api/v1/customers', payload)).statusCode, 400, JSON.stringify(payload))
    }
    t.same(await counts(app), before)
    t.equal((await get('/api/v1/customers/0')).statusCode, 400)
    t.equal((await get('/api/v1/customers/999')).statusCode, 404)
    t.equal((await get('/api/v1/customers/1', theirs.keys.agent)).statusCode, 404)
    t.same((await get('/api/v1/customers/999')).json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Customer 999 not found' })
  })

  t.test('topics are listed by month then product, filtered by month, a page at a time', async (t) => {
    for (const [month, product] of [['2019-02', 'Sand'], ['2019-01', 'Sand'], ['2019-01', 'Boat'], ['2021-10', 'Orange']]) {
      const res = await post('/api/v1/topics', { month, product })
      t.equal(res.statusCode, 201)
      t.match(res.json(), { month, product, interactionsTagged: 0 })
    }
    const page = await get('/api/v1/topics?limit=3')
    t.same(page.json().data.map((topic: { month: string, product: string }) => `${topic.month} ${topic.product}`), ['2019-01 Boat', '2019-01 Sand', '2019-02 Sand'])
    const rest = await get(`/api/v1/topics?limit=3&cursor=${page.json().nextCursor}`)
    t.same(rest.json().data.map((topic: { product: string }) => topic.product), ['Orange'])
    t.same((await get('/api/v1/topics?month=2019-01')).json().data.map((topic: { product: string }) => topic.product), ['Boat', 'Sand'])
    t.same((await get('/api/v1/topics', theirs.keys.agent)).json().data, [])
  })

  t.test('a month\'s product is registered once; bad topics are 400; nothing is stored', async (t) => {
    const before = await counts(app)
    t.equal((await post('/api/v1/topics', { month: '2019-01', product: 'Sand' })).statusCode, 409)
    for (const payload of [{ month: '2019-13', product: 'Sand' }, { month: '01-2019', product: 'Sand' }, { month: '2019-01', product: '' }, { month: '2019-01' }]) {
      t.equal((await post('/api/v1/topics', payload)).statusCode, 400, JSON.stringify(payload))
    }
    t.same(await counts(app), before)
  })

  t.test('a cursor the API did not issue, or a forged one, is a 400', async (t) => {
    const forged = Buffer.from(JSON.stringify({ createdAt: { $ne: null }, id: { $oid: '5f18d12f42262eec0d43567d' } })).toString('base64url')
    for (const url of ['/api/v1/engagements?cursor=nonsense', `/api/v1/engagements?cursor=${forged}`, '/api/v1/customers?cursor=nonsense', '/api/v1/topics?cursor=nonsense']) {
      const res = await get(url)
      t.equal(res.statusCode, 400, url)
      t.equal(res.json().code, 'INVALID_CURSOR', url)
    }
  })
  t.test('every route of the domain is in the OpenAPI document', async (t) => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/docs/json' })).json().paths)
    const expected = [
      '/api/v1/engagements', '/api/v1/engagements/{engagementId}', '/api/v1/customers', '/api/v1/customers/{customerId}', '/api/v1/topics',
      '/api/v1/interactions', '/api/v1/interactions/by-id/{interactionId}', '/api/v1/interactions/export', '/api/v1/interactions/{customer_id}',
      '/interactions/{interaction_id}', '/api/v1/stats/customers/{customerId}/channels', '/api/v1/stats/customers/{customerId}/channel-topics',
      '/api/v1/stats/volume', '/api/v1/stats/sentiment'
    ]
    t.same(expected.filter((path) => !paths.includes(path)), [])
  })
})
