import t from 'tap'
import { buildTestApp, bearer } from './helper.js'
import { seedDemo, describeDemoClients } from '../mock_data/seed.js'
import { demoKey } from '../mock_data/demo-clients.js'

t.test('demo data', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const db = app.mongo.db

  t.test('the demo clients exist and their demo keys work, each seeing only its own client', async (t) => {
    for (const nick of ['acme', 'topbox', 'guild'] as const) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(demoKey(nick, 'agent')) })
      t.equal(res.statusCode, 200)
      t.same(res.json().data.map((client: { nickName: string }) => client.nickName), [nick])
    }
  })

  t.test('the seed\'s users are there: GET /users/1 for acme', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/users/1', headers: bearer(demoKey('acme', 'agent')) })
    t.equal(res.statusCode, 200)
    t.equal(res.body, '{"user_id":1,"name":"Test User 1"}')
  })

  t.test('seeding again changes nothing', async (t) => {
    const collections = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => name !== 'migrations').sort()
    const before = await Promise.all(collections.map((name) => db.collection(name).countDocuments()))
    const steps: string[] = []
    const clients = await seedDemo(db, (_done, _total, step) => steps.push(step))
    const after = await Promise.all(collections.map((name) => db.collection(name).countDocuments()))
    t.same(after, before)
    t.equal(steps.at(-1), 'done', 'reports progress to the end')
    t.same(clients.map((client) => client.nickName), ['acme', 'topbox', 'guild'])
  })

  t.test('the start-up banner lists each demo client with its keys', async (t) => {
    const text = describeDemoClients(await seedDemo(db))
    t.match(text, /acme {4}Acme Contact Centre/)
    t.match(text, /admin: sb_demo_acme_admin {3}manager: sb_demo_acme_manager {3}agent: sb_demo_acme_agent/)
    t.match(text, /bound to a user: 1 Test User 1: sb_demo_acme_user1 {3}2 Test User 2: sb_demo_acme_user2 {3}3 Test User 3: sb_demo_acme_user3/)
    t.match(text, /bound to a user: 1 aaron: sb_demo_guild_aaron {3}2 betty: sb_demo_guild_betty {3}3 carol: sb_demo_guild_carol/)
  })

  t.test('each demo user has a bound key that acts as that user only', async (t) => {
    for (const [key, userId] of [['sb_demo_guild_aaron', 1], ['sb_demo_guild_betty', 2], ['sb_demo_guild_carol', 3], ['sb_demo_acme_user1', 1], ['sb_demo_acme_user3', 3]] as const) {
      const own = await app.inject({ method: 'GET', url: `/api/v1/users/${userId}/chatrooms`, headers: bearer(key) })
      t.equal(own.statusCode, 200, `${key} reads user ${userId}'s rooms`)
      const other = await app.inject({ method: 'GET', url: `/api/v1/users/${userId === 1 ? 2 : 1}/chatrooms`, headers: bearer(key) })
      t.equal(other.statusCode, 403, `${key} reads nobody else's`)
    }
    const stored = await db.collection('apiKeys').find({ userId: { $exists: true } }).toArray()
    t.equal(stored.length, 6)
    t.ok(stored.every((key) => key.role === 'agent'))
  })
})
