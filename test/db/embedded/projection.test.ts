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

t.test('$project of top-level fields only', async (t) => {
  const { db } = await setup(t)
  const rows = db.collection<{ _id: number, [field: string]: unknown }>('rows')
  await rows.insertMany([
    { _id: 1, a: 1, b: { c: 2, d: [1, 2] }, items: [{ x: 1, y: 2 }, 3, { y: 4 }], e: null },
    { _id: 2, b: 'two' }
  ])
  const project = async (spec: Record<string, unknown>): Promise<unknown[]> => rows.aggregate([{ $sort: { _id: 1 } }, { $project: spec }]).toArray()

  t.test('keeps the named fields whole, _id unless excluded, and leaves missing fields out', async (t) => {
    t.same(await project({ a: 1, b: 1 }), [{ _id: 1, a: 1, b: { c: 2, d: [1, 2] } }, { _id: 2, b: 'two' }])
    t.same(await project({ _id: 0, items: 1, e: true, absent: 1 }), [{ items: [{ x: 1, y: 2 }, 3, { y: 4 }], e: null }, {}])
    t.same(await project({ _id: false, a: 5 }), [{ a: 1 }, {}])
    t.same(await project({ _id: 1 }), [{ _id: 1 }, { _id: 2 }])
  })

  t.test('fields come in the order of the document, not of the projection', async (t) => {
    const [first] = await project({ e: 1, a: 1, _id: 1, b: 1 }) as Array<Record<string, unknown>>
    t.same(Object.keys(first), ['_id', 'a', 'b', 'e'])
  })

  t.test('dotted paths, exclusions and expressions are projected as before', async (t) => {
    t.same(await project({ _id: 0, 'items.y': 1, 'b.c': 1 }), [{ b: { c: 2 }, items: [{ y: 2 }, { y: 4 }] }, {}])
    t.same(await project({ b: 0, items: 0, e: 0 }), [{ _id: 1, a: 1 }, { _id: 2 }])
    t.same(await project({ _id: 0, a: 1, n: { $literal: 1 }, m: '$b.c' }), [{ a: 1, n: 1, m: 2 }, { n: 1 }])
  })

  t.test('what a later stage changes is a copy: stored documents stay as they were', async (t) => {
    const changed = await rows.aggregate([{ $match: { _id: 1 } }, { $project: { b: 1 } }, { $set: { 'b.c': 9 } }]).toArray()
    t.same(changed, [{ _id: 1, b: { c: 9, d: [1, 2] } }])
    t.same(await rows.findOne({ _id: 1 }), { _id: 1, a: 1, b: { c: 2, d: [1, 2] }, items: [{ x: 1, y: 2 }, 3, { y: 4 }], e: null })
  })

  t.test('as the whole sub-pipeline of a $lookup, with an index and without', async (t) => {
    const outer = db.collection<{ _id: number, k: number }>('outer')
    await outer.insertMany([{ _id: 1, k: 1 }, { _id: 2, k: 1 }, { _id: 3, k: 2 }])
    const joined = db.collection<{ _id: number, [field: string]: unknown }>('joined')
    const stored = [{ _id: 10, w: 'x', k: 1, tags: { t: 0 } }, { _id: 11, k: 1 }, { _id: 12, k: 3, w: 'z' }]
    await joined.insertMany(stored)
    const lookup = (pipeline: Array<Record<string, unknown>>): Record<string, unknown> => ({ $lookup: { from: 'joined', localField: 'k', foreignField: 'k', pipeline, as: 'j' } })
    // Each outer document changes its own copy of what it joined.
    const changed = async (): Promise<unknown[]> => outer.aggregate([
      { $sort: { _id: 1 } }, lookup([{ $project: { tags: 1, w: 1 } }]), { $unwind: '$j' }, { $set: { 'j.tags.t': '$_id' } }
    ]).toArray()
    const expected = [
      { _id: 1, k: 1, j: { _id: 10, w: 'x', tags: { t: 1 } } },
      { _id: 1, k: 1, j: { _id: 11, tags: { t: 1 } } },
      { _id: 2, k: 1, j: { _id: 10, w: 'x', tags: { t: 2 } } },
      { _id: 2, k: 1, j: { _id: 11, tags: { t: 2 } } }
    ]
    t.same(await changed(), expected)
    await joined.createIndex({ k: 1 })
    t.same(await changed(), expected)
    t.same(await outer.aggregate([{ $sort: { _id: 1 } }, lookup([{ $match: { w: 'x' } }, { $project: { _id: 0, w: 1 } }])]).toArray(), [
      { _id: 1, k: 1, j: [{ w: 'x' }] },
      { _id: 2, k: 1, j: [{ w: 'x' }] },
      { _id: 3, k: 2, j: [] }
    ])
    t.same(await joined.find({}, { sort: { _id: 1 } }).toArray(), stored)
  })
})
