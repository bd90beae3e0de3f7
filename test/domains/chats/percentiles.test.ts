import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../../helper.js'

/** A small deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random (seed: number) {
  return (max: number) => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * max)
  }
}

/** The documented definition: the value at 1-based rank ⌈p·n⌉ of the ascending values. */
function nearestRank (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = values.slice().sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length

t.test('handling-time percentiles on a generated set match a computation done here', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app)
  const clientId = tenant.id
  const db = app.mongo.db
  const next = random(20200929)
  const base = Date.parse('2024-03-01T08:00:00Z')
  const expected = new Map<number, { durations: number[], responses: number[], sent: number, handled: number }>()
  const chats: Record<string, unknown>[] = []
  const messages: Record<string, unknown>[] = []

  for (const [userId, completed] of [[1, 250], [2, 10], [3, 1], [4, 0]]) {
    await app.usersRepository.create(clientId, { name: `Agent ${userId}`, role: 'agent' })
    const stats = { durations: [] as number[], responses: [] as number[], sent: 0, handled: 0 }
    expected.set(userId, stats)
    for (let i = 0; i < completed + 3; i++) {
      const chatId = chats.length + 1
      const handleStart = base + next(30 * 86_400) * 1000
      const duration = userId === 2 ? (i + 1) * 60 : 1 + next(3600)
      const isCompleted = i < completed
      chats.push({
        _id: new ObjectId(), clientId, chatId, customerName: `Customer ${chatId}`, state: isCompleted ? 'closed' : 'open', userId,
        created: new Date(handleStart - 60_000), handleStart: new Date(handleStart), ...(isCompleted ? { handleEnd: new Date(handleStart + duration * 1000) } : {})
      })
      stats.handled++
      if (isCompleted) stats.durations.push(duration)
      if (i % 4 !== 0) continue
      const firstCustomer = handleStart + next(60) * 1000
      const response = 1 + next(600)
      const message = (userIdOf: number | undefined, at: number) => messages.push({
        _id: new ObjectId(), clientId, chatId, messageId: messages.length + 1, text: 'hi', sentAt: new Date(at), ...(userIdOf ? { userId: userIdOf } : {})
      })
      message(userId, firstCustomer - 5000)
      message(undefined, firstCustomer)
      message(undefined, firstCustomer + 1000)
      message(userId, firstCustomer + response * 1000)
      message(userId, firstCustomer + response * 1000 + 1000)
      stats.responses.push(response)
      stats.sent += 3
    }
  }
  await db.collection('chats').insertMany(chats)
  await db.collection('messages').insertMany(messages)

  const res = await app.inject({ method: 'GET', url: '/users/performance', headers: bearer(tenant.keys.manager) })
  t.equal(res.statusCode, 200)
  const rows = res.json().data
  t.same(rows.map((row: { user_id: number }) => row.user_id), [1, 2, 3, 4])
  for (const row of rows) {
    const stats = expected.get(row.user_id)
    if (!stats) throw new Error(`unexpected user ${row.user_id}`)
    const round3 = (value: number) => Math.round(value * 1000) / 1000
    t.same(row, {
      user_id: row.user_id,
      name: `Agent ${row.user_id}`,
      chats_handled: stats.handled,
      chats_completed: stats.durations.length,
      average_handling_time_s: stats.durations.length ? round3(mean(stats.durations)) : null,
      median_handling_time_s: nearestRank(stats.durations, 0.5),
      p90_handling_time_s: nearestRank(stats.durations, 0.9),
      average_first_response_time_s: stats.responses.length ? round3(mean(stats.responses)) : null,
      messages_sent: stats.sent
    }, `user ${row.user_id}`)
  }

  t.match(rows[1], { median_handling_time_s: 300, p90_handling_time_s: 540 }, '1..10 minutes: the 5th and the 9th value, not interpolated')
  t.match(rows[2], { median_handling_time_s: rows[2].average_handling_time_s, p90_handling_time_s: rows[2].average_handling_time_s }, 'one value is every percentile')
})
