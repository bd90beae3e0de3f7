import t from 'tap'
import { buildTestApp, bearer } from '../../helper.js'

const manager = bearer('sb_demo_acme_manager')

t.test('GET /users/performance', async (t) => {
  const app = await buildTestApp(t, { seed: true })

  t.test('answers the seed\'s figures for every user, including one with no chats', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/performance', headers: manager })
    t.equal(res.statusCode, 200)
    t.same(res.json(), {
      data: [
        { user_id: 1, name: 'Test User 1', chats_handled: 2, chats_completed: 1, average_handling_time_s: 300, median_handling_time_s: 300, p90_handling_time_s: 300, average_first_response_time_s: 90, messages_sent: 3 },
        { user_id: 2, name: 'Test User 2', chats_handled: 0, chats_completed: 0, average_handling_time_s: null, median_handling_time_s: null, p90_handling_time_s: null, average_first_response_time_s: null, messages_sent: 0 },
        { user_id: 3, name: 'Test User 3', chats_handled: 2, chats_completed: 2, average_handling_time_s: 390, median_handling_time_s: 180, p90_handling_time_s: 600, average_first_response_time_s: 120, messages_sent: 3 }
      ]
    })
  })
})
