/**
 * Statistics over a fixed week as a client's history grows (not a test): the app on the embedded engine (in this
 * process, its default mode), one client with a fixed week of interactions and chats (2025-03-03 to 2025-03-09), first
 * with a history of 10,000 interactions (1,000 chats, 3 messages each) in all, then 200,000 (20,000 chats): the same
 * week's documents in both, the rest before it. Every route is asked for that week WARM times, then RUNS rounds of
 * every route in turn are measured; the medians are compared (bound: 1.5×) and the answers at both sizes must match.
 * Run: npm run bench:stats-growth [-- --small 10000 --large 200000]
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { ObjectId, type Db, type Document } from 'mongodb'
import { buildApp } from '../src/app.js'
import { load, log } from './measure.js'

const { values } = parseArgs({ options: { small: { type: 'string', default: '10000' }, large: { type: 'string', default: '200000' } } })
const SMALL = Number(values.small)
const LARGE = Number(values.large)
const WARM = 5
const RUNS = 40
const BATCH = 1000
const WEEK_START = Date.UTC(2025, 2, 3)
const DAY = 86_400_000
const WEEK_INTERACTIONS = 1400
const WEEK_CHATS = 140
const CUSTOMERS = 2000
const TARGET = 42
const USERS = 20
const CHANNELS = ['Email', 'Call', 'Chat', 'SMS', 'Bird', 'Twitter']
const SENTIMENTS = ['positive', 'neutral', 'negative']
const settle = (): void => { (globalThis as { gc?: () => void }).gc?.() }

const app = await buildApp({
  env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_DB: 'bench_stats', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0' },
  logger: false,
  migrate: true
})
await app.ready()
const db: Db = app.mongo.db
const client = await app.clientsRepository.create({ name: 'Stats growth', nickName: 'stats-growth' })
const clientId = client._id
const { key } = await app.apiKeysRepository.create(clientId, 'bench', 'manager')
const engagementIds = CHANNELS.map(() => new ObjectId())
const createdAt = new Date(WEEK_START - 400 * DAY)
await db.collection('engagements').insertMany(CHANNELS.map((name, i) => ({ _id: engagementIds[i], clientId, name, createdAt: new Date(createdAt.getTime() + i) })))
await db.collection('customers').insertMany(Array.from({ length: CUSTOMERS }, (_, i) => ({ _id: new ObjectId(), clientId, customerId: i + 1, createdAt })))
await db.collection('users').insertMany(Array.from({ length: USERS }, (_, i) => ({ _id: new ObjectId(), clientId, userId: i + 1, name: `Agent ${i + 1}`, role: 'agent', createdAt })))
await db.collection('topics').insertMany(['p1', 'p2'].map((product) => ({ _id: new ObjectId(), clientId, month: '2025-03', product, createdAt })))

/** Interaction number i: inside the week for i < WEEK_INTERACTIONS, before it (back to years earlier) otherwise. */
function interaction (i: number): Document {
  const at = i < WEEK_INTERACTIONS ? WEEK_START + Math.floor((i * 7 * DAY) / WEEK_INTERACTIONS) : WEEK_START - 60_000 - (i - WEEK_INTERACTIONS) * 600_000
  return {
    _id: new ObjectId(),
    clientId,
    engagementId: engagementIds[i % CHANNELS.length],
    customerId: i % 50 === 0 ? TARGET : (i * 7919) % CUSTOMERS + 1,
    interactionDate: new Date(at),
    ...(i % 4 === 3 ? {} : { sentiment: SENTIMENTS[i % 3] }),
    topics: i % 5 === 0 ? [] : [i % 2 === 0 ? 'p1' : 'p2'],
    topicSource: 'explicit',
    custom: {},
    contentKey: createHash('sha256').update(`bench-${i}`).digest('hex'),
    createdAt: new Date(at)
  }
}

/** Chat number i (the week's first), and its three messages: the customer's, the agent's reply, a follow-up. */
function chat (i: number): { chat: Document, messages: Document[] } {
  const start = i < WEEK_CHATS ? WEEK_START + Math.floor((i * 7 * DAY) / WEEK_CHATS) : WEEK_START - 3_600_000 - (i - WEEK_CHATS) * 3_600_000
  const userId = (i % USERS) + 1
  const chatId = i + 1
  const messages = [0, 1, 2].map((m) => ({
    _id: new ObjectId(), clientId, chatId, messageId: chatId * 3 + m, text: `message ${m}`, ...(m === 1 ? { userId } : {}), sentAt: new Date(start + 30_000 + m * 45_000)
  }))
  return {
    chat: { _id: new ObjectId(), clientId, chatId, customerName: `Customer ${i}`, state: 'closed', userId, created: new Date(start - 60_000), handleStart: new Date(start), handleEnd: new Date(start + 300_000 + (i % 7) * 60_000) },
    messages
  }
}

async function fill (from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += BATCH) {
    await db.collection('interactions').insertMany(Array.from({ length: Math.min(BATCH, to - i) }, (_, k) => interaction(i + k)))
  }
  for (let i = Math.floor(from / 10); i < Math.floor(to / 10); i += BATCH) {
    const made = Array.from({ length: Math.min(BATCH, Math.floor(to / 10) - i) }, (_, k) => chat(i + k))
    await db.collection('chats').insertMany(made.map((c) => c.chat))
    await db.collection('messages').insertMany(made.flatMap((c) => c.messages))
  }
}

const week = 'from=2025-03-03&to=2025-03-09&tz=UTC'
const ROUTES = [
  `/api/v1/stats/volume?interval=day&${week}`,
  `/api/v1/stats/sentiment?${week}`,
  `/api/v1/stats/customers/${TARGET}/channels?${week}`,
  `/api/v1/stats/customers/${TARGET}/channel-topics?${week}`,
  '/users/performance?start_date=2025-03-03&end_date=2025-03-09&tz=UTC',
  `/api/v1/interactions/${TARGET}?start_date=2025-03-03&end_date=2025-03-09`,
  `/api/v1/stats/interactions/${TARGET}?start_date=2025-03-03&end_date=2025-03-09`,
  `/api/v1/stats/channels?${week}`,
  `/api/v1/stats/topics?${week}`,
  `/api/v1/stats/customers?${week}`,
  `/api/v1/stats/customer-types?${week}`,
  `/api/v1/stats/customer-types/customers?${week}`
]

interface Timing { median: number, p90: number, body: string }

async function ask (url: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`)
  return res.body
}

/** Every route WARM times, then RUNS rounds of every route in turn (so a busy moment of the machine hits all routes alike). */
async function measureAll (label: string): Promise<Timing[]> {
  log(`${label}: ${(await db.collection('interactions').countDocuments({ clientId })).toLocaleString('en')} interactions, ${(await db.collection('chats').countDocuments({ clientId })).toLocaleString('en')} chats; load average ${load()}`)
  for (let i = 0; i < WARM; i++) for (const url of ROUTES) await ask(url)
  settle()
  const times = ROUTES.map((): number[] => [])
  const bodies = ROUTES.map(() => '')
  for (let round = 0; round < RUNS; round++) {
    for (let r = 0; r < ROUTES.length; r++) {
      const started = performance.now()
      bodies[r] = await ask(ROUTES[r])
      times[r].push(performance.now() - started)
    }
  }
  return ROUTES.map((url, r) => {
    const sorted = times[r].sort((a, b) => a - b)
    const timing = { median: sorted[Math.floor(RUNS / 2)], p90: sorted[Math.floor(RUNS * 0.9)], body: bodies[r] }
    log(`  ${url}: median ${timing.median.toFixed(1)} ms, p90 ${timing.p90.toFixed(1)} ms`)
    return timing
  })
}

log(`app on the embedded engine in this process (node ${process.version}); load average ${load()}`)
await fill(0, SMALL)
const small = await measureAll(`${SMALL.toLocaleString('en')} interactions`)
await fill(SMALL, LARGE)
const large = await measureAll(`${LARGE.toLocaleString('en')} interactions`)

log('')
log(`results (load average at the end: ${load()})`)
log('| route | median at small | median at large | ratio |')
let worst = 0
ROUTES.forEach((url, i) => {
  const ratio = large[i].median / small[i].median
  worst = Math.max(worst, ratio)
  if (large[i].body !== small[i].body) throw new Error(`${url}: the answer changed with the history (${small[i].body.slice(0, 200)} / ${large[i].body.slice(0, 200)})`)
  log(`| \`${url}\` | ${small[i].median.toFixed(1)} ms | ${large[i].median.toFixed(1)} ms | ${ratio.toFixed(2)}× |`)
})
log(`worst ratio ${worst.toFixed(2)}× (bound: 1.5×) ${worst <= 1.5 ? 'OK' : 'EXCEEDED'}`)
await app.close()
process.exitCode = worst <= 1.5 ? 0 : 1
