import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import { channelCounts, dataCounts, seedWorkbook, upload } from './helper.js'

const counts = (read: number, more: Partial<Record<string, number>> = {}) =>
  ({ read, inserted: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, inferredCustomers: 0, ...more })

t.test('the seed workbook on a fresh client', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'fresh')

  t.test('gives exactly the seed\'s figures', async (t) => {
    const res = await upload(app, tenant.keys.admin, seedWorkbook)
    t.equal(res.statusCode, 201, res.body)
    const report = res.json()
    t.equal(res.headers.location, `/api/v1/imports/${report.id}`)
    t.match(report, { fileName: 'seed-interactions.xlsx', format: 'xlsx', dryRun: false, dateOrder: 'day-first', status: 'completed', error: null })
    t.same(report.sheets, [
      { sheet: 'Customers', kind: 'customers', ignoredColumns: [], ...counts(5, { inserted: 5 }) },
      { sheet: 'Products of discussion', kind: 'topics', ignoredColumns: [], ...counts(3, { inserted: 3 }) },
      { sheet: 'External interactions', kind: 'interactions', ignoredColumns: [], ...counts(4, { inserted: 4, inferredCustomers: 1 }) }
    ])
    t.same(report.totals, counts(12, { inserted: 12, inferredCustomers: 1 }))
    t.same([report.newChannels, report.inferredCustomerIds, report.rejects, report.rejectsTotal, report.skippedSheets], [['Email', 'Call', 'Bird'], [4], [], 0, []])

    t.same(await channelCounts(app, tenant.keys.agent, 1), { status: 200, body: '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}' })
    t.same(await channelCounts(app, tenant.keys.agent, 4), { status: 200, body: '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}' })
    t.same(await channelCounts(app, tenant.keys.agent, 4, '?start_date=2019-10-01&end_date=2020-03-05'),
      { status: 200, body: '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}' })
    const customer4 = await app.inject({ method: 'GET', url: '/api/v1/customers/4', headers: bearer(tenant.keys.agent) })
    t.match(customer4.json(), { customerId: 4, occupation: null, type: null, inferred: true })
    t.same(await dataCounts(app, tenant.id), { customers: 6, engagements: 3, interactions: 4, topics: 3 })
  })

  t.test('imported again changes nothing: every row is unchanged', async (t) => {
    const before = await dataCounts(app, tenant.id)
    const res = await upload(app, tenant.keys.admin, seedWorkbook)
    t.equal(res.statusCode, 201)
    t.same(res.json().sheets.map((sheet: { unchanged: number, read: number }) => [sheet.read, sheet.unchanged]), [[5, 5], [3, 3], [4, 4]])
    t.same(res.json().totals, counts(12, { unchanged: 12 }))
    t.same([res.json().newChannels, res.json().inferredCustomerIds], [[], []])
    t.same(await dataCounts(app, tenant.id), before)
    t.same(await channelCounts(app, tenant.keys.agent, 1), { status: 200, body: '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}' })
  })
})

t.test('the seed workbook imported into the demo client acme, which the demo seeder loaded, changes nothing', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const acme = (await app.clientsRepository.listAll()).find((client) => client.nickName === 'acme')
  const before = await dataCounts(app, acme?._id)
  const res = await upload(app, 'sb_demo_acme_admin', seedWorkbook)
  t.equal(res.statusCode, 201, res.body)
  t.same(res.json().totals, counts(12, { unchanged: 12 }))
  t.same(await dataCounts(app, acme?._id), before)
  t.same(await channelCounts(app, 'sb_demo_acme_agent', 1), { status: 200, body: '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}' })
  t.same(await channelCounts(app, 'sb_demo_acme_agent', 4), { status: 200, body: '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}' })
})
