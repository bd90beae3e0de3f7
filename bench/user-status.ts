/**
 * User status benchmark (not a test): one client with U users (default 1,000) each holding a bound key, then M status
 * updates (default 5,000) through app.inject, 20 in flight, each by a random user for itself. Measured in the same run
 * against M reads of one user (GET /api/v1/users/{id}) and M direct messages (POST /api/v1/direct-messages), so the
 * ratios hold on a busy machine (after an untimed warm-up round of reads). Also checks that updates leave the users collection the same size (no history).
 * Run: npx tsx bench/user-status.ts [U] [M]
 */
import { calculateObjectSize } from 'bson'
import { buildApp } from '../src/app.js'
import { cpuMs, load, log } from './measure.js'

const USERS = Math.min(Number(process.argv[2] ?? 1_000), 100_000)
const M = Math.min(Number(process.argv[3] ?? 5_000), 1_000_000)
const IN_FLIGHT = 20
const states = ['online', 'away', 'busy', 'offline'] as const

const app = await buildApp({
  env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_DB: 'bench_user_status', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0' },
  logger: false,
  migrate: true
})
await app.ready()
const client = await app.clientsRepository.create({ name: 'Bench', nickName: 'bench' })
const keys: string[] = []
for (let i = 0; i < USERS; i++) {
  const user = await app.usersRepository.create(client._id, { name: `user ${i + 1}`, role: 'agent' })
  keys.push((await app.apiKeysRepository.create(client._id, `user ${user.userId}`, 'agent', { userId: user.userId })).key)
}
const users = app.mongo.db.collection('users')
const collectionBytes = async () => {
  let bytes = 0
  for await (const doc of users.find({ clientId: client._id })) bytes += calculateObjectSize(doc)
  return { bytes, count: await users.countDocuments({ clientId: client._id }) }
}
log(`${USERS.toLocaleString('en')} users, ${M.toLocaleString('en')} requests per kind, ${IN_FLIGHT} in flight; load average ${load()}`)

type Request = (i: number) => { method: 'GET' | 'POST' | 'PUT', url: string, key: string, payload?: object }
const pick = (i: number) => (i * 7919) % USERS

async function measure (name: string, request: Request): Promise<number> {
  const started = performance.now()
  const cpuStarted = cpuMs()
  let next = 0
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < M) {
      const { method, url, key, payload } = request(next++)
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) })
      if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`)
    }
  }))
  const wall = performance.now() - started
  const cpu = cpuMs() - cpuStarted
  log(`${name}: ${(M / (wall / 1000)).toFixed(0)} per second wall-clock, ${(cpu / M).toFixed(2)} ms CPU each`)
  return cpu / M
}

await measure('warm-up: GET /api/v1/users/{id}', (i) => ({ method: 'GET', url: `/api/v1/users/${pick(i) + 1}`, key: keys[0] as string }))
const read = await measure('GET /api/v1/users/{id}', (i) => ({ method: 'GET', url: `/api/v1/users/${pick(i) + 1}`, key: keys[0] as string }))
const firstStatuses = await measure('PUT /api/v1/users/{id}/status (first set)', (i) =>
  ({ method: 'PUT', url: `/api/v1/users/${pick(i) + 1}/status`, key: keys[pick(i)] as string, payload: { state: states[i % 4], text: `status ${i}` } }))
const bytesBefore = await collectionBytes()
const status = await measure('PUT /api/v1/users/{id}/status', (i) =>
  ({ method: 'PUT', url: `/api/v1/users/${pick(i) + 1}/status`, key: keys[pick(i)] as string, payload: { state: states[i % 4], text: `Status ${i}` } }))
const bytesAfter = await collectionBytes()
const message = await measure('POST /api/v1/direct-messages', (i) =>
  ({ method: 'POST', url: '/api/v1/direct-messages', key: keys[pick(i)] as string, payload: { recipientId: ((pick(i) + 1) % USERS) + 1, text: `message ${i}` } }))
log(`status update CPU: ${(status / read).toFixed(2)}× a user read, ${(status / message).toFixed(2)}× a direct message (first sets: ${(firstStatuses / read).toFixed(2)}× a read)`)
log(`the client's users: ${bytesBefore.count} documents, ${bytesBefore.bytes.toLocaleString('en')} bytes before ${M.toLocaleString('en')} more updates; ` +
  `${bytesAfter.count} documents, ${bytesAfter.bytes.toLocaleString('en')} bytes after (the same states, texts of the same length)`)
log(`load average ${load()}`)
await app.close()
