import t from 'tap'
import {
  FIRST_DAY, LAST_DAY, addMonths, dayOf, excelSerialInstant, formatDay, instantOf, monthInstants, monthsSpanned, parseCalendarDate, parseDateTime,
  parseLenientIso, startOfDay, unixSecondsInstant, weekStart
} from '../../src/lib/dates.js'
import { bearer, buildTestApp, createTenant } from '../helper.js'
import { upload } from '../domains/imports/helper.js'

const iso = (value: Date | { reason: string } | undefined) => (value instanceof Date ? value.toISOString() : value)

t.test('the dates module: what Date and BSON cannot hold is refused, arithmetic at the ends stays exact', async (t) => {
  t.match(parseDateTime('2016-12-31T23:59:60Z'), { reason: /leap second/ })
  t.match(parseDateTime('2016-12-31T23:59:60.5+00:00'), { reason: /leap second/ })
  t.equal(iso(parseDateTime('2020-01-01T10:00:00+01')), '2020-01-01T09:00:00.000Z', 'an hour-only offset, which new Date cannot read')
  t.equal(iso(parseDateTime('2020-01-01 10:00:00.1239Z')), '2020-01-01T10:00:00.123Z', 'fractions past the millisecond are cut, never rounded up')
  t.equal(iso(parseDateTime('9999-12-31T23:59:59.9999Z')), '9999-12-31T23:59:59.999Z')
  t.equal(iso(parseDateTime('1899-12-31T23:00:00-01:00')), '1900-01-01T00:00:00.000Z', 'the instant counts, not the wall clock')
  for (const text of ['9999-12-31T23:59:59-01:00', '1899-12-31T23:59:59.999Z', '0099-06-01T00:00:00Z', '0000-01-01T00:00:00Z', '2021-02-29T00:00:00Z', '2020-01-01T24:00:00Z', '2020-01-01T10:00:00+24:00', '2020-01-01T10:00:00', '+275760-09-13T00:00:00Z']) {
    t.notOk(parseDateTime(text) instanceof Date, text)
  }
  t.same([parseCalendarDate('1900-01-01'), parseCalendarDate('9999-12-31')], [FIRST_DAY, LAST_DAY])
  for (const text of ['1899-12-31', '0000-01-01', '0099-01-01', '10000-01-01', '2023-02-29', '2024-13-01', '24-01-01']) t.equal(parseCalendarDate(text), undefined, text)
  t.same([formatDay(FIRST_DAY), formatDay(LAST_DAY), formatDay(weekStart(LAST_DAY)), formatDay(weekStart(FIRST_DAY))], ['1900-01-01', '9999-12-31', '9999-12-27', '1900-01-01'])
  t.throws(() => formatDay(LAST_DAY + 1), RangeError, 'no YYYY-MM-DD is ever written for a day past the range')
  t.equal(addMonths(parseCalendarDate('9999-12-15') as number, 1), LAST_DAY + 1, 'the month after the last one is a day number, not a string like +010000-01')
  t.same(monthInstants('9999-12').end.getTime(), Date.UTC(9999, 11, 31) + 86_400_000)
  t.equal(startOfDay(LAST_DAY + 1, 'Pacific/Kiritimati').toISOString(), '9999-12-31T10:00:00.000Z', 'the day after the last one still begins at an instant')
  t.equal(startOfDay(FIRST_DAY, 'Europe/Dublin').toISOString(), '1900-01-01T00:25:21.000Z', 'Dublin mean time, to the second')
  t.same([iso(excelSerialInstant(1)), iso(excelSerialInstant(2958465.99998)), excelSerialInstant(2958465.999999), excelSerialInstant(0), excelSerialInstant(60)],
    ['1900-01-01T00:00:00.000Z', '9999-12-31T23:59:58.000Z', undefined, undefined, undefined])
  t.same([iso(parseLenientIso('2019-10-04 09:00')), parseLenientIso('0099-10-04'), parseLenientIso('2019-10-04T09:00:60Z')], ['2019-10-04T09:00:00.000Z', undefined, undefined])
  t.throws(() => instantOf('2016-12-31T23:59:60Z', 'body/sentAt'), { statusCode: 400, code: 'INVALID_DATE', message: /^body\/sentAt is a leap second/ })
  t.equal(instantOf('2016-12-31T23:59:59.999Z', 'body/sentAt').toISOString(), '2016-12-31T23:59:59.999Z')
  t.equal(unixSecondsInstant(253402300799, 'ts').toISOString(), '9999-12-31T23:59:59.000Z')
  t.throws(() => unixSecondsInstant(253402300800, 'data[0].message_sent_ts'), { statusCode: 400, message: /^data\[0\]\.message_sent_ts is outside/ })
  t.throws(() => dayOf('1899-12-31'), RangeError)
  t.throws(() => monthInstants('0000-01'), RangeError)
  t.same([monthsSpanned(FIRST_DAY, LAST_DAY), monthsSpanned(LAST_DAY, LAST_DAY)], [97_200, 1])
})

t.test('dates at the edges through the API', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app)
  const db = app.mongo.db
  const send = (method: 'GET' | 'POST', url: string, payload?: object, key = tenant.keys.manager) => app.inject({ method, url, payload, headers: bearer(key) })
  const count = (name: string) => db.collection(name).countDocuments({ clientId: tenant.id })

  t.test('a leap second, an hour-only offset and year 10000 on the seed contract POST /chats/{id}/messages', async (t) => {
    const chat = (await send('POST', '/api/v1/chats', { customerName: 'Jim' }, tenant.keys.agent)).json()
    for (const attempt of [1, 2]) {
      const res = await send('POST', `/chats/${chat.id}/messages`, { text: 'hi', sent_at: '2016-12-31T23:59:60Z' }, tenant.keys.agent)
      t.same([res.statusCode, res.json()], [400, { error: 'body/sent_at must match format "date-time"' }], `attempt ${attempt}`)
    }
    for (const sentAt of ['9999-12-31T23:59:59-01:00', '0099-01-01T00:00:00Z', '2021-02-29T10:00:00Z']) {
      t.equal((await send('POST', `/chats/${chat.id}/messages`, { text: 'hi', sent_at: sentAt }, tenant.keys.agent)).statusCode, 400, sentAt)
    }
    const canonical = await send('POST', `/api/v1/chats/${chat.id}/messages`, { text: 'hi', sentAt: '2016-12-31T23:59:60Z' }, tenant.keys.agent)
    t.same([canonical.statusCode, canonical.json().details], [400, [{ field: 'body/sentAt', message: 'must match format "date-time"' }]])
    t.equal(await count('messages'), 0, 'nothing was stored, however often it was retried')
    const soon = new Date(Date.now() + 3_600_000 + 30_000).toISOString().slice(0, 19)
    const offset = await send('POST', `/chats/${chat.id}/messages`, { text: 'hi', sent_at: `${soon}+01` }, tenant.keys.agent)
    t.equal(offset.statusCode, 201, 'an hour-only offset is read, not stored as 1970')
    t.equal(offset.json().sent_at, new Date(`${soon}+01:00`).toISOString())
  })

  t.test('interactions at the first and last instants are stored exactly; a step beyond is a 400 that stores nothing', async (t) => {
    const channel = (await send('POST', '/api/v1/engagements', { name: 'Email' })).json().id
    for (const interactionDate of ['1900-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      const res = await send('POST', '/api/v1/interactions', { engagementId: channel, customerId: 1, interactionDate }, tenant.keys.agent)
      t.same([res.statusCode, res.json().interactionDate], [201, new Date(interactionDate).toISOString()])
    }
    for (const interactionDate of ['1899-12-31T23:59:59.999Z', '9999-12-31T23:59:59-00:01', '2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '2019-02-29T00:00:00Z']) {
      const res = await send('POST', '/api/v1/interactions', { engagementId: channel, customerId: 1, interactionDate }, tenant.keys.agent)
      t.same([res.statusCode, res.json().details], [400, [{ field: 'body/interactionDate', message: 'must match format "date-time"' }]], interactionDate)
    }
    t.equal(await count('interactions'), 2)
    const stored = await db.collection('interactions').find({ clientId: tenant.id }).sort({ interactionDate: 1 }).toArray()
    t.same(stored.map((doc) => doc.interactionDate.toISOString()), ['1900-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'])
  })

  t.test('the seed contract keeps its error bodies for dates outside the range, and counts the whole range', async (t) => {
    const bad: [string, string][] = [
      ['start_date=0000-01-01', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['start_date=1899-12-31', 'Invalid start_date format. Use YYYY-MM-DD.'],
      ['end_date=10000-01-01', 'Invalid end_date format. Use YYYY-MM-DD.'],
      ['end_date=2019-02-29', 'Invalid end_date format. Use YYYY-MM-DD.']
    ]
    for (const [query, error] of bad) {
      const res = await send('GET', `/api/v1/interactions/1?${query}`, undefined, tenant.keys.agent)
      t.same([res.statusCode, res.json()], [400, { error }], query)
    }
    const all = await send('GET', '/api/v1/interactions/1?start_date=1900-01-01&end_date=9999-12-31', undefined, tenant.keys.agent)
    t.same([all.statusCode, all.body], [200, '{"data":{"customer_id":1,"interactions":{"Email":2}}}'])
  })

  t.test('statistics periods at the ends of the range: buckets, months, zones and the previous period', async (t) => {
    const weeks = await send('GET', '/api/v1/stats/volume?interval=week&from=9999-12-25&to=9999-12-31&tz=Etc/GMT%2B12')
    t.same([weeks.statusCode, weeks.json().current.buckets.map((bucket: { start: string, total: number }) => [bucket.start, bucket.total])],
      [200, [['9999-12-20', 0], ['9999-12-27', 1]]])
    const months = await send('GET', '/api/v1/stats/volume?interval=month&from=9999-12-01&to=9999-12-31&tz=Pacific/Kiritimati')
    t.same([months.statusCode, months.json().current.buckets.map((bucket: { start: string, total: number }) => [bucket.start, bucket.total])],
      [200, [['9999-12-01', 0]]], 'in UTC+14 the last instant falls on 10000-01-01, outside the period')
    const first = await send('GET', '/api/v1/stats/volume?interval=day&from=1900-01-01&to=1900-01-01')
    t.same([first.statusCode, first.json().current.total], [200, 1])
    const previous = await send('GET', '/api/v1/stats/sentiment?from=1900-01-02&to=1900-01-02&compare=previous')
    t.same([previous.statusCode, previous.json().previous.period, previous.json().previous.channels[0].total], [200, { from: '1900-01-01', to: '1900-01-01' }, 1])
    for (const url of ['/api/v1/stats/sentiment?from=1900-01-02&to=1900-01-03&compare=previous', '/api/v1/stats/volume?from=1900-01-01&to=1900-01-31&compare=previous']) {
      const res = await send('GET', url)
      t.same([res.statusCode, res.json().code], [400, 'PREVIOUS_PERIOD_OUT_OF_RANGE'], url)
    }
    const performance = await send('GET', '/users/performance?start_date=9999-12-31&end_date=9999-12-31&tz=Pacific/Kiritimati')
    t.equal(performance.statusCode, 200, 'the day after the last day is an instant in every zone')
    const early = await send('GET', '/users/performance?start_date=1899-12-31')
    t.same([early.statusCode, early.json()], [400, { error: 'querystring/start_date must match format "date"' }])
  })

  t.test('a products-of-discussion month at the end of the range tags its month; one outside is a 400', async (t) => {
    const last = await send('POST', '/api/v1/topics', { month: '9999-12', product: 'Sand' })
    t.same([last.statusCode, last.json().interactionsTagged], [201, 1], 'the month ending at 10000-01-01 is bounded by a real instant')
    for (const month of ['0000-01', '1899-12', '10000-01']) t.equal((await send('POST', '/api/v1/topics', { month, product: 'Boat' })).statusCode, 400, month)
    t.equal(await count('topics'), 1)
  })

  t.test('messenger since: a leap second is a 400 naming the field', async (t) => {
    const user = (await send('POST', '/api/v1/users', { name: 'Ada', role: 'agent' }, tenant.keys.admin)).json()
    const res = await send('GET', `/api/v1/users/${user.id}/direct-messages?since=2016-12-31T23:59:60Z`, undefined, tenant.keys.agent)
    t.same([res.statusCode, res.json().details], [400, [{ field: 'querystring/since', message: 'must match format "date-time"' }]])
  })

  t.test('imported dates: years are taken as written, the range is kept, a rejected cell names the reason', async (t) => {
    const rows = [
      ['31/12/9999 23:59', 'kept: the last minute'], ['01/01/1900 00:00', 'kept: the first day'], ['2958465.99998', 'kept: the last Excel serial'],
      ['01/01/0099 10:00', 'year 99'], ['31/12/1899', 'before 1900'], ['04/10/19', 'two-digit year'], ['2958466', 'serial past 9999'],
      ['2958465.999999', 'rounds to 10000-01-01'], ['2019-10-04T09:00:60Z', 'leap second'], ['0000-01-01', 'year 0']
    ]
    const csv = `Date Start,Interaction,Customers\r\n${rows.map(([date], n) => `${date},Call,${100 + n}`).join('\r\n')}\r\n`
    const res = await upload(app, tenant.keys.admin, { name: 'edges.csv', content: csv })
    t.equal(res.statusCode, 201)
    t.same(res.json().rejects.map((reject: { row: number, reason: string }) => [reject.row, reject.reason]), [
      [5, '"01/01/0099 10:00" is not a valid day-first date (year 99 is outside the supported dates (1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z))'],
      [6, '"31/12/1899" is not a valid day-first date (year 1899 is outside the supported dates (1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z))'],
      [7, '"04/10/19" is not a date (expected DD/MM/YYYY [HH:MM], ISO 8601 or an Excel serial)'],
      [8, '2958466 is not an Excel date serial'],
      [9, '2958465.999999 is not an Excel date serial'],
      [10, '"2019-10-04T09:00:60Z" is not a valid ISO 8601 date'],
      [11, '"0000-01-01" is not a valid ISO 8601 date (year 0 is outside the supported dates (1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z))']
    ])
    const stored = await db.collection('interactions').find({ clientId: tenant.id, customerId: { $gte: 100 } }).sort({ customerId: 1 }).toArray()
    t.same(stored.map((doc) => doc.interactionDate.toISOString()), ['9999-12-31T23:59:00.000Z', '1900-01-01T00:00:00.000Z', '9999-12-31T23:59:58.000Z'])
  })
})
