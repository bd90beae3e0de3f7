/**
 * Embedded engine benchmark (not a test): bulk inserts into a collection with a unique
 * secondary index, then keyed lookups through the driver at 10k and at 1M documents.
 * Run: npm run bench:embedded
 */
import { MongoClient } from 'mongodb'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'
import { cpuMs, load, log } from './measure.js'

const BATCH = 1_000
const INSERT_DOCS = 100_000
const SMALL = 10_000
const LARGE = 1_000_000
const LOOKUPS = 20_000
const CONCURRENCY = 8
/** Unmeasured lookups before each measurement, so both sizes are measured with warm JIT and pool. */
const WARM_UP = 5_000

const rate = (count: number, ms: number): number => Math.round(count / (ms / 1000))

/** A full collection before measuring (when run with --expose-gc), so no phase pays for the previous one's garbage. */
const settle = (): void => { (globalThis as { gc?: () => void }).gc?.() }

interface Rate { wall: number; cpu: number }
const show = (r: Rate): string => `${r.wall.toLocaleString('en')}/s wall-clock, ${r.cpu.toLocaleString('en')}/s per CPU-second`
const email = (i: number): string => `user${i}@example.com`

function docs (from: number, to: number): Array<{ email: string; n: number; name: string; tags: string[] }> {
  const out = []
  for (let i = from; i < to; i++) out.push({ email: email(i), n: i, name: `User ${i}`, tags: ['a', 'b'] })
  return out
}

async function fill (collection: ReturnType<ReturnType<MongoClient['db']>['collection']>, from: number, to: number, label: string): Promise<Rate> {
  const started = performance.now()
  const cpuStarted = cpuMs()
  let nextReport = from + (to - from) / 10
  for (let i = from; i < to; i += BATCH) {
    await collection.insertMany(docs(i, Math.min(to, i + BATCH)))
    if (i + BATCH >= nextReport) {
      log(`  ${label}: ${(i + BATCH).toLocaleString('en')} documents`)
      nextReport += (to - from) / 10
    }
  }
  return { wall: rate(to - from, performance.now() - started), cpu: rate(to - from, cpuMs() - cpuStarted) }
}

async function lookups (collection: ReturnType<ReturnType<MongoClient['db']>['collection']>, size: number, count = LOOKUPS): Promise<Rate> {
  let done = 0
  let misses = 0
  const started = performance.now()
  const cpuStarted = cpuMs()
  const worker = async (seed: number): Promise<void> => {
    let x = seed
    while (done < count) {
      done++
      x = (x * 1103515245 + 12345) % 2147483648
      const found = await collection.findOne({ email: email(x % size) })
      if (found === null) misses++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i + 1)))
  if (misses > 0) throw new Error(`${misses} lookups missed`)
  return { wall: rate(count, performance.now() - started), cpu: rate(count, cpuMs() - cpuStarted) }
}

const engine = await startEmbeddedMongo()
const client = await new MongoClient(engine.uri, { maxPoolSize: CONCURRENCY }).connect()
const db = client.db('bench')

log(`embedded engine at ${engine.uri}, in this process (node ${process.version}); load average ${load()}`)
log(`phase 1: insert ${INSERT_DOCS.toLocaleString('en')} documents in batches of ${BATCH} into a collection with a unique index`)
const inserts = db.collection('inserts')
await inserts.createIndex({ email: 1 }, { unique: true })
const insertRate = await fill(inserts, 0, INSERT_DOCS, 'inserted')
log(`  inserts: ${show(insertRate)}`)
await inserts.drop()

log(`phase 2: ${LOOKUPS.toLocaleString('en')} findOne lookups by the indexed field at ${SMALL.toLocaleString('en')} documents (${CONCURRENCY} concurrent, after ${WARM_UP.toLocaleString('en')} unmeasured)`)
const people = db.collection('people')
await people.createIndex({ email: 1 }, { unique: true })
await fill(people, 0, SMALL, 'loaded')
await lookups(people, SMALL, WARM_UP)
settle()
const smallRate = await lookups(people, SMALL)
log(`  lookups: ${show(smallRate)}`)

log(`phase 3: grow to ${LARGE.toLocaleString('en')} documents, then the same lookups`)
await fill(people, SMALL, LARGE, 'loaded')
await lookups(people, LARGE, WARM_UP)
settle()
const largeRate = await lookups(people, LARGE)
log(`  lookups: ${show(largeRate)}`)

const slowdown = smallRate.wall / largeRate.wall
const cpuSlowdown = smallRate.cpu / largeRate.cpu
log('')
log(`results (load average at the end: ${load()})`)
log(`  inserts, 100k docs in batches of 1,000, unique index: ${show(insertRate)}`)
log(`  lookups at 10k documents:                            ${show(smallRate)}`)
log(`  lookups at 1M documents:                             ${show(largeRate)}`)
log(`  slowdown 10k → 1M: ${slowdown.toFixed(2)}× wall-clock, ${cpuSlowdown.toFixed(2)}× CPU (bound: 2×) ${Math.max(slowdown, cpuSlowdown) <= 2 ? 'OK' : 'EXCEEDED'}`)

await client.close()
await engine.stop()
process.exitCode = Math.max(slowdown, cpuSlowdown) <= 2 ? 0 : 1
