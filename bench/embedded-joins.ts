/**
 * Embedded engine benchmark (not a test): keyed lookups on a compound index at 10k and 1M
 * documents of one client, and the users → chats → messages $lookup of GET /users/performance
 * at 1k and 10k chats. Run: npx tsx bench/embedded-joins.ts
 */
import { cpus, totalmem } from 'node:os'
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'
import { cpuMs, load, log } from './measure.js'

const BATCH = 1_000
const SMALL = 10_000
const LARGE = 1_000_000
const LOOKUPS = 5_000
const UPSERTS = 5_000
const CONCURRENCY = 8
const USERS = 20

const fmt = (n: number): string => Math.round(n).toLocaleString('en')
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]

interface Rate { wall: number; cpu: number }
const rates = (count: number, wallMs: number, cpu: number): Rate => ({ wall: count / (wallMs / 1000), cpu: count / (cpu / 1000) })
const showRate = (r: Rate, what: string): string => `${fmt(r.wall)} ${what}/s wall-clock (${fmt(r.cpu)}/CPU-s)`

async function fill (interactions: Collection, clientId: ObjectId, from: number, to: number): Promise<void> {
  let next = from + (to - from) / 10
  for (let i = from; i < to; i += BATCH) {
    const docs = []
    for (let j = i; j < Math.min(to, i + BATCH); j++) docs.push({ clientId, contentKey: `key-${j}`, channel: j % 7, at: new Date(1_700_000_000_000 + j * 1000) })
    await interactions.insertMany(docs)
    if (i + BATCH >= next) {
      log(`  ${fmt(i + BATCH)} documents`)
      next += (to - from) / 10
    }
  }
}

/** findOne by {clientId, contentKey} from CONCURRENCY callers. */
async function keyedLookups (interactions: Collection, clientId: ObjectId, size: number): Promise<Rate> {
  let done = 0
  const started = performance.now()
  const cpuStarted = cpuMs()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (done < LOOKUPS) {
      const i = Math.floor(Math.random() * size)
      done++
      const found = await interactions.findOne({ clientId, contentKey: `key-${i}` })
      if (found === null) throw new Error(`key-${i} not found`)
    }
  }))
  return rates(LOOKUPS, performance.now() - started, cpuMs() - cpuStarted)
}

/** Bulk upserts keyed on the compound index (half existing keys, half new). */
async function keyedUpserts (interactions: Collection, clientId: ObjectId, size: number, round: number): Promise<Rate> {
  const started = performance.now()
  const cpuStarted = cpuMs()
  for (let i = 0; i < UPSERTS; i += BATCH) {
    const ops = []
    for (let j = i; j < i + BATCH; j++) {
      const key = j % 2 === 0 ? `key-${Math.floor(Math.random() * size)}` : `new-${round}-${j}`
      ops.push({ updateOne: { filter: { clientId, contentKey: key }, update: { $setOnInsert: { _id: new ObjectId(), clientId, contentKey: key } }, upsert: true } })
    }
    await interactions.bulkWrite(ops, { ordered: false })
  }
  return rates(UPSERTS, performance.now() - started, cpuMs() - cpuStarted)
}

async function compoundIndex (client: MongoClient): Promise<void> {
  const db = client.db('bench_joins')
  const interactions = db.collection('interactions')
  await interactions.createIndex({ clientId: 1, contentKey: 1 }, { unique: true })
  const clientId = new ObjectId()
  const other = new ObjectId()
  log(`compound index {clientId, contentKey}, one client (plus ${fmt(SMALL)} documents of another)`)
  await fill(interactions, other, 0, SMALL)
  await fill(interactions, clientId, 0, SMALL)
  // One untimed round first, so the 10k figures are not those of a cold JIT.
  await keyedLookups(interactions, clientId, SMALL)
  await keyedUpserts(interactions, clientId, SMALL, 0)
  const small = { lookups: await keyedLookups(interactions, clientId, SMALL), upserts: await keyedUpserts(interactions, clientId, SMALL, 1) }
  log(`  at ${fmt(SMALL)}: ${showRate(small.lookups, 'findOne')}, ${showRate(small.upserts, 'upserts')} (load ${load()})`)
  await fill(interactions, clientId, SMALL, LARGE)
  const large = { lookups: await keyedLookups(interactions, clientId, LARGE), upserts: await keyedUpserts(interactions, clientId, LARGE, 2) }
  log(`  at ${fmt(LARGE)}: ${showRate(large.lookups, 'findOne')}, ${showRate(large.upserts, 'upserts')} (load ${load()})`)
  const ratio = (a: number, b: number): string => `×${(a / b).toFixed(2)}`
  log(`  slowdown 10k → 1M (wall-clock / CPU): findOne ${ratio(small.lookups.wall, large.lookups.wall)} / ${ratio(small.lookups.cpu, large.lookups.cpu)}, ` +
    `upserts ${ratio(small.upserts.wall, large.upserts.wall)} / ${ratio(small.upserts.cpu, large.upserts.cpu)}`)
  await interactions.drop()
}

const performancePipeline = (clientId: ObjectId): Document[] => [
  { $match: { clientId } },
  {
    $lookup: {
      from: 'chats',
      let: { userId: '$userId' },
      pipeline: [
        { $match: { clientId, handleStart: { $exists: true }, $expr: { $eq: ['$userId', '$$userId'] } } },
        { $lookup: { from: 'messages', let: { chatId: '$chatId' }, pipeline: [{ $match: { clientId, $expr: { $eq: ['$chatId', '$$chatId'] } } }], as: 'messages' } }
      ],
      as: 'chats'
    }
  },
  { $project: { userId: 1, chats: { $size: '$chats' }, messages: { $sum: { $map: { input: '$chats', in: { $size: '$$this.messages' } } } } } }
]

async function joins (client: MongoClient, chatCount: number): Promise<void> {
  const db = client.db(`bench_joins_${chatCount}`)
  await db.dropDatabase()
  const [users, chats, messages] = [db.collection('users'), db.collection('chats'), db.collection('messages')]
  await users.createIndex({ clientId: 1, userId: 1 }, { unique: true })
  await chats.createIndex({ clientId: 1, chatId: 1 }, { unique: true })
  await chats.createIndex({ clientId: 1, userId: 1, handleStart: 1 })
  await messages.createIndex({ clientId: 1, chatId: 1, sentAt: 1, messageId: 1 }, { unique: true })
  const clientId = new ObjectId()
  await users.insertMany(Array.from({ length: USERS }, (_, i) => ({ clientId, userId: i + 1, name: `Agent ${i + 1}`, role: 'agent' })))
  let messageId = 0
  for (let from = 0; from < chatCount; from += BATCH) {
    const chatDocs = []
    const messageDocs = []
    for (let c = from + 1; c <= Math.min(chatCount, from + BATCH); c++) {
      const created = new Date(1_700_000_000_000 + c * 60_000)
      chatDocs.push({ clientId, chatId: c, customerName: `Customer ${c}`, userId: (c % USERS) + 1, created, ...(c % 4 === 0 ? {} : { handleStart: new Date(created.getTime() + 30_000), handleEnd: new Date(created.getTime() + 330_000) }) })
      // ≈1.3 messages per chat, as in the chats domain's request
      for (let m = 0; m < (c % 10 < 3 ? 2 : 1); m++) messageDocs.push({ clientId, chatId: c, messageId: ++messageId, text: 'hello', sentAt: new Date(created.getTime() + 40_000 + m * 1000) })
    }
    await chats.insertMany(chatDocs)
    await messages.insertMany(messageDocs)
  }
  const times: number[] = []
  const cpu: number[] = []
  let rows: Document[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    const cpuStarted = cpuMs()
    rows = await users.aggregate(performancePipeline(clientId)).toArray()
    times.push(performance.now() - started)
    cpu.push(cpuMs() - cpuStarted)
  }
  const handled = rows.reduce((n, r) => n + (r.chats as number), 0)
  const joinedMessages = rows.reduce((n, r) => n + (r.messages as number), 0)
  log(`users → chats → messages, ${USERS} users, ${fmt(chatCount)} chats, ${fmt(messageId)} messages: ` +
    `median ${median(times).toFixed(1)} ms wall-clock, ${median(cpu).toFixed(1)} ms CPU of 5 runs (wall min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); ` +
    `${fmt(handled)} handled chats, ${fmt(joinedMessages)} messages joined (load ${load()})`)
  await db.dropDatabase()
}

const engine = await startEmbeddedMongo()
const client = new MongoClient(engine.uri)
try {
  await client.connect()
  log(`embedded engine, node ${process.version}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load ${load()}`)
  await joins(client, 1_000)
  await joins(client, 10_000)
  await compoundIndex(client)
} finally {
  await client.close()
  await engine.stop()
}
