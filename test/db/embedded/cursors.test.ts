import t from 'tap'
import { Long } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('cursors', async (t) => {
  const { db } = await setup(t)
  const numbers = db.collection<Row>('numbers')
  await numbers.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, even: i % 2 === 0 })))

  t.test('the driver walks a cursor across getMore with a small batch size', async (t) => {
    const ids = (await numbers.find({ even: true }).sort({ _id: 1 }).batchSize(7).toArray()).map((d) => d._id)
    t.equal(ids.length, 125)
    t.same(ids.slice(0, 3), [0, 2, 4])
    t.equal(ids[124], 248)
  })

  t.test('an aggregate cursor is walked with getMore too', async (t) => {
    const docs = await numbers.aggregate([{ $match: { _id: { $lt: 30 } } }, { $sort: { _id: -1 } }], { batchSize: 4 }).toArray()
    t.same(docs.map((d) => d._id).slice(0, 5), [29, 28, 27, 26, 25])
    t.equal(docs.length, 30)
  })

  t.test('find answers a first batch of 101 by default, then the rest', async (t) => {
    const first = await db.command({ find: 'numbers', filter: {} })
    t.equal(first.cursor.firstBatch.length, 101)
    t.equal(first.cursor.ns, `${db.databaseName}.numbers`)
    t.ok(first.cursor.id instanceof Long)
    t.not(first.cursor.id.toString(), '0')
    const more = await db.command({ getMore: first.cursor.id, collection: 'numbers' })
    t.equal(more.cursor.nextBatch.length, 149)
    t.equal(more.cursor.id.toString(), '0', 'an exhausted cursor is closed')
    await t.rejects(db.command({ getMore: first.cursor.id, collection: 'numbers' }), { code: 43, codeName: 'CursorNotFound' })
  })

  t.test('getMore honours its batch size', async (t) => {
    const first = await db.command({ find: 'numbers', filter: {}, sort: { _id: 1 }, batchSize: 2 })
    t.same(first.cursor.firstBatch.map((d: { _id: number }) => d._id), [0, 1])
    const more = await db.command({ getMore: first.cursor.id, collection: 'numbers', batchSize: 3 })
    t.same(more.cursor.nextBatch.map((d: { _id: number }) => d._id), [2, 3, 4])
    await db.command({ killCursors: 'numbers', cursors: [first.cursor.id] })
  })

  t.test('limit and singleBatch close the cursor after the first batch', async (t) => {
    const limited = await db.command({ find: 'numbers', filter: {}, limit: 5, batchSize: 10 })
    t.equal(limited.cursor.firstBatch.length, 5)
    t.equal(limited.cursor.id.toString(), '0')
    const single = await db.command({ find: 'numbers', filter: {}, batchSize: 3, singleBatch: true })
    t.equal(single.cursor.firstBatch.length, 3)
    t.equal(single.cursor.id.toString(), '0')
    t.same((await numbers.find().sort({ _id: -1 }).limit(3).toArray()).map((d) => d._id), [249, 248, 247])
  })

  t.test('killCursors reports killed cursors and a killed cursor is gone', async (t) => {
    const first = await db.command({ find: 'numbers', filter: {}, batchSize: 1 })
    const killed = await db.command({ killCursors: 'numbers', cursors: [first.cursor.id] })
    t.same(killed.cursorsKilled.map(String), [first.cursor.id.toString()])
    t.same(killed.cursorsNotFound, [])
    await t.rejects(db.command({ getMore: first.cursor.id, collection: 'numbers' }), { code: 43 })
  })

  t.test('a find on a missing collection returns an empty closed cursor', async (t) => {
    const reply = await db.command({ find: 'missing', filter: {} })
    t.same(reply.cursor.firstBatch, [])
    t.equal(reply.cursor.id.toString(), '0')
  })

  t.test('a cursor over an index range goes on after writes between its batches', async (t) => {
    const ranked = db.collection<{ _id: number, n: number }>('ranked')
    await ranked.createIndex({ n: 1 })
    await ranked.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i })))
    for (const direction of [1, -1] as const) {
      const first = await db.command({ find: 'ranked', filter: { n: { $gte: 0 } }, sort: { n: direction }, batchSize: 3 })
      const seen: number[] = first.cursor.firstBatch.map((d: { _id: number }) => d._id)
      const ahead = direction > 0 ? [10, 11] : [8, 9]
      await ranked.deleteMany({ _id: { $in: ahead } })
      await ranked.insertOne({ _id: 100 + direction, n: direction > 0 ? 15.5 : 4.5 })
      let id = first.cursor.id
      while (id.toString() !== '0') {
        const more = await db.command({ getMore: id, collection: 'ranked', batchSize: 4 })
        seen.push(...more.cursor.nextBatch.map((d: { _id: number }) => d._id))
        id = more.cursor.id
      }
      t.equal(new Set(seen).size, seen.length, 'no document twice')
      t.notOk(seen.some((x) => ahead.includes(x)), 'deleted documents are not returned')
      t.ok(seen.includes(100 + direction), 'a document inserted ahead of the cursor is returned')
      const byId = new Map((await ranked.find({ _id: { $in: seen } }).toArray()).map((d) => [d._id, d.n]))
      const ns = seen.map((x) => byId.get(x) as number)
      t.same(ns, [...ns].sort((a, b) => (a - b) * direction), 'in the order of the index')
      await ranked.insertMany(ahead.map((i) => ({ _id: i, n: i })))
    }
  })
})
