import t from 'tap'
import { setup } from './helper.js'

interface Run { _id: number; a: number; summary: { rejects: number[]; n: number; detail?: { x: number; y: number } } }

t.test('projections never change stored documents', async (t) => {
  const { db } = await setup(t)
  const runs = db.collection<Run>('runs')
  const stored: Run = { _id: 1, a: 1, summary: { rejects: [1, 2], n: 3, detail: { x: 1, y: 2 } } }
  await runs.insertOne(stored)

  t.test('find with an exclusion of a nested path', async (t) => {
    t.same(await runs.find({}, { projection: { 'summary.rejects': 0 } }).toArray(), [{ _id: 1, a: 1, summary: { n: 3, detail: { x: 1, y: 2 } } }])
    t.same(await runs.find({}, { projection: { summary: { detail: { y: 0 } } } }).toArray(), [{ _id: 1, a: 1, summary: { rejects: [1, 2], n: 3, detail: { x: 1 } } }])
    t.same(await runs.find({}).toArray(), [stored])
  })

  t.test('find with an inclusion of a nested path', async (t) => {
    t.same(await runs.find({}, { projection: { _id: 0, 'summary.n': 1, 'summary.detail.x': 1 } }).toArray(), [{ summary: { n: 3, detail: { x: 1 } } }])
    t.same(await runs.findOne({ _id: 1 }), stored)
  })

  t.test('findOneAndUpdate and findOneAndDelete with projections', async (t) => {
    const before = await runs.findOneAndUpdate({ _id: 1 }, { $set: { a: 2 } }, { projection: { 'summary.rejects': 0, 'summary.detail.x': 0 } })
    t.same(before, { _id: 1, a: 1, summary: { n: 3, detail: { y: 2 } } })
    t.same(await runs.findOne({ _id: 1 }), { ...stored, a: 2 })
    await runs.insertOne({ _id: 2, a: 5, summary: { rejects: [7], n: 1 } })
    const removed = await runs.findOneAndDelete({ _id: 2 }, { projection: { 'summary.rejects': 0 } })
    t.same(removed, { _id: 2, a: 5, summary: { n: 1 } })
    t.equal(await runs.countDocuments(), 1)
  })

  t.test('aggregation stages that remove nested fields', async (t) => {
    t.same(await runs.aggregate([{ $project: { 'summary.rejects': 0 } }]).toArray(), [{ _id: 1, a: 2, summary: { n: 3, detail: { x: 1, y: 2 } } }])
    t.same(await runs.aggregate([{ $match: { _id: 1 } }, { $unset: ['summary.detail.x', 'summary.n'] }]).toArray(), [{ _id: 1, a: 2, summary: { rejects: [1, 2], detail: { y: 2 } } }])
    t.same(await runs.findOne({ _id: 1 }), { ...stored, a: 2 })
  })
})
