import t from 'tap'
import { Double, Long, MongoServerError } from 'mongodb'
import { setup } from './helper.js'

interface Row { _id: number; clientId: number; contentKey?: string | null | string[]; chatId?: number; sentAt?: Date; v?: number }

const ids = (rows: Array<{ _id: number }>): number[] => rows.map((r) => r._id).sort((a, b) => a - b)

t.test('equality on every field of a compound index prefix', async (t) => {
  const { db } = await setup(t)
  const rows = db.collection<Row>('rows')
  await rows.createIndex({ clientId: 1, contentKey: 1 }, { unique: true })
  await rows.createIndex({ clientId: 1, chatId: 1, sentAt: 1 })
  const docs: Row[] = []
  for (let i = 0; i < 60; i++) {
    docs.push({ _id: i, clientId: i % 2, contentKey: `k${i}`, chatId: i % 5, sentAt: new Date(Date.UTC(2024, 0, 1 + (i % 3))), v: i })
  }
  docs.push({ _id: 100, clientId: 1 }, { _id: 101, clientId: 1, contentKey: ['a1', 'a2'] }, { _id: 102, clientId: 0, contentKey: null })
  await rows.insertMany(docs)

  t.test('find by the whole key, by $in, and by a prefix', async (t) => {
    t.same(ids(await rows.find({ clientId: 1, contentKey: 'k7' }).toArray()), [7])
    t.same(ids(await rows.find({ clientId: 0, contentKey: 'k7' }).toArray()), [])
    t.same(ids(await rows.find({ clientId: 1, contentKey: { $in: ['k1', 'k3', 'k4', 'nope'] } }).toArray()), [1, 3])
    t.same(ids(await rows.find({ clientId: { $in: [0, 1] }, contentKey: { $in: ['k4', 'k5'] } }).toArray()), [4, 5])
    t.same(ids(await rows.find({ $and: [{ clientId: 0 }, { contentKey: { $eq: 'k8' } }] }).toArray()), [8])
    t.same(ids(await rows.find({ clientId: 1, chatId: 3 }).toArray()), [3, 13, 23, 33, 43, 53])
    t.same(ids(await rows.find({ clientId: 1, chatId: 3, sentAt: new Date(Date.UTC(2024, 0, 2)) }).toArray()), [13, 43])
    t.same(ids(await rows.find({ clientId: 1, chatId: { $in: [1, 3] }, v: { $gt: 40 } }).toArray()), [41, 43, 51, 53])
    t.same(ids(await rows.find({ clientId: 1, contentKey: { $in: [] } }).toArray()), [])
  })

  t.test('numbers of every BSON type, null and missing, and array elements', async (t) => {
    t.same(ids(await rows.find({ clientId: new Double(1), contentKey: 'k9' }).toArray()), [9])
    t.same(ids(await rows.find({ clientId: Long.fromNumber(1), contentKey: 'k9' }).toArray()), [9])
    t.same(ids(await rows.find({ clientId: 1, contentKey: null }).toArray()), [100])
    t.same(ids(await rows.find({ clientId: 0, contentKey: null }).toArray()), [102])
    t.same(ids(await rows.find({ clientId: 1, contentKey: 'a2' }).toArray()), [101])
    t.same(ids(await rows.find({ clientId: 1, contentKey: { $exists: false } }).toArray()), [100])
  })

  t.test('updates, upserts, deletes and findAndModify keep the index right', async (t) => {
    const moved = await rows.updateMany({ clientId: 1, chatId: 3 }, { $set: { chatId: 4 } })
    t.same([moved.matchedCount, moved.modifiedCount], [6, 6])
    t.same(ids(await rows.find({ clientId: 1, chatId: 3 }).toArray()), [])
    t.same(ids(await rows.find({ clientId: 1, chatId: 4 }).toArray()), [3, 9, 13, 19, 23, 29, 33, 39, 43, 49, 53, 59])
    t.same(ids(await rows.find({ clientId: 1, contentKey: 'k3' }).toArray()), [3], 'an update that keeps a key keeps the document under it')

    const found = await rows.findOneAndUpdate({ clientId: 0, contentKey: 'k10' }, { $set: { contentKey: 'k10b' } }, { returnDocument: 'after' })
    t.equal(found?._id, 10)
    t.same(ids(await rows.find({ clientId: 0, contentKey: { $in: ['k10', 'k10b'] } }).toArray()), [10])

    const err = await rows.updateOne({ clientId: 0, contentKey: 'k12' }, { $set: { contentKey: 'k14' } }).catch((e: unknown) => e)
    t.ok(err instanceof MongoServerError)
    t.equal((err as MongoServerError).code, 11000)
    t.same((err as MongoServerError).keyValue, { clientId: 0, contentKey: 'k14' })
    t.same(ids(await rows.find({ clientId: 0, contentKey: 'k12' }).toArray()), [12], 'a refused update leaves the index as it was')

    const ops = []
    for (let i = 0; i < 40; i++) {
      ops.push({ updateOne: { filter: { clientId: 3, contentKey: `n${i % 20}` }, update: { $setOnInsert: { _id: 1000 + i, clientId: 3, contentKey: `n${i % 20}` } }, upsert: true } })
    }
    const bulk = await rows.bulkWrite(ops)
    t.same([bulk.upsertedCount, bulk.matchedCount, bulk.modifiedCount], [20, 20, 0])
    t.equal(await rows.countDocuments({ clientId: 3 }), 20)
    t.same(ids(await rows.find({ clientId: 3, contentKey: 'n5' }).toArray()), [1005])

    const deleted = await rows.deleteMany({ clientId: 3, contentKey: { $in: ['n1', 'n2'] } })
    t.equal(deleted.deletedCount, 2)
    t.equal(await rows.countDocuments({ clientId: 3 }), 18)
    t.same(ids(await rows.find({ clientId: 3, contentKey: 'n1' }).toArray()), [])
    const removed = await rows.findOneAndDelete({ clientId: 3, contentKey: 'n3' })
    t.equal(removed?._id, 1003)
    t.equal(await rows.countDocuments({ clientId: 3, contentKey: 'n3' }), 0)
  })

  t.test('an aggregate whose first stage is a $match on a compound prefix', async (t) => {
    const grouped = await rows.aggregate([
      { $match: { clientId: 0, chatId: { $in: [0, 2] } } },
      { $group: { _id: '$chatId', n: { $sum: 1 } } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(grouped, [{ _id: 0, n: 6 }, { _id: 2, n: 6 }])
  })
})
