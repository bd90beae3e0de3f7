import t from 'tap'
import { setup, type Row } from './helper.js'

/**
 * Queries of one shape run again and again (a plan cache serves them on mongod and on the engine): every run must
 * answer exactly, whatever its values, after the indexes change, and after the collection grows.
 */
t.test('repeated query shapes answer exactly whatever the values, the indexes and the size', async (t) => {
  const { db } = await setup(t)
  const things = db.collection<Row>('things')
  await things.insertMany(Array.from({ length: 300 }, (_, n) => ({ _id: n, a: n % 10, b: n % 7, s: `k${n % 5}`, when: new Date(Date.UTC(2020, 0, 1 + (n % 30))) })))
  await things.createIndex({ a: 1 })
  await things.createIndex({ b: 1 })
  await things.createIndex({ a: 1, when: 1 })
  const ids = async (filter: Row, options: Row = {}) => (await things.find(filter, { projection: { _id: 1 }, ...options }).toArray()).map((doc) => doc._id)
  const expected = (test: (n: number) => boolean) => Array.from({ length: 300 }, (_, n) => n).filter(test)
  const byId = { sort: { _id: 1 } }

  for (const [a, b] of [[1, 1], [3, 5], [9, 0], [0, 6]]) {
    t.same(await ids({ a, b }, byId), expected((n) => n % 10 === a && n % 7 === b), `a ${a}, b ${b}`)
  }
  // The same fields with values of another type are another question: strings match no number.
  t.same(await ids({ a: '1', b: 1 }, byId), [], 'a string where numbers are stored matches nothing')
  t.same(await ids({ a: { $in: [1, 2] }, b: { $gte: 5 } }, byId), expected((n) => [1, 2].includes(n % 10) && n % 7 >= 5))
  t.same(await ids({ $or: [{ a: 1 }, { b: 2 }] }, byId), expected((n) => n % 10 === 1 || n % 7 === 2), 'clauses on two indexed fields')
  t.same(await ids({ $or: [{ a: 1 }, { s: 'k2' }] }, byId), expected((n) => n % 10 === 1 || n % 5 === 2), 'then one clause on a field without an index')
  const from = new Date(Date.UTC(2020, 0, 10))
  const to = new Date(Date.UTC(2020, 0, 12))
  for (const a of [2, 4]) {
    t.same(await ids({ a, when: { $gte: from, $lt: to } }, byId), expected((n) => n % 10 === a && n % 30 >= 9 && n % 30 < 11), `a ${a} within two days`)
  }

  await things.dropIndex('a_1')
  await things.dropIndex('a_1_when_1')
  t.same(await ids({ a: 3, b: 5 }, byId), expected((n) => n % 10 === 3 && n % 7 === 5), 'after the indexes it used are dropped')
  await things.createIndex({ b: 1, a: 1 })
  t.same(await ids({ a: 3, b: 5 }, byId), expected((n) => n % 10 === 3 && n % 7 === 5), 'after another index is created')

  await things.insertMany(Array.from({ length: 2000 }, (_, n) => ({ _id: 300 + n, a: 3, b: 5, s: 'grown' })))
  t.equal((await ids({ a: 3, b: 5 })).length, expected((n) => n % 10 === 3 && n % 7 === 5).length + 2000, 'after the collection grew')
  await things.deleteMany({ s: 'grown' })
  t.same(await ids({ a: 3, b: 5 }, byId), expected((n) => n % 10 === 3 && n % 7 === 5), 'and shrank again')
  t.equal(await things.countDocuments({ a: 3, b: 5 }), expected((n) => n % 10 === 3 && n % 7 === 5).length, 'a count of the same shape')
})

t.test('explain shows every candidate of a shape that has run before', async (t) => {
  const { db } = await setup(t)
  const things = db.collection<Row>('things')
  await things.insertMany(Array.from({ length: 200 }, (_, n) => ({ _id: n, a: n % 10, b: n % 7 })))
  await things.createIndex({ a: 1 })
  await things.createIndex({ b: 1 })
  for (let i = 0; i < 3; i++) await things.find({ a: i, b: i }).toArray()
  const explained = await things.find({ a: 4, b: 4 }).explain('queryPlanner') as { queryPlanner: { rejectedPlans: unknown[] } }
  t.equal(explained.queryPlanner.rejectedPlans.length, 1, 'the other index is shown as rejected, as the planner saw both')
})
