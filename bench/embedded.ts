/**
 * Embedded engine benchmark (not a test): bulk inserts into a collection with a unique
 * secondary index, then keyed lookups and range finds through the driver at 10k and at 1M documents
 * (bound: each within 1.5× of its rate at 10k).
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
/** Range finds of RANGE_WIDTH consecutive documents each, through an index on `n`. */
const RANGES = 5_000
const RANGE_WIDTH = 20
const CONCURRENCY = 8
const BOUND = 1.5
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

type Probe = (x: number, size: number) => Promise<boolean>

/** `count` probes of random existing keys, CONCURRENCY at a time; every probe must find what it looks for. */
async function probes (probe: Probe, size: number, count: number): Promise<Rate> {
  let done = 0
  let misses = 0
  const started = performance.now()
  const cpuStarted = cpuMs()
  const worker = async (seed: number): Promise<void> => {
    let x = seed
    while (done < count) {
      done++
      x = (x * 1103515245 + 12345) % 2147483648
      if (!await probe(x, size)) misses++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i + 1)))
  if (misses > 0) throw new Error(`${misses} probes missed`)
  return { wall: rate(count, performance.now() - started), cpu: rate(count, cpuMs() - cpuStarted) }
}

const keyed = (collection: ReturnType<ReturnType<MongoClient['db']>['collection']>): Probe => async (x, size) =>
  (await collection.findOne({ email: email(x % size) })) !== null
const ranged = (collection: ReturnType<ReturnType<MongoClient['db']>['collection']>): Probe => async (x, size) => {
  const from = x % (size - RANGE_WIDTH)
  return (await collection.find({ n: { $gte: from, $lt: from + RANGE_WIDTH } }).toArray()).length === RANGE_WIDTH
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

log(`phase 2: ${LOOKUPS.toLocaleString('en')} findOne lookups by the indexed field and ${RANGES.toLocaleString('en')} range finds of ${RANGE_WIDTH} documents at ${SMALL.toLocaleString('en')} documents (${CONCURRENCY} concurrent, after ${WARM_UP.toLocaleString('en')} unmeasured of each)`)
const people = db.collection('people')
await people.createIndex({ email: 1 }, { unique: true })
await people.createIndex({ n: 1 })
await fill(people, 0, SMALL, 'loaded')

async function measureBoth (size: number): Promise<[Rate, Rate]> {
  await probes(keyed(people), size, WARM_UP)
  settle()
  const lookup = await probes(keyed(people), size, LOOKUPS)
  log(`  lookups: ${show(lookup)}`)
  await probes(ranged(people), size, WARM_UP / 5)
  settle()
  const range = await probes(ranged(people), size, RANGES)
  log(`  range finds: ${show(range)}`)
  return [lookup, range]
}

const [smallLookups, smallRanges] = await measureBoth(SMALL)
log(`phase 3: grow to ${LARGE.toLocaleString('en')} documents, then the same lookups and range finds`)
await fill(people, SMALL, LARGE, 'loaded')
const [largeLookups, largeRanges] = await measureBoth(LARGE)

const slowdown = (a: Rate, b: Rate): [number, number] => [a.wall / b.wall, a.cpu / b.cpu]
const [lookupWall, lookupCpu] = slowdown(smallLookups, largeLookups)
const [rangeWall, rangeCpu] = slowdown(smallRanges, largeRanges)
const worst = Math.max(lookupWall, lookupCpu, rangeWall, rangeCpu)
log('')
log(`results (load average at the end: ${load()})`)
log(`  inserts, 100k docs in batches of 1,000, unique index: ${show(insertRate)}`)
log(`  lookups at 10k documents:                            ${show(smallLookups)}`)
log(`  lookups at 1M documents:                             ${show(largeLookups)}`)
log(`  range finds at 10k documents:                        ${show(smallRanges)}`)
log(`  range finds at 1M documents:                         ${show(largeRanges)}`)
log(`  slowdown 10k → 1M: lookups ${lookupWall.toFixed(2)}× wall-clock, ${lookupCpu.toFixed(2)}× CPU; range finds ${rangeWall.toFixed(2)}× wall-clock, ${rangeCpu.toFixed(2)}× CPU (bound: ${BOUND}×) ${worst <= BOUND ? 'OK' : 'EXCEEDED'}`)

await client.close()
await engine.stop()
process.exitCode = worst <= BOUND ? 0 : 1
