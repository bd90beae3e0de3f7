import t from 'tap'
import { setup, type Row } from './helper.js'

t.test('$percentile and $median evaluate their input per document, as mongod 7.0', async (t) => {
  const { db } = await setup(t)
  const calls = db.collection<Row>('calls')
  await calls.insertMany([
    { _id: 1, team: 'a', s: 0, e: 30, xs: [3, 1, 2] },
    { _id: 2, team: 'a', s: 10, e: 20, xs: [] },
    { _id: 3, team: 'a', s: 5, e: 65, xs: 'none' },
    { _id: 4, team: 'b', s: null, e: 5, xs: [9, 'a', null] },
    { _id: 5, team: 'b', xs: 7 },
    { _id: 6, team: 'c', v: 'text' }
  ])

  t.test('accumulators take an expression input and skip non-numbers', async (t) => {
    const rows = await calls.aggregate([
      { $group: { _id: '$team', median: { $median: { input: { $subtract: ['$e', '$s'] }, method: 'approximate' } }, ps: { $percentile: { input: { $subtract: ['$e', '$s'] }, p: [0, 0.5, 1], method: 'approximate' } } } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [
      { _id: 'a', median: 30, ps: [10, 30, 60] },
      { _id: 'b', median: null, ps: [null, null, null] },
      { _id: 'c', median: null, ps: [null, null, null] }
    ])
    const [arrays] = await calls.aggregate([{ $group: { _id: null, m: { $median: { input: '$xs', method: 'approximate' } } } }]).toArray()
    t.equal(arrays.m, 7, 'arrays are not numbers to the accumulator')
  })

  t.test('p may come from let variables and constant expressions', async (t) => {
    const [row] = await calls.aggregate([
      { $match: { team: 'a' } },
      { $group: { _id: null, whole: { $percentile: { input: '$e', p: '$$ps', method: 'approximate' } }, parts: { $percentile: { input: '$e', p: ['$$low', { $add: [0.4, 0.5] }], method: 'approximate' } } } }
    ], { let: { ps: [0.5, 0.9], low: 0.1 } }).toArray()
    t.same(row, { _id: null, whole: [30, 65], parts: [20, 65] })
  })

  t.test('as expressions they read an array per document, or a single number', async (t) => {
    const rows = await calls.aggregate([
      { $project: { m: { $median: { input: '$xs', method: 'approximate' } }, p: { $percentile: { input: { $concatArrays: [[10], { $cond: [{ $isArray: '$xs' }, '$xs', []] }] }, p: [0.25, 1], method: 'approximate' } } } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [
      { _id: 1, m: 2, p: [1, 10] },
      { _id: 2, m: null, p: [10, 10] },
      { _id: 3, m: null, p: [10, 10] },
      { _id: 4, m: 9, p: [9, 10] },
      { _id: 5, m: 7, p: [10, 10] },
      { _id: 6, m: null, p: [10, 10] }
    ])
  })

  t.test('invalid specifications are refused with mongod codes', async (t) => {
    const group = (spec: unknown): Promise<unknown> => calls.aggregate([{ $group: { _id: null, v: spec } }]).toArray()
    const project = (spec: unknown): Promise<unknown> => calls.aggregate([{ $project: { v: spec } }]).toArray()
    await t.rejects(group({ $percentile: 0.5 }), { code: 7429703 })
    await t.rejects(project({ $median: 'x' }), { code: 7436200 })
    await t.rejects(group({ $percentile: { input: '$e', method: 'approximate' } }), { code: 40414 })
    await t.rejects(group({ $percentile: { input: '$e', p: [0.5], method: 'approximate', extra: 1 } }), { code: 40415 })
    await t.rejects(group({ $median: { input: '$e', p: [0.5], method: 'approximate' } }), { code: 40415 })
    await t.rejects(group({ $median: { input: '$e' } }), { code: 40414 })
    await t.rejects(group({ $median: { input: '$e', method: 'fancy' } }), { code: 2 })
    await t.rejects(group({ $median: { input: '$e', method: 'continuous' } }), { code: 2 })
    await t.rejects(group({ $percentile: { input: '$e', p: [0.5], method: 42 } }), { code: 14 })
    await t.rejects(group({ $percentile: { input: '$e', p: ['$e'], method: 'approximate' } }), { code: 7750300 })
    await t.rejects(group({ $percentile: { input: '$e', p: 0.5, method: 'approximate' } }), { code: 7750301 })
    await t.rejects(group({ $percentile: { input: '$e', p: [], method: 'approximate' } }), { code: 7750301 })
    await t.rejects(group({ $percentile: { input: '$e', p: [0.5, 'x'], method: 'approximate' } }), { code: 7750302 })
    await t.rejects(group({ $percentile: { input: '$e', p: [1.5], method: 'approximate' } }), { code: 7750303 })
    await t.rejects(project({ $percentile: { input: '$xs', p: [-0.1], method: 'approximate' } }), { code: 7750303 })
  })
})
