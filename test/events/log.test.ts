import t from 'tap'
import fc from 'fast-check'
import { ObjectId, type Collection, type Db, type Document } from 'mongodb'
import { buildTestApp } from '../helper.js'
import { EventLog } from '../../src/domains/events/log.js'
import type { EventDraft } from '../../src/domains/events/types.js'

const DAY_MS = 24 * 3_600_000
const draft = (key: string, tag = 'user:1'): EventDraft => ({ key, type: 'direct-message', audience: [tag], data: { key } })

/** A database whose `events` inserts can be held just before they reach the server, to interleave writers by hand. */
function holdableDb (db: Db) {
  let holding: { reached: (seqs: number[]) => void, released: Promise<void> } | null = null
  const events = db.collection('events')
  const held = new Proxy(events, {
    get (target, property) {
      if (property === 'insertMany') {
        return async (docs: Document[], options: Document) => {
          const hold = holding
          holding = null
          if (hold) {
            hold.reached(docs.map((doc) => doc.seq as number))
            await hold.released
          }
          return target.insertMany(docs, options)
        }
      }
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  }) as Collection
  const proxy = new Proxy(db, {
    get (target, property) {
      if (property === 'collection') return (name: string) => name === 'events' ? held : target.collection(name)
      const value = Reflect.get(target, property) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return {
    db: proxy,
    /** The next insert stops before the server sees it: `reached` gives the seqs it carries, `release` lets it go. */
    holdNextInsert () {
      let release = () => {}
      const released = new Promise<void>((resolve) => { release = resolve })
      const reached = new Promise<number[]>((resolve) => { holding = { reached: resolve, released } })
      return { reached, release }
    }
  }
}

t.test('the event log', async (t) => {
  const app = await buildTestApp(t)
  const db = app.mongo.db
  const seqsOf = async (log: EventLog, clientId: ObjectId) => (await log.after(clientId, 0)).map((event) => event.seq)

  t.test('events get consecutive seqs from 1 in the order they are appended, and a key is logged once', async (t) => {
    const log = new EventLog(db, 7 * DAY_MS)
    const clientId = new ObjectId()
    await log.insert(clientId, [draft('a'), draft('b')])
    await log.insert(clientId, [draft('b'), draft('c'), draft('a'), draft('d')])
    const events = await log.after(clientId, 0)
    t.same(events.map((event) => [event.seq, event.key]), [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']])
    t.equal(await log.head(clientId), 4)
    t.same((await log.after(clientId, 2)).map((event) => event.seq), [3, 4])
    const [first] = events
    t.equal(first?.expiresAt.getTime(), (first?.createdAt.getTime() ?? 0) + 7 * DAY_MS, 'expiry is the retention after storage')
    t.same(await seqsOf(log, new ObjectId()), [], 'each client has its own log')
  })

  t.test('a writer whose seq another writer took meanwhile moves past it: the seq is never stored before the one below it', async (t) => {
    const holdable = holdableDb(db)
    const slow = new EventLog(holdable.db, DAY_MS)
    const fast = new EventLog(db, DAY_MS)
    const reader = new EventLog(db, DAY_MS)
    const clientId = new ObjectId()
    await fast.insert(clientId, [draft('e1'), draft('e2'), draft('e3')])

    const hold = holdable.holdNextInsert()
    const slowWrite = slow.insert(clientId, [draft('slow')])
    t.same(await hold.reached, [4], 'the slow writer chose seq 4 and is held before storing it')
    await fast.insert(clientId, [draft('fast-1'), draft('fast-2')])
    const seen = await reader.after(clientId, 3)
    t.same(seen.map((event) => [event.seq, event.key]), [[4, 'fast-1'], [5, 'fast-2']], 'the fast writer took 4 and 5')
    hold.release()
    await slowWrite
    const later = await reader.after(clientId, 5)
    t.same(later.map((event) => [event.seq, event.key]), [[6, 'slow']], 'the slow event comes after what the reader had seen')
    t.same(await seqsOf(reader, clientId), [1, 2, 3, 4, 5, 6])
  })

  t.test('a held batch that loses part of its range keeps what it stored and appends the rest after', async (t) => {
    const holdable = holdableDb(db)
    const slow = new EventLog(holdable.db, DAY_MS)
    const fast = new EventLog(db, DAY_MS)
    const clientId = new ObjectId()
    await slow.insert(clientId, [draft('s0')])
    const hold = holdable.holdNextInsert()
    const slowWrite = slow.insert(clientId, [draft('s1'), draft('s2'), draft('s3')])
    t.same(await hold.reached, [2, 3, 4])
    await fast.insert(clientId, [draft('f1')])
    hold.release()
    await slowWrite
    const events = await fast.after(clientId, 0)
    t.same(events.map((event) => [event.seq, event.key]), [[1, 's0'], [2, 'f1'], [3, 's1'], [4, 's2'], [5, 's3']])
  })

  t.test('a head that lags behind the log (its writer died before moving it) only costs retries', async (t) => {
    const log = new EventLog(db, DAY_MS)
    const clientId = new ObjectId()
    const now = new Date()
    const stale = Array.from({ length: 30 }, (_, index) => ({
      _id: new ObjectId(), clientId, seq: index + 1, ...draft(`old-${index}`), createdAt: now, expiresAt: new Date(now.getTime() + DAY_MS)
    }))
    await db.collection('events').insertMany(stale)
    await log.insert(clientId, [draft('new')])
    t.same((await log.after(clientId, 29)).map((event) => [event.seq, event.key]), [[30, 'old-29'], [31, 'new']])
    t.equal(await log.head(clientId), 31)
  })

  t.test('a reader never passes a seq that is not visible: it stops before a hole', async (t) => {
    const log = new EventLog(db, DAY_MS)
    const clientId = new ObjectId()
    const now = new Date()
    const at = (seq: number) => ({ _id: new ObjectId(), clientId, seq, ...draft(`k${seq}`), createdAt: now, expiresAt: now })
    await db.collection('events').insertMany([at(1), at(2), at(4), at(5)])
    t.same(await seqsOf(log, clientId), [1, 2])
    await db.collection('events').insertOne(at(3))
    t.same(await seqsOf(log, clientId), [1, 2, 3, 4, 5])
  })

  t.test('replay reads one audience between two positions', async (t) => {
    const log = new EventLog(db, DAY_MS)
    const clientId = new ObjectId()
    await log.insert(clientId, [draft('r1', 'room:1'), draft('u1', 'user:1'), draft('r2', 'room:1'), draft('r3', 'room:1'), draft('u2', 'user:1')])
    const keys = (replayed: { events: { key: string }[], through: number }) => [replayed.events.map((event) => event.key), replayed.through]
    t.same(keys(await log.replay(clientId, 'room:1', 1, 4)), [['r2', 'r3'], 4], 'a short distance, read by seq')
    t.same(keys(await log.replay(clientId, 'user:1', 0, 5, 1)), [['u1'], 2], 'a full page covers up to its last event')
    t.same(keys(await log.replay(clientId, 'room:1', 0, 10_000)), [['r1', 'r2', 'r3'], 10_000], 'a long distance, read by the audience index')
    t.same(keys(await log.replay(clientId, 'room:1', 0, 3000)), [['r1', 'r2', 'r3'], 1000], 'a window of 1,000 seqs at a time')
    t.same(keys(await log.replay(clientId, 'room:1', 5, 5)), [[], 5])
    t.equal(await log.has(clientId, 5), true)
    t.equal(await log.has(clientId, 6), false)
  })

  t.test('any interleaving of writers and readers: readers see one gapless order, every event once', async (t) => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ writer: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 4 }), hold: fc.boolean() }), { minLength: 1, maxLength: 12 }),
      async (steps) => {
        const clientId = new ObjectId()
        const holdables = [0, 1, 2].map(() => holdableDb(db))
        const writers = holdables.map((holdable) => new EventLog(holdable.db, DAY_MS))
        const reader = new EventLog(db, DAY_MS)
        let position = 0
        const delivered: number[] = []
        const read = async () => {
          for (const event of await reader.after(clientId, position)) {
            delivered.push(event.seq)
            position = event.seq
          }
        }
        const held: { release: () => void, write: Promise<void> }[] = []
        const expected: string[] = []
        for (const [index, step] of steps.entries()) {
          const drafts = Array.from({ length: step.size }, (_, n) => draft(`${index}-${n}`))
          expected.push(...drafts.map((d) => d.key))
          const holdable = holdables[step.writer] as ReturnType<typeof holdableDb>
          const hold = step.hold ? holdable.holdNextInsert() : null
          const write = (writers[step.writer] as EventLog).insert(clientId, drafts)
          if (hold) {
            await hold.reached
            held.push({ release: hold.release, write })
          } else {
            await write
          }
          await read()
          if (held.length > 1 || index === steps.length - 1) {
            for (const h of held.splice(0)) { h.release(); await h.write; await read() }
          }
        }
        await read()
        const all = await reader.after(clientId, 0, 100)
        return delivered.every((seq, i) => seq === i + 1) &&
          all.length === expected.length &&
          new Set(all.map((event) => event.key)).size === expected.length &&
          expected.every((key) => all.some((event) => event.key === key))
      }
    ), { numRuns: 40, seed: 15 })
    t.pass('every interleaving tried kept the order gapless and each event once')
  })
})
