import t from 'tap'
import { setup, type Row } from './helper.js'

t.test('let variables are evaluated once and visible wherever mongod allows $$var', async (t) => {
  const { db } = await setup(t)
  const items = db.collection<Row>('items')
  const seed = async (): Promise<void> => {
    await items.deleteMany({})
    await items.insertMany([{ _id: 1, qty: 5, kind: 'a' }, { _id: 2, qty: 15, kind: 'b' }, { _id: 3, qty: 25, kind: 'a' }])
  }
  await seed()

  t.test('a leading $match with $expr sees the aggregate let', async (t) => {
    const rows = await items.aggregate([{ $match: { $expr: { $gt: ['$qty', '$$min'] } } }, { $sort: { _id: 1 } }], { let: { min: 10 } }).toArray()
    t.same(rows.map((r) => r._id), [2, 3])
    const later = await items.aggregate([{ $sort: { _id: -1 } }, { $match: { $expr: { $eq: ['$kind', '$$kind'] } } }], { let: { kind: 'a' } }).toArray()
    t.same(later.map((r) => r._id), [3, 1])
  })

  t.test('let values are expressions, evaluated before any document is read', async (t) => {
    const rows = await items.aggregate([
      { $match: { $expr: { $eq: ['$qty', '$$target'] } } },
      { $project: { _id: 1, label: '$$label', total: { $add: ['$qty', '$$bonus'] } } }
    ], { let: { target: { $add: [10, 5] }, label: { $concat: ['x', 'y'] }, bonus: { $literal: 1 } } }).toArray()
    t.same(rows, [{ _id: 2, label: 'xy', total: 16 }])
    const [grouped] = await items.aggregate([{ $group: { _id: null, scaled: { $sum: { $multiply: ['$qty', '$$factor'] } } } }], { let: { factor: 2 } }).toArray()
    t.equal(grouped.scaled, 90)
  })

  t.test('the command let reaches a $lookup sub-pipeline', async (t) => {
    const kinds = db.collection<Row>('kinds')
    await kinds.insertMany([{ _id: 'a', rank: 1 }, { _id: 'b', rank: 2 }])
    const rows = await items.aggregate([
      { $match: { _id: 1 } },
      { $lookup: { from: 'kinds', pipeline: [{ $match: { $expr: { $eq: ['$rank', '$$wanted'] } } }], as: 'found' } }
    ], { let: { wanted: 2 } }).toArray()
    t.same(rows[0].found, [{ _id: 'b', rank: 2 }])
  })

  t.test('find and countDocuments see let in $expr', async (t) => {
    t.same((await items.find({ $expr: { $lt: ['$qty', '$$cap'] } }, { let: { cap: { $subtract: [20, 1] } } }).sort({ _id: 1 }).toArray()).map((r) => r._id), [1, 2])
    t.equal(await items.countDocuments({ $expr: { $eq: ['$kind', '$$k'] } }, { let: { k: 'a' } } as object), 2)
  })

  t.test('update, findAndModify and delete evaluate their let values', async (t) => {
    await seed()
    const result = await items.updateOne({ $expr: { $eq: ['$_id', '$$id'] } }, [{ $set: { note: '$$msg', joined: '$$joined' } }], {
      let: { id: 1, msg: { $literal: '$notAField' }, joined: { $concat: ['a', '-', 'b'] } }
    })
    t.equal(result.modifiedCount, 1)
    t.same(await items.findOne({ _id: 1 }), { _id: 1, qty: 5, kind: 'a', note: '$notAField', joined: 'a-b' })
    const found = await items.findOneAndUpdate({ $expr: { $eq: ['$qty', '$$qty'] } }, [{ $set: { qty: { $add: ['$qty', '$$step'] } } }], {
      let: { qty: 15, step: { $multiply: [2, 5] } }, returnDocument: 'after'
    })
    t.same(found, { _id: 2, qty: 25, kind: 'b' })
    const deleted = await items.deleteMany({ $expr: { $gte: ['$qty', '$$limit'] } }, { let: { limit: { $add: [20, 5] } } })
    t.equal(deleted.deletedCount, 2)
    t.same((await items.find().toArray()).map((r) => r._id), [1])
  })

  t.test('let values may not read fields and names follow mongod rules', async (t) => {
    await t.rejects(items.find({ $expr: { $eq: ['$qty', '$$x'] } }, { let: { x: '$qty' } }).toArray(), { code: 4890500 })
    await t.rejects(items.aggregate([], { let: { Upper: 1 } }).toArray(), { code: 16867 })
    await t.rejects(items.aggregate([], { let: { 'a-b': 1 } }).toArray(), { code: 16868 })
    await t.rejects(items.aggregate([{ $project: { v: '$$missing' } }]).toArray(), { code: 17276 })
  })
})
