import t from 'tap'
import { Int32, Long } from 'mongodb'
import { setup } from './helper.js'

interface Counter { _id: number; seq?: number | Int32 | Long }

t.test('$inc and $mul results that overflow int32 become longs', async (t) => {
  const { db } = await setup(t)
  await db.createCollection('counters', { validator: { $jsonSchema: { properties: { seq: { bsonType: ['int', 'long'] } } } } })
  const counters = db.collection<Counter>('counters')
  /** The BSON type of `seq` as stored, read without promoting numbers to JS numbers. */
  const typeOf = async (_id: number): Promise<string | undefined> => {
    const row = await counters.findOne({ _id }, { promoteValues: false })
    return (row?.seq as { _bsontype?: string } | undefined)?._bsontype
  }

  t.test('$inc past the largest int32 (the validator accepts the long)', async (t) => {
    await counters.insertOne({ _id: 1, seq: new Int32(2147483647) })
    await counters.updateOne({ _id: 1 }, { $inc: { seq: 1 } })
    t.equal(await typeOf(1), 'Long')
    const stored = await counters.findOne({ _id: 1 }, { promoteLongs: false })
    t.ok(stored?.seq instanceof Long)
    t.equal(String(stored?.seq), '2147483648')
    await counters.updateOne({ _id: 1 }, { $inc: { seq: -1 } })
    t.equal(await typeOf(1), 'Long', 'a long stays a long when it fits an int32 again')
  })

  t.test('$inc below the smallest int32, $mul, and results that still fit', async (t) => {
    await counters.insertMany([{ _id: 2, seq: -2147483648 }, { _id: 3, seq: 65536 }, { _id: 4, seq: 41 }])
    await counters.updateOne({ _id: 2 }, { $inc: { seq: -1 } })
    await counters.updateOne({ _id: 3 }, { $mul: { seq: 65536 } })
    await counters.updateOne({ _id: 4 }, { $inc: { seq: 1 } })
    t.same([await typeOf(2), await typeOf(3), await typeOf(4)], ['Long', 'Long', 'Int32'])
    t.same((await counters.find({ _id: { $in: [2, 3, 4] } }).sort({ _id: 1 }).toArray()).map((d) => d.seq), [-2147483649, 4294967296, 42])
    const upserted = await counters.findOneAndUpdate({ _id: 5 }, { $inc: { seq: 2147483647 } }, { upsert: true, returnDocument: 'after' })
    t.equal(upserted?.seq, 2147483647)
    t.equal(await typeOf(5), 'Int32')
  })
})
