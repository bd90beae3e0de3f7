import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import { channelCounts, correctionsCsv, dataCounts, messyCsv, seedWorkbook, upload } from './helper.js'

const sheet = 'messy-interactions.csv'
const messyRejects = [
  { sheet, row: 8, column: 'Date Start', value: '31/02/2020 10:00', reason: '"31/02/2020 10:00" is not a valid day-first date' },
  { sheet, row: 9, column: 'Date Start', value: '10/13/2020 10:00', reason: '"10/13/2020 10:00" is not a valid day-first date (it reads as month-first: import with --date-order month-first)' },
  { sheet, row: 11, column: 'Customers', value: 'abc', reason: '"abc" is not a whole number' },
  { sheet, row: 12, column: 'Interaction', value: '', reason: 'is empty' },
  { sheet, row: 17, column: 'Date Start', value: 'yesterday', reason: '"yesterday" is not a date (expected DD/MM/YYYY [HH:MM], ISO 8601 or an Excel serial)' },
  { sheet, row: 18, column: 'Customers', value: '-1', reason: '"-1" is not a whole number' }
]
const messyCounts = { read: 16, inserted: 7, updated: 0, unchanged: 0, duplicates: 3, rejected: 6, inferredCustomers: 5 }

t.test('a messy CSV export', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'messy')
  const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(tenant.keys.manager) })

  t.test('a dry run gives the full report and writes nothing', async (t) => {
    const res = await upload(app, tenant.keys.admin, messyCsv, { query: 'dry_run=true' })
    t.equal(res.statusCode, 201, res.body)
    const report = res.json()
    t.match(report, { dryRun: true, status: 'completed', format: 'csv' })
    t.same(report.sheets, [{ sheet, kind: 'interactions', ignoredColumns: ['Notes'], ...messyCounts }])
    t.same(report.rejects, messyRejects)
    t.same(report.newChannels, ['Email', 'Call', 'Bird', 'Carrier Pigeon', 'SMS'])
    t.same(report.inferredCustomerIds, [1, 2, 3, 4, 7])
    t.same(await dataCounts(app, tenant.id), { customers: 0, engagements: 0, interactions: 0, topics: 0 })
  })

  t.test('imported, it cleans every row, keeps each duplicate once and lists every reject', async (t) => {
    const res = await upload(app, tenant.keys.admin, messyCsv)
    t.equal(res.statusCode, 201, res.body)
    const report = res.json()
    t.same(report.sheets, [{ sheet, kind: 'interactions', ignoredColumns: ['Notes'], ...messyCounts }], 'the same counts as the dry run')
    t.same(report.rejects, messyRejects)
    t.same(await dataCounts(app, tenant.id), { customers: 5, engagements: 5, interactions: 7, topics: 0 })
    t.same(await channelCounts(app, tenant.keys.agent, 1),
      { status: 200, body: '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0,"Carrier Pigeon":0,"SMS":0}}}' })
    t.same(await channelCounts(app, tenant.keys.agent, 7),
      { status: 200, body: '{"data":{"customer_id":7,"interactions":{"Email":0,"Call":0,"Bird":0,"Carrier Pigeon":0,"SMS":1}}}' })
    const dates = await app.mongo.db.collection('interactions').find({ clientId: tenant.id }).sort({ interactionDate: 1 }).toArray()
    t.same(dates.map((doc) => [doc.interactionDate.toISOString(), doc.customerId]), [
      ['2019-10-04T09:00:00.000Z', 1], ['2019-10-04T09:00:00.000Z', 2], ['2020-02-11T16:10:00.000Z', 4], ['2020-03-05T11:23:00.000Z', 4],
      ['2020-03-12T08:15:00.000Z', 3], ['2020-04-15T09:30:00.000Z', 7], ['2021-06-04T13:01:00.000Z', 3]
    ], 'day-first, ISO 8601 and Excel serial dates')

    const rejects = await get(`/api/v1/imports/${report.id}/rejects.csv`)
    t.equal(rejects.statusCode, 200)
    t.equal(rejects.headers['content-type'], 'text/csv; charset=utf-8')
    t.equal(rejects.headers['content-disposition'], `attachment; filename="import-${report.id}-rejects.csv"`)
    t.equal(rejects.body, [
      'sheet,row,column,value,reason',
      'messy-interactions.csv,8,Date Start,31/02/2020 10:00,"""31/02/2020 10:00"" is not a valid day-first date"',
      'messy-interactions.csv,9,Date Start,10/13/2020 10:00,"""10/13/2020 10:00"" is not a valid day-first date (it reads as month-first: import with --date-order month-first)"',
      'messy-interactions.csv,11,Customers,abc,"""abc"" is not a whole number"',
      'messy-interactions.csv,12,Interaction,,is empty',
      'messy-interactions.csv,17,Date Start,yesterday,"""yesterday"" is not a date (expected DD/MM/YYYY [HH:MM], ISO 8601 or an Excel serial)"',
      'messy-interactions.csv,18,Customers,-1,"""-1"" is not a whole number"',
      ''
    ].join('\r\n'))
  })

  t.test('a new channel becomes a new engagement', async (t) => {
    const res = await get('/api/v1/engagements?limit=10')
    t.same(res.json().data.map((engagement: { name: string, source: string }) => [engagement.name, engagement.source]), [
      ['Email', 'import: messy-interactions.csv'], ['Call', 'import: messy-interactions.csv'], ['Bird', 'import: messy-interactions.csv'],
      ['Carrier Pigeon', 'import: messy-interactions.csv'], ['SMS', 'import: messy-interactions.csv']
    ])
  })

  t.test('the same file again changes nothing', async (t) => {
    const before = await dataCounts(app, tenant.id)
    const res = await upload(app, tenant.keys.admin, messyCsv)
    t.same(res.json().sheets[0], { sheet, kind: 'interactions', ignoredColumns: ['Notes'], ...messyCounts, inserted: 0, unchanged: 7, inferredCustomers: 0 })
    t.same(await dataCounts(app, tenant.id), before)
  })

  t.test('the report is kept: listed newest first and fetched by id', async (t) => {
    const list = await get('/api/v1/imports?limit=2')
    t.equal(list.statusCode, 200)
    const [latest, previous] = list.json().data
    t.same([latest.dryRun, latest.totals.unchanged, previous.totals.inserted], [false, 7, 7])
    t.notOk('rejects' in latest, 'the list leaves the rejected cells out')
    const next = await get(`/api/v1/imports?limit=2&cursor=${list.json().nextCursor}`)
    t.same(next.json().data.map((run: { dryRun: boolean }) => run.dryRun), [true])
    const one = await get(`/api/v1/imports/${latest.id}`)
    t.same(one.json(), { ...latest, rejects: messyRejects })
  })
})

t.test('a later file with corrections updates the affected records', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'corrected')
  await upload(app, tenant.keys.admin, seedWorkbook)
  const before = await dataCounts(app, tenant.id)
  const get = (id: number) => app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: bearer(tenant.keys.agent) })
  const expected = [{
    sheet: 'customers-corrections.csv', kind: 'customers', ignoredColumns: [], read: 2, inserted: 0, updated: 2, unchanged: 0, duplicates: 0, rejected: 0, inferredCustomers: 0
  }]

  const dry = await upload(app, tenant.keys.admin, correctionsCsv, { fields: { dry_run: 'true' } })
  t.same(dry.json().sheets, expected, 'a dry run foresees both updates')
  t.match((await get(12)).json(), { occupation: 'Plummer' }, 'and changes nothing')
  t.match((await get(4)).json(), { inferred: true })

  const res = await upload(app, tenant.keys.admin, correctionsCsv)
  t.equal(res.statusCode, 201, res.body)
  t.same(res.json().sheets, expected)
  t.same(await dataCounts(app, tenant.id), before)
  t.match((await get(12)).json(), { customerId: 12, occupation: 'Plumber', type: 'Red', inferred: false })
  t.match((await get(4)).json(), { customerId: 4, occupation: 'Pilot', type: 'Blue', inferred: false })
  t.match((await get(1)).json(), { customerId: 1, occupation: 'Jedi', type: 'Red', inferred: false })
  t.same(await channelCounts(app, tenant.keys.agent, 4), { status: 200, body: '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}' })
})
