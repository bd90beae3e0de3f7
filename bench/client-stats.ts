/**
 * Client-wide statistics benchmark (not a test): one client with N generated interactions (default 20,000) over two
 * years, N/10 customers of five types (every 13th inferred) and five channels, in the embedded engine. Times each
 * client-wide route (median of RUNS requests through app.inject) against GET /api/v1/stats/sentiment, an existing
 * one-pipeline statistic over the same interactions, measured in the same run.
 * Run: npx tsx bench/client-stats.ts [N]
 */
import { ObjectId } from 'mongodb'
import { buildApp } from '../src/app.js'
import { cpuMs, load, log } from './measure.js'

const N = Math.min(Number(process.argv[2] ?? 20_000), 1_000_000)
const CUSTOMERS = Math.ceil(N / 10)
const BATCH = 5_000
const RUNS = 3
const DAY_MS = 86_400_000
const baseline = '/api/v1/stats/sentiment'
const routes = [
  '/api/v1/stats/channels',
  '/api/v1/stats/customers?limit=10',
  '/api/v1/stats/customers?limit=10&from=2020-07-01&to=2020-12-31&compare=previous',
  '/api/v1/stats/topics?limit=10',
  '/api/v1/stats/customer-types?limit=100',
  '/api/v1/stats/customer-types/customers?limit=100'
]

const app = await buildApp({
  env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_DB: 'bench_client_stats', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0' },
  logger: false,
  migrate: true
})
await app.ready()
const client = await app.clientsRepository.create({ name: 'Bench', nickName: 'bench' })
const key = (await app.apiKeysRepository.create(client._id, 'bench', 'manager')).key
const db = app.mongo.db

const channels = ['Email', 'Call', 'Chat', 'SMS', 'Bird'].map((name, i) => ({ _id: new ObjectId(), clientId: client._id, name, createdAt: new Date(Date.UTC(2020, 0, 1, 0, 0, i)) }))
await db.collection('engagements').insertMany(channels)
const types = ['Red', 'Orange', 'Blue', 'Green', null]
await db.collection('customers').insertMany(Array.from({ length: CUSTOMERS }, (_, i) => ({
  _id: new ObjectId(), clientId: client._id, customerId: i + 1, createdAt: new Date(),
  ...(i % 13 === 0 ? { inferred: true } : types[i % 5] ? { type: types[i % 5] } : {})
})))
const products = ['Sand', 'Boat', 'Kites', 'Shoes']
for (let from = 0; from < N; from += BATCH) {
  await db.collection('interactions').insertMany(Array.from({ length: Math.min(BATCH, N - from) }, (_, j) => {
    const i = from + j
    return {
      _id: new ObjectId(), clientId: client._id, engagementId: channels[i % 5]!._id, customerId: 1 + ((i * 7919) % CUSTOMERS),
      interactionDate: new Date(Date.UTC(2020, 0, 1) + (i % 730) * DAY_MS + (i % 86_400) * 1000),
      topics: i % 3 === 0 ? [] : [products[i % 4]], topicSource: i % 2 ? 'explicit' : 'calendar', custom: {},
      contentKey: i.toString(16).padStart(64, '0'), createdAt: new Date()
    }
  }))
}
log(`${N.toLocaleString('en')} interactions, ${CUSTOMERS.toLocaleString('en')} customers; load average ${load()}`)

async function time (url: string): Promise<{ wall: number, cpu: number }> {
  const walls: number[] = []
  const cpus: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now()
    const cpuStarted = cpuMs()
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } })
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
    walls.push(performance.now() - started)
    cpus.push(cpuMs() - cpuStarted)
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  return { wall: median(walls), cpu: median(cpus) }
}

const reference = await time(baseline)
log(`${baseline}: ${reference.wall.toFixed(0)} ms wall-clock, ${reference.cpu.toFixed(0)} ms CPU`)
for (const url of routes) {
  const figure = await time(url)
  log(`${url}: ${figure.wall.toFixed(0)} ms wall-clock, ${figure.cpu.toFixed(0)} ms CPU (${(figure.cpu / reference.cpu).toFixed(2)}× the baseline's CPU)`)
}
log(`load average ${load()}`)
await app.close()
