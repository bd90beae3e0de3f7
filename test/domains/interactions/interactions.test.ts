import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import { counts } from './fixtures.js'

t.test('interactions: create, list, filter, get, export', async (t) => {
  const app = await buildTestApp(t)
  const mine = await createTenant(app)
  const theirs = await createTenant(app)
  const post = (url: string, payload: unknown, key = mine.keys.agent) => app.inject({ method: 'POST', url, payload: payload as object, headers: bearer(key) })
  const get = (url: string, key = mine.keys.agent) => app.inject({ method: 'GET', url, headers: bearer(key) })

  const email = (await post('/api/v1/engagements', { name: 'Email' }, mine.keys.manager)).json().id as string
  const call = (await post('/api/v1/engagements', { name: 'Call' }, mine.keys.manager)).json().id as string
  const theirChannel = (await post('/api/v1/engagements', { name: 'Email' }, theirs.keys.manager)).json().id as string
  await post('/api/v1/topics', { month: '2020-02', product: 'Sand' }, mine.keys.manager)

  t.test('an interaction takes the month\'s products as topics and infers its customer', async (t) => {
    const res = await post('/api/v1/interactions', {
      engagementId: call, customerId: 4, agentName: 'John Ford', interactionDate: '2020-02-11T16:10:00Z', sentiment: 'Negative', custom: { csvName: 'a.csv', row: 2 }
    })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.match(body.id, /^[0-9a-f]{24}$/)
    t.same({ ...body, id: 'x', createdAt: 'x' }, {
      id: 'x', engagementId: call, customerId: 4, agentName: 'John Ford', userId: null, interactionDate: '2020-02-11T16:10:00.000Z',
      sentiment: 'Negative', topics: ['Sand'], topicSource: 'calendar', custom: { csvName: 'a.csv', row: 2 }, createdAt: 'x'
    })
    t.match((await get('/api/v1/customers/4')).json(), { customerId: 4, inferred: true })
    t.same((await get(`/api/v1/interactions/by-id/${body.id}`)).json(), body)
  })

  t.test('explicit topics win over the calendar', async (t) => {
    const res = await post('/api/v1/interactions', { engagementId: email, customerId: 4, interactionDate: '2020-02-12T09:00:00Z', topics: ['Boat', 'Oars'] })
    t.same([res.json().topics, res.json().topicSource], [['Boat', 'Oars'], 'explicit'])
  })

  t.test('registering a product tags the calendar-topic interactions of that month, not the explicit ones', async (t) => {
    const topic = await post('/api/v1/topics', { month: '2020-02', product: 'Shells' }, mine.keys.manager)
    t.equal(topic.json().interactionsTagged, 1)
    const list = await get('/api/v1/interactions?customerId=4')
    t.same(list.json().data.map((i: { topics: string[] }) => i.topics), [['Boat', 'Oars'], ['Sand', 'Shells']])
  })

  t.test('the same facts stored twice are a 409 and store nothing', async (t) => {
    const before = await counts(app)
    const res = await post('/api/v1/interactions', { engagementId: email, customerId: 4, interactionDate: '2020-02-12T09:00:00.000Z', topics: ['Other'] })
    t.equal(res.statusCode, 409)
    t.same(await counts(app), before)
  })

  t.test('an unknown or another client\'s channel is a 404 and stores nothing', async (t) => {
    const before = await counts(app)
    for (const engagementId of [theirChannel, '5f18d12f42262eec0d435583']) {
      const res = await post('/api/v1/interactions', { engagementId, customerId: 99, interactionDate: '2020-01-01T00:00:00Z' })
      t.equal(res.statusCode, 404)
      t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: `Engagement ${engagementId} not found` })
    }
    t.same(await counts(app), before)
  })

  t.test('bad interaction bodies are 400 and store nothing', async (t) => {
    const before = await counts(app)
    const base = { engagementId: email, interactionDate: '2020-01-01T00:00:00Z' }
    const bad = [
      {}, { ...base, engagementId: 'nope' }, { ...base, interactionDate: '01/01/2020' }, { ...base, customerId: 0 },
      { ...base, custom: { $where: 'x' } }, { ...base, custom: { 'a.b': 1 } }, { ...base, custom: { nested: { a: 1 } } },
      { ...base, topics: ['Sand', 'Sand'] }, { ...base, sentiment: '' }, { ...base, clientId: theirs.hexId }
    ]
    for (const payload of bad) t.equal((await post('/api/v1/interactions', payload)).statusCode, 400, JSON.stringify(payload))
    t.same(await counts(app), before)
  })

  t.test('the list is newest first, filtered, a page at a time', async (t) => {
    await post('/api/v1/interactions', { engagementId: email, customerId: 1, agentName: 'Ada', interactionDate: '2019-10-04T09:00:00Z', sentiment: 'Positive' })
    await post('/api/v1/interactions', { engagementId: email, customerId: 3, interactionDate: '2021-06-04T13:01:00Z' })
    const dates = (res: { json(): { data: { interactionDate: string }[] } }) => res.json().data.map((i) => i.interactionDate.slice(0, 10))
    t.same(dates(await get('/api/v1/interactions')), ['2021-06-04', '2020-02-12', '2020-02-11', '2019-10-04'])
    const first = await get('/api/v1/interactions?limit=3')
    t.same(dates(first), ['2021-06-04', '2020-02-12', '2020-02-11'])
    const second = await get(`/api/v1/interactions?limit=3&cursor=${first.json().nextCursor}`)
    t.same([dates(second), second.json().nextCursor], [['2019-10-04'], null])
    t.same(dates(await get(`/api/v1/interactions?engagementId=${call}`)), ['2020-02-11'])
    t.same(dates(await get('/api/v1/interactions?agentName=Ada')), ['2019-10-04'])
    t.same(dates(await get('/api/v1/interactions?sentiment=Negative')), ['2020-02-11'])
    t.same(dates(await get('/api/v1/interactions?topic=Boat')), ['2020-02-12'])
    t.same(dates(await get('/api/v1/interactions?from=2020-02-11&to=2020-02-11')), ['2020-02-11'])
    t.same(dates(await get('/api/v1/interactions?from=2020-02-12')), ['2021-06-04', '2020-02-12'])
    t.same(dates(await get('/api/v1/interactions?to=2020-02-10')), ['2019-10-04'])
    t.same(dates(await get('/api/v1/interactions?from=2020-02-12&to=2020-02-12&tz=America/New_York')), ['2020-02-12'])
    t.same(dates(await get('/api/v1/interactions?from=2020-02-11&to=2020-02-11&tz=Asia/Tokyo')), [])
    t.same(dates(await get('/api/v1/interactions?customerId=2')), [])
    t.same((await get('/api/v1/interactions', theirs.keys.agent)).json(), { data: [], nextCursor: null })
  })

  t.test('bad list queries are 400 with the reason', async (t) => {
    const cases: [string, string][] = [
      ['/api/v1/interactions?from=2020-02-30', 'VALIDATION_ERROR'],
      ['/api/v1/interactions?from=2020-03-01&to=2020-02-01', 'INVERTED_RANGE'],
      ['/api/v1/interactions?tz=Mars/Base', 'UNKNOWN_TIME_ZONE'],
      ['/api/v1/interactions?tz=$gt', 'VALIDATION_ERROR'],
      ['/api/v1/interactions?limit=101', 'VALIDATION_ERROR'],
      ['/api/v1/interactions?engagementId=x', 'VALIDATION_ERROR'],
      ['/api/v1/interactions?colour=red', 'VALIDATION_ERROR'],
      ['/api/v1/interactions?cursor=abc', 'INVALID_CURSOR']
    ]
    for (const [url, code] of cases) {
      const res = await get(url)
      t.equal(res.statusCode, 400, url)
      t.equal(res.json().code, code, url)
    }
    t.equal((await get('/api/v1/interactions?tz=Mars/Base')).json().error, 'querystring/tz: unknown time zone "Mars/Base" (use an IANA name such as Europe/Dublin)')
  })

  t.test('another client\'s interaction, or an unknown one, is a 404', async (t) => {
    const theirs1 = await post('/api/v1/interactions', { engagementId: theirChannel, interactionDate: '2020-01-01T00:00:00Z' }, theirs.keys.agent)
    t.equal(theirs1.statusCode, 201)
    const res = await get(`/api/v1/interactions/by-id/${theirs1.json().id}`)
    t.same([res.statusCode, res.json().error], [404, `Interaction ${theirs1.json().id} not found`])
    t.equal((await get('/api/v1/interactions/by-id/nope')).statusCode, 400)
  })

  t.test('the export streams the same rows as CSV, filtered', async (t) => {
    const res = await get('/api/v1/interactions/export?format=csv&customerId=4', mine.keys.manager)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
    t.equal(res.headers['content-disposition'], 'attachment; filename="interactions.csv"')
    const lines = res.body.split('\r\n')
    t.equal(lines[0], 'id,engagementId,engagement,customerId,agentName,userId,interactionDate,sentiment,topics,custom')
    t.match(lines[1], new RegExp(`^[0-9a-f]{24},${email},Email,4,,,2020-02-12T09:00:00.000Z,,Boat\\|Oars,\\{\\}$`))
    t.match(lines[2], new RegExp(`^[0-9a-f]{24},${call},Call,4,John Ford,,2020-02-11T16:10:00.000Z,Negative,Sand\\|Shells,"\\{""csvName"":""a.csv"",""row"":2\\}"$`))
    t.same(lines.slice(3), [''])
  })

  t.test('the export streams NDJSON by default; an agent may not export', async (t) => {
    const res = await get('/api/v1/interactions/export?sentiment=Positive', mine.keys.manager)
    t.equal(res.headers['content-type'], 'application/x-ndjson; charset=utf-8')
    const rows = res.body.trim().split('\n').map((line) => JSON.parse(line))
    t.match(rows, [{ engagement: 'Email', customerId: 1, agentName: 'Ada', interactionDate: '2019-10-04T09:00:00.000Z', sentiment: 'Positive', topics: [], custom: {} }])
    t.equal(rows.length, 1)
    t.equal((await get('/api/v1/interactions/export')).statusCode, 403)
    t.equal((await get('/api/v1/interactions/export?format=xml', mine.keys.manager)).statusCode, 400)
  })

  t.test('a userId must name a user of the client', async (t) => {
    const before = await counts(app)
    const res = await post('/api/v1/interactions', { engagementId: email, userId: 1, interactionDate: '2020-01-01T00:00:00Z' })
    t.same([res.statusCode, res.json().error], [404, 'User 1 not found'])
    t.same(await counts(app), before)
    const user = await app.usersRepository.create(mine.id, { name: 'Ada', role: 'agent' })
    const ok = await post('/api/v1/interactions', { engagementId: email, userId: user.userId, interactionDate: '2018-01-01T00:00:00Z' })
    t.same([ok.statusCode, ok.json().userId], [201, user.userId])
  })
})
