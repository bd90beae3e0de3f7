import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'

/**
 * Seven interactions around Ireland's 2024 clock changes (31 March: 01:00 GMT → 02:00 IST; 27 October: 02:00 IST → 01:00 GMT).
 * Local Dublin day of each: A 30 Mar, B 31 Mar, C 31 Mar, D 1 Apr (23:30Z on 31 Mar), E 26 Oct, F 27 Oct (23:30Z on 26 Oct), G 27 Oct.
 */
const facts = [
  { label: 'A', channel: 'Email', customerId: 1, at: '2024-03-30T23:30:00Z', sentiment: 'Positive', topics: ['Boat'] },
  { label: 'B', channel: 'Call', customerId: 1, at: '2024-03-31T00:30:00Z', sentiment: 'Negative', topics: ['Boat', 'Sand'] },
  { label: 'C', channel: 'Email', customerId: 2, at: '2024-03-31T22:30:00Z', sentiment: 'Positive', topics: ['Sand'] },
  { label: 'D', channel: 'Email', customerId: 1, at: '2024-03-31T23:30:00Z', topics: [] },
  { label: 'E', channel: 'Call', customerId: 1, at: '2024-10-26T22:30:00Z', sentiment: 'Neutral' },
  { label: 'F', channel: 'Call', customerId: 2, at: '2024-10-26T23:30:00Z', sentiment: 'Negative' },
  { label: 'G', channel: 'Email', customerId: 1, at: '2024-10-27T23:30:00Z', sentiment: 'Positive' }
]

t.test('statistics', async (t) => {
  const app = await buildTestApp(t)
  const mine = await createTenant(app)
  const other = await createTenant(app)
  const get = (url: string, key = mine.keys.manager) => app.inject({ method: 'GET', url, headers: bearer(key) })
  const channels: Record<string, string> = {}
  for (const name of ['Email', 'Call']) {
    channels[name] = (await app.inject({ method: 'POST', url: '/api/v1/engagements', payload: { name }, headers: bearer(mine.keys.manager) })).json().id
  }
  await app.inject({ method: 'POST', url: '/api/v1/topics', payload: { month: '2024-10', product: 'Sand' }, headers: bearer(mine.keys.manager) })
  for (const fact of facts) {
    const { label, channel, at, ...rest } = fact
    const res = await app.inject({
      method: 'POST', url: '/api/v1/interactions', headers: bearer(mine.keys.agent),
      payload: { engagementId: channels[channel], interactionDate: at, custom: { label }, ...rest }
    })
    t.equal(res.statusCode, 201, label)
  }
  const cell = (name: string, count: number) => ({ engagementId: channels[name], name, count })
  const buckets = (res: { json(): { current: { buckets: { start: string, total: number, channels: { count: number }[] }[] } } }) =>
    res.json().current.buckets.map((bucket) => [bucket.start, ...bucket.channels.map((c) => c.count)])

  t.test('customer channels: every channel, zero-filled, all time and in a local day', async (t) => {
    const all = await get('/api/v1/stats/customers/1/channels', mine.keys.agent)
    t.same(all.json(), { customerId: 1, tz: 'UTC', topic: null, current: { period: { from: null, to: null }, total: 5, channels: [cell('Email', 3), cell('Call', 2)] }, previous: null })
    const dublin = await get('/api/v1/stats/customers/1/channels?from=2024-03-31&to=2024-03-31&tz=Europe/Dublin&compare=previous')
    t.same(dublin.json(), {
      customerId: 1, tz: 'Europe/Dublin', topic: null,
      current: { period: { from: '2024-03-31', to: '2024-03-31' }, total: 1, channels: [cell('Email', 0), cell('Call', 1)] },
      previous: { period: { from: '2024-03-30', to: '2024-03-30' }, total: 1, channels: [cell('Email', 1), cell('Call', 0)] }
    })
    const utc = await get('/api/v1/stats/customers/1/channels?from=2024-03-31&to=2024-03-31')
    t.same(utc.json().current.channels, [cell('Email', 1), cell('Call', 1)])
  })

  t.test('customer channels about one topic; the seed contract agrees', async (t) => {
    const sand = await get('/api/v1/stats/customers/1/channels?topic=Sand')
    t.same(sand.json().current.channels, [cell('Email', 1), cell('Call', 2)])
    const legacy = await get('/api/v1/interactions/1?topic=Sand')
    t.equal(legacy.body, '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":2}}}')
    const none = await get('/api/v1/stats/customers/1/channels?topic=Kites')
    t.same(none.json().current, { period: { from: null, to: null }, total: 0, channels: [cell('Email', 0), cell('Call', 0)] })
  })

  t.test('channel × topic matrix: an interaction counts once per topic, untagged ones apart', async (t) => {
    const res = await get('/api/v1/stats/customers/1/channel-topics')
    t.same(res.json().current, {
      period: { from: null, to: null },
      topics: ['Boat', 'Sand'],
      channels: [
        { engagementId: channels.Email, name: 'Email', untagged: 1, topics: [{ topic: 'Boat', count: 1 }, { topic: 'Sand', count: 1 }] },
        { engagementId: channels.Call, name: 'Call', untagged: 0, topics: [{ topic: 'Boat', count: 1 }, { topic: 'Sand', count: 2 }] }
      ]
    })
    const october = await get('/api/v1/stats/customers/2/channel-topics?from=2024-10-01&to=2024-10-31&compare=previous')
    t.same(october.json().current.channels.map((row: { untagged: number, topics: { count: number }[] }) => [row.untagged, ...row.topics.map((c) => c.count)]), [[0, 0], [0, 1]])
    t.same(october.json().previous.period, { from: '2024-08-31', to: '2024-09-30' })
    t.same(october.json().previous.channels.map((row: { untagged: number, topics: { count: number }[] }) => [row.untagged, ...row.topics.map((c) => c.count)]), [[0, 0], [0, 0]])
  })

  t.test('daily volume follows Dublin\'s local days across the spring clock change', async (t) => {
    const dublin = await get('/api/v1/stats/volume?interval=day&from=2024-03-30&to=2024-04-01&tz=Europe/Dublin&compare=previous')
    t.equal(dublin.statusCode, 200)
    t.same(buckets(dublin), [['2024-03-30', 1, 0], ['2024-03-31', 1, 1], ['2024-04-01', 1, 0]])
    t.same(dublin.json().current.buckets[1], { start: '2024-03-31', total: 2, channels: [cell('Email', 1), cell('Call', 1)] })
    t.same([dublin.json().interval, dublin.json().tz, dublin.json().current.total], ['day', 'Europe/Dublin', 4])
    t.same(dublin.json().previous, {
      period: { from: '2024-03-27', to: '2024-03-29' },
      total: 0,
      buckets: ['2024-03-27', '2024-03-28', '2024-03-29'].map((start) => ({ start, total: 0, channels: [cell('Email', 0), cell('Call', 0)] }))
    })
    const utc = await get('/api/v1/stats/volume?from=2024-03-30&to=2024-04-01')
    t.same(buckets(utc), [['2024-03-30', 1, 0], ['2024-03-31', 2, 1], ['2024-04-01', 0, 0]])
  })

  t.test('daily volume follows Dublin\'s local days across the autumn clock change', async (t) => {
    const dublin = await get('/api/v1/stats/volume?from=2024-10-26&to=2024-10-27&tz=Europe/Dublin')
    t.same(buckets(dublin), [['2024-10-26', 0, 1], ['2024-10-27', 1, 1]])
    const utc = await get('/api/v1/stats/volume?from=2024-10-26&to=2024-10-27&tz=UTC')
    t.same(buckets(utc), [['2024-10-26', 0, 2], ['2024-10-27', 1, 0]])
  })

  t.test('weekly buckets start on Monday and monthly ones on the first, in local time', async (t) => {
    const weeks = await get('/api/v1/stats/volume?interval=week&from=2024-03-25&to=2024-04-07&tz=Europe/Dublin')
    t.same(buckets(weeks), [['2024-03-25', 2, 1], ['2024-04-01', 1, 0]])
    const months = await get('/api/v1/stats/volume?interval=month&from=2024-03-01&to=2024-10-31&tz=Europe/Dublin')
    t.same(buckets(months), [
      ['2024-03-01', 2, 1], ['2024-04-01', 1, 0], ['2024-05-01', 0, 0], ['2024-06-01', 0, 0],
      ['2024-07-01', 0, 0], ['2024-08-01', 0, 0], ['2024-09-01', 0, 0], ['2024-10-01', 1, 2]
    ])
    const utcMonths = await get('/api/v1/stats/volume?interval=month&from=2024-03-01&to=2024-04-30')
    t.same(buckets(utcMonths), [['2024-03-01', 3, 1], ['2024-04-01', 0, 0]])
  })

  t.test('volume of one channel or one customer', async (t) => {
    const call = await get(`/api/v1/stats/volume?from=2024-03-31&to=2024-03-31&engagementId=${channels.Call}`)
    t.same(buckets(call), [['2024-03-31', 0, 1]])
    const customer2 = await get('/api/v1/stats/volume?interval=month&from=2024-10-01&to=2024-10-31&customerId=2')
    t.same(buckets(customer2), [['2024-10-01', 0, 1]])
  })

  t.test('sentiment per channel, with the previous period beside it', async (t) => {
    const all = await get('/api/v1/stats/sentiment')
    t.same(all.json(), {
      tz: 'UTC',
      current: {
        period: { from: null, to: null },
        channels: [
          { engagementId: channels.Email, name: 'Email', total: 4, sentiments: [{ sentiment: 'Negative', count: 0 }, { sentiment: 'Neutral', count: 0 }, { sentiment: 'Positive', count: 3 }, { sentiment: null, count: 1 }] },
          { engagementId: channels.Call, name: 'Call', total: 3, sentiments: [{ sentiment: 'Negative', count: 2 }, { sentiment: 'Neutral', count: 1 }, { sentiment: 'Positive', count: 0 }, { sentiment: null, count: 0 }] }
        ]
      },
      previous: null
    })
    const day = await get('/api/v1/stats/sentiment?from=2024-04-01&to=2024-04-01&tz=Europe/Dublin&compare=previous')
    t.same(day.json().current.channels.map((row: { total: number, sentiments: unknown[] }) => [row.total, row.sentiments]), [[1, [{ sentiment: null, count: 1 }]], [0, [{ sentiment: null, count: 0 }]]])
    t.same(day.json().previous.period, { from: '2024-03-31', to: '2024-03-31' })
    t.same(day.json().previous.channels.map((row: { sentiments: unknown[] }) => row.sentiments), [
      [{ sentiment: 'Negative', count: 0 }, { sentiment: 'Positive', count: 1 }],
      [{ sentiment: 'Negative', count: 1 }, { sentiment: 'Positive', count: 0 }]
    ])
    const customer = await get('/api/v1/stats/sentiment?customerId=2')
    t.same(customer.json().current.channels.map((row: { total: number }) => row.total), [1, 1])
  })

  t.test('a client without channels or interactions gets empty, zero summaries', async (t) => {
    const volume = await get('/api/v1/stats/volume?from=2024-03-30&to=2024-03-31', other.keys.manager)
    t.same(volume.json().current, { period: { from: '2024-03-30', to: '2024-03-31' }, total: 0, buckets: [{ start: '2024-03-30', total: 0, channels: [] }, { start: '2024-03-31', total: 0, channels: [] }] })
    const sentiment = await get('/api/v1/stats/sentiment', other.keys.manager)
    t.same(sentiment.json().current.channels, [])
  })

  t.test('another client\'s customer, or an unknown one, is a 404', async (t) => {
    for (const url of ['/api/v1/stats/customers/1/channels', '/api/v1/stats/customers/1/channel-topics']) {
      const res = await get(url, other.keys.manager)
      t.same([res.statusCode, res.json()], [404, { statusCode: 404, code: 'NOT_FOUND', error: 'Customer 1 not found' }], url)
    }
    t.equal((await get('/api/v1/stats/customers/3/channels')).statusCode, 404)
  })

  t.test('every bad statistics query is a 400 with its reason', async (t) => {
    const cases: [string, string][] = [
      ['/api/v1/stats/customers/0/channels', 'VALIDATION_ERROR'],
      ['/api/v1/stats/customers/1/channels?compare=previous', 'COMPARISON_NEEDS_RANGE'],
      ['/api/v1/stats/customers/1/channels?from=2024-01-01&compare=previous', 'COMPARISON_NEEDS_RANGE'],
      ['/api/v1/stats/customers/1/channels?from=2024-02-01&to=2024-01-01', 'INVERTED_RANGE'],
      ['/api/v1/stats/customers/1/channels?tz=Europe/Atlantis', 'UNKNOWN_TIME_ZONE'],
      ['/api/v1/stats/customers/1/channel-topics?from=2024-02-30', 'VALIDATION_ERROR'],
      ['/api/v1/stats/volume?to=2024-01-01', 'VALIDATION_ERROR'],
      ['/api/v1/stats/volume?from=2024-01-01&to=2024-01-02&interval=hour', 'VALIDATION_ERROR'],
      ['/api/v1/stats/volume?from=2000-01-01&to=2024-01-01', 'TOO_MANY_BUCKETS'],
      ['/api/v1/stats/volume?from=2024-01-01&to=2024-01-02&tz=Nowhere/Special', 'UNKNOWN_TIME_ZONE'],
      ['/api/v1/stats/sentiment?compare=later', 'VALIDATION_ERROR'],
      ['/api/v1/stats/sentiment?from=2024-03-01&to=2024-02-01', 'INVERTED_RANGE']
    ]
    for (const [url, code] of cases) {
      const res = await get(url)
      t.equal(res.statusCode, 400, url)
      t.equal(res.json().code, code, url)
    }
    t.equal((await get('/api/v1/stats/volume?from=2000-01-01&to=2024-01-01&interval=month')).statusCode, 200)
  })

  t.test('team-wide statistics need a manager key', async (t) => {
    t.equal((await get('/api/v1/stats/volume?from=2024-01-01&to=2024-01-02', mine.keys.agent)).statusCode, 403)
    t.equal((await get('/api/v1/stats/sentiment', mine.keys.agent)).statusCode, 403)
  })
})
