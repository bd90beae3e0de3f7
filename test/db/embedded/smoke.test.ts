import t from 'tap'
import { MongoServerError } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('the driver connects, writes, reads and enforces a unique index', async (t) => {
  const { db } = await setup(t)
  t.same(await db.command({ ping: 1 }), { ok: 1 })
  const people = db.collection<Row>('people')
  await people.createIndex({ email: 1 }, { unique: true })
  await people.insertMany([{ email: 'ada@example.com', age: 36 }, { email: 'alan@example.com', age: 41 }])
  const found = await people.find({ age: { $gt: 40 } }, { projection: { _id: 0 } }).toArray()
  t.same(found, [{ email: 'alan@example.com', age: 41 }])
  const error = await people.insertOne({ email: 'ada@example.com' }).catch((e: unknown) => e)
  t.ok(error instanceof MongoServerError)
  t.equal((error as MongoServerError).code, 11000)
  t.same((error as MongoServerError).keyValue, { email: 'ada@example.com' })
})
