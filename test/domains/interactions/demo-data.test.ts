import t from 'tap'
import { bearer, buildTestApp } from '../../helper.js'
import { seedDemo } from '../../../mock_data/seed.js'
import { counts } from './fixtures.js'

t.test('demo data: the seed examples answer as documented with the demo keys', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const get = (url: string, key: string) => app.inject({ method: 'GET', url, headers: bearer(key) })

  t.test('acme answers the spreadsheet seed\'s example byte for byte', async (t) => {
    const res = await get('/api/v1/interactions/1', 'sb_demo_acme_agent')
    t.equal(res.body, '{"data":{"customer_id":1,"interactions":{"Email":1,"Call":0,"Bird":0}}}')
    const four = await get('/api/v1/interactions/4?start_date=2019-10-01&end_date=2020-03-05', 'sb_demo_acme_agent')
    t.equal(four.body, '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}')
  })

  t.test('acme holds the spreadsheet tables exactly, customer 4 inferred', async (t) => {
    const customers = (await get('/api/v1/customers', 'sb_demo_acme_agent')).json().data
    t.same(customers.map((c: { customerId: number, occupation: string | null, type: string | null, inferred: boolean }) => [c.customerId, c.occupation, c.type, c.inferred]), [
      [1, 'Jedi', 'Red', false], [2, 'Batman', 'Orange', false], [3, 'Santa Claus', 'Blue', false], [4, null, null, true],
      [11, 'Doctor', 'Orange', false], [12, 'Plummer', 'Red', false]
    ])
    const topics = (await get('/api/v1/topics', 'sb_demo_acme_agent')).json().data
    t.same(topics.map((topic: { month: string, product: string }) => [topic.month, topic.product]), [['2019-01', 'Sand'], ['2019-02', 'Sand'], ['2021-10', 'Orange']])
    const interactions = (await get('/api/v1/interactions', 'sb_demo_acme_agent')).json().data
    t.same(interactions.map((i: { interactionDate: string, customerId: number }) => [i.interactionDate, i.customerId]), [
      ['2021-06-04T13:01:00.000Z', 3], ['2020-03-05T11:23:00.000Z', 4], ['2020-02-11T16:10:00.000Z', 4], ['2019-10-04T09:00:00.000Z', 1]
    ])
  })

  t.test('topbox answers the engagement-store seed\'s example interaction byte for byte', async (t) => {
    const res = await get('/interactions/5f18d12f42262eec0d43567d', 'sb_demo_topbox_agent')
    t.equal(res.body, '{"_id":{"$oid":"5f18d12f42262eec0d43567d"},"engagementId":{"$oid":"5f18d12f42262eec0d435583"},' +
      '"interactionDate":{"$date":1589630400000},"agentName":"John Ford","sentiment":"Negative",' +
      '"custom":{"csvName":"2020_16_05_report.csv","agentFirstName":"John","agentLastName":"Ford"}}')
    const channels = (await get('/api/v1/engagements', 'sb_demo_topbox_agent')).json().data
    t.same(channels.map((e: { name: string }) => e.name), ['SMS', 'Chat', 'Facebook', 'Phone', 'Twitter'])
    t.equal(channels[3].id, '5f18d12f42262eec0d435583')
  })

  t.test('topbox has the example plus three hundred generated interactions over April to June 2020', async (t) => {
    const volume = await get('/api/v1/stats/volume?interval=month&from=2020-04-01&to=2020-06-30', 'sb_demo_topbox_manager')
    t.equal(volume.json().current.total, 301)
    t.equal(volume.json().current.buckets.length, 3)
  })

  t.test('seeding again changes nothing', async (t) => {
    const before = await counts(app)
    t.same(before, { engagements: 8, interactions: 305, customers: 46, topics: 3 })
    await seedDemo(app.mongo.db)
    t.same(await counts(app), before)
  })
})
