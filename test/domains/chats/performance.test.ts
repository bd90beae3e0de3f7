import t from 'tap'
import { buildTestApp, bearer } from '../../helper.js'

const manager = bearer('sb_demo_acme_manager')

const noChats = { chats_handled: 0, chats_completed: 0, average_handling_time_s: null, median_handling_time_s: null, p90_handling_time_s: null, average_first_response_time_s: null }

t.test('GET /users/performance with the demo data', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const performance = async (query = '') => {
    const res = await app.inject({ method: 'GET', url: `/users/performance${query}`, headers: manager })
    t.equal(res.statusCode, 200, query)
    return res.json().data
  }

  t.test('answers the seed\'s figures for every user, including one with no chats', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/performance', headers: manager })
    t.equal(res.statusCode, 200)
    t.same(res.json(), {
      data: [
        { user_id: 1, name: 'Test User 1', chats_handled: 2, chats_completed: 1, average_handling_time_s: 300, median_handling_time_s: 300, p90_handling_time_s: 300, average_first_response_time_s: 90, messages_sent: 3 },
        { user_id: 2, name: 'Test User 2', ...noChats, messages_sent: 0 },
        { user_id: 3, name: 'Test User 3', chats_handled: 2, chats_completed: 2, average_handling_time_s: 390, median_handling_time_s: 180, p90_handling_time_s: 600, average_first_response_time_s: 120, messages_sent: 3 }
      ]
    })
  })

  t.test('the seed\'s day counts everything, the next day nothing', async (t) => {
    t.same(await performance('?start_date=2020-09-29&end_date=2020-09-29'), await performance())
    t.same(await performance('?start_date=2020-09-30'), [1, 2, 3].map((id) => ({ user_id: id, name: `Test User ${id}`, ...noChats, messages_sent: 0 })))
  })

  t.test('days are taken in the time zone tz', async (t) => {
    // In Pacific/Gambier (UTC−9, no daylight saving) 29 September begins at 09:00 UTC: chat 4 (08:44) falls on the 28th.
    const before = await performance('?end_date=2020-09-28&tz=Pacific/Gambier')
    t.same(before.map((row: { chats_handled: number }) => row.chats_handled), [0, 0, 1])
    t.match(before[2], { chats_completed: 1, average_handling_time_s: 600, average_first_response_time_s: 120, messages_sent: 2 })
    const after = await performance('?start_date=2020-09-29&tz=Pacific/Gambier')
    t.match(after[0], { chats_handled: 2, chats_completed: 1, average_handling_time_s: 300, messages_sent: 3 })
    t.match(after[2], { chats_handled: 1, chats_completed: 1, average_handling_time_s: 180, p90_handling_time_s: 180, messages_sent: 1 })
    t.same(await performance('?start_date=2020-09-29&end_date=2020-09-29&tz=Europe/Dublin'), await performance())
  })

  t.test('refuses a bad time zone, date or range with a 400', async (t) => {
    const cases: [string, string][] = [
      ['?tz=Mars/Olympus_Mons', 'tz must be an IANA time zone such as Europe/Dublin; got "Mars/Olympus_Mons"'],
      ['?start_date=2020-02-30', 'querystring/start_date must match format "date"'],
      ['?end_date=29/09/2020', 'querystring/end_date must match format "date"'],
      ['?start_date=2020-09-30&end_date=2020-09-29', 'end_date must not be before start_date'],
      ['?user_id=1', 'querystring must NOT have additional properties']
    ]
    for (const [query, error] of cases) {
      const res = await app.inject({ method: 'GET', url: `/users/performance${query}`, headers: manager })
      t.equal(res.statusCode, 400, query)
      t.same(res.json(), { error }, query)
    }
  })

  t.test('is for managers: an agent key is refused', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/performance', headers: bearer('sb_demo_acme_agent') })
    t.equal(res.statusCode, 403)
    t.same(res.json(), { error: 'This route needs the manager role; this key has agent' })
  })

  t.test('another client sees only its own users', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/performance', headers: bearer('sb_demo_topbox_manager') })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { data: [] })
  })

  t.test('is not shadowed by GET /users/:user_id, which still answers users', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/1', headers: manager })
    t.same(res.json(), { user_id: 1, name: 'Test User 1' })
  })
})
