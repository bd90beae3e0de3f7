import t from 'tap'
import { setup, type Row } from './helper.js'

t.test('aggregation', async (t) => {
  const { db } = await setup(t)
  const sales = db.collection<Row>('sales')
  await sales.insertMany([
    { _id: 1, agent: 'ada', amount: 10, at: new Date('2024-03-29T10:00:00Z') },
    { _id: 2, agent: 'ada', amount: 20, at: new Date('2024-03-31T00:30:00Z') },
    { _id: 3, agent: 'ada', amount: 60, at: new Date('2024-03-31T23:30:00Z') },
    { _id: 4, agent: 'bob', amount: 5, at: new Date('2024-04-01T09:00:00Z') },
    { _id: 5, agent: 'bob', amount: 15, at: new Date('2024-04-02T09:00:00Z') },
    { _id: 6, agent: 'cy', amount: 7, at: new Date('2024-04-03T09:00:00Z') }
  ])
  const agents = db.collection<Row>('agents')
  await agents.insertMany([
    { _id: 'ada', name: 'Ada', team: 't1' },
    { _id: 'bob', name: 'Bob', team: 't1' },
    { _id: 'cy', name: 'Cy', team: 't2' },
    { _id: 'dee', name: 'Dee', team: 't2' }
  ])

  t.test('$group with $sum, $avg, $median and $percentile', async (t) => {
    const rows = await sales.aggregate([
      {
        $group: {
          _id: '$agent',
          n: { $sum: 1 },
          total: { $sum: '$amount' },
          avg: { $avg: '$amount' },
          median: { $median: { input: '$amount', method: 'approximate' } },
          p: { $percentile: { input: '$amount', p: [0.5, 0.9], method: 'approximate' } }
        }
      },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [
      { _id: 'ada', n: 3, total: 90, avg: 30, median: 20, p: [20, 60] },
      { _id: 'bob', n: 2, total: 20, avg: 10, median: 5, p: [5, 15] },
      { _id: 'cy', n: 1, total: 7, avg: 7, median: 7, p: [7, 7] }
    ])
  })

  t.test('countDocuments and $count', async (t) => {
    t.equal(await sales.countDocuments({ amount: { $gte: 10 } }), 4)
    t.same(await sales.aggregate([{ $match: { agent: 'bob' } }, { $count: 'n' }]).toArray(), [{ n: 2 }])
  })

  t.test('$count of no documents answers no document, and its field name is checked as mongod checks it', async (t) => {
    t.same(await sales.aggregate([{ $match: { agent: 'nobody' } }, { $count: 'n' }]).toArray(), [])
    t.same(await sales.aggregate([{ $match: { agent: 'nobody' } }, { $project: { amount: 1 } }, { $count: 'n' }]).toArray(), [])
    t.same(await sales.aggregate([{ $facet: { none: [{ $match: { agent: 'nobody' } }, { $count: 'n' }], bob: [{ $match: { agent: 'bob' } }, { $count: 'n' }] } }]).toArray(), [{ none: [], bob: [{ n: 2 }] }])
    const refusal = (field: unknown) => sales.aggregate([{ $match: { agent: 'nobody' } }, { $count: field }]).toArray().then(() => undefined, (error: { code?: number }) => error.code)
    t.same(await Promise.all([7, '', '$n', 'a\u0000b', 'a.b'].map(refusal)), [40156, 40157, 40158, 40159, 40160])
  })

  t.test('$lookup joins another collection of the same database', async (t) => {
    const rows = await agents.aggregate([
      { $lookup: { from: 'sales', localField: '_id', foreignField: 'agent', as: 'sales' } },
      { $project: { n: { $size: '$sales' } } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [{ _id: 'ada', n: 3 }, { _id: 'bob', n: 2 }, { _id: 'cy', n: 1 }, { _id: 'dee', n: 0 }])
    const piped = await agents.aggregate([
      { $match: { team: 't2' } },
      { $lookup: { from: 'sales', let: { a: '$_id' }, pipeline: [{ $match: { $expr: { $eq: ['$agent', '$$a'] } } }, { $project: { _id: 0, amount: 1 } }], as: 'sales' } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(piped, [{ _id: 'cy', name: 'Cy', team: 't2', sales: [{ amount: 7 }] }, { _id: 'dee', name: 'Dee', team: 't2', sales: [] }])
  })

  t.test('$lookup results do not leak into stored documents', async (t) => {
    await agents.aggregate([{ $lookup: { from: 'sales', localField: '_id', foreignField: 'agent', as: 'sales' } }, { $set: { 'sales.touched': true } }]).toArray()
    t.equal(await sales.countDocuments({ touched: true }), 0)
    t.same(await agents.findOne({ _id: 'ada' }), { _id: 'ada', name: 'Ada', team: 't1' })
  })

  t.test('$facet runs sub-pipelines over the same input', async (t) => {
    const [facets] = await sales.aggregate([
      { $facet: { count: [{ $count: 'n' }], top: [{ $sort: { amount: -1 } }, { $limit: 2 }, { $project: { _id: 1 } }] } }
    ]).toArray()
    t.same(facets, { count: [{ n: 6 }], top: [{ _id: 3 }, { _id: 2 }] })
  })

  t.test('$dateTrunc by week and day in Europe/Dublin across the 2024-03-31 DST change', async (t) => {
    const rows = await sales.aggregate([
      { $match: { _id: { $in: [1, 2, 3, 4] } } },
      {
        $project: {
          day: { $dateTrunc: { date: '$at', unit: 'day', timezone: 'Europe/Dublin' } },
          week: { $dateTrunc: { date: '$at', unit: 'week', timezone: 'Europe/Dublin', startOfWeek: 'monday' } }
        }
      },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows.map((r) => [r._id, r.day.toISOString(), r.week.toISOString()]), [
      [1, '2024-03-29T00:00:00.000Z', '2024-03-25T00:00:00.000Z'],
      [2, '2024-03-31T00:00:00.000Z', '2024-03-25T00:00:00.000Z'],
      [3, '2024-03-31T23:00:00.000Z', '2024-03-31T23:00:00.000Z'],
      [4, '2024-03-31T23:00:00.000Z', '2024-03-31T23:00:00.000Z']
    ])
  })

  t.test('date operators accept UTC, offsets and multi-part zone names', async (t) => {
    const [row] = await sales.aggregate([
      { $match: { _id: 3 } },
      {
        $project: {
          _id: 0,
          utc: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone: 'UTC' } },
          dublin: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone: 'Europe/Dublin' } },
          buenosAires: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M', timezone: 'America/Argentina/Buenos_Aires' } },
          offset: { $dateToString: { date: '$at', format: '%H:%M', timezone: '+05:30' } },
          hour: { $hour: { date: '$at', timezone: 'Etc/GMT-2' } },
          dayUtc: { $dateTrunc: { date: '$at', unit: 'day', timezone: 'UTC' } }
        }
      }
    ]).toArray()
    t.same(row, {
      utc: '2024-03-31 23:30',
      dublin: '2024-04-01 00:30',
      buenosAires: '2024-03-31 20:30',
      offset: '05:00',
      hour: 1,
      dayUtc: new Date('2024-03-31T00:00:00Z')
    })
  })

  t.test('$setWindowFields computes running totals and ranks per partition', async (t) => {
    const rows = await sales.aggregate([
      {
        $setWindowFields: {
          partitionBy: '$agent',
          sortBy: { at: 1 },
          output: { running: { $sum: '$amount', window: { documents: ['unbounded', 'current'] } }, rank: { $rank: {} } }
        }
      },
      { $sort: { _id: 1 } },
      { $project: { running: 1, rank: 1 } }
    ]).toArray()
    t.same(rows, [
      { _id: 1, running: 10, rank: 1 },
      { _id: 2, running: 30, rank: 2 },
      { _id: 3, running: 90, rank: 3 },
      { _id: 4, running: 5, rank: 1 },
      { _id: 5, running: 20, rank: 2 },
      { _id: 6, running: 7, rank: 1 }
    ])
  })

  t.test('$unionWith and $graphLookup read other collections', async (t) => {
    const union = await agents.aggregate([{ $project: { _id: 1 } }, { $unionWith: { coll: 'sales', pipeline: [{ $match: { _id: { $lte: 2 } } }, { $project: { _id: 1 } }] } }]).toArray()
    t.same(union.map((d) => d._id), ['ada', 'bob', 'cy', 'dee', 1, 2])
    const staff = db.collection<Row>('staff')
    await staff.insertMany([{ _id: 'ceo' }, { _id: 'cto', boss: 'ceo' }, { _id: 'dev', boss: 'cto' }])
    const [chain] = await staff.aggregate([
      { $match: { _id: 'dev' } },
      { $graphLookup: { from: 'staff', startWith: '$boss', connectFromField: 'boss', connectToField: '_id', as: 'bosses' } },
      { $project: { bosses: '$bosses._id' } }
    ]).toArray()
    t.same([...chain.bosses].sort(), ['ceo', 'cto'])
  })

  t.test('$out replaces a collection with the results', async (t) => {
    await db.collection<Row>('totals').insertOne({ stale: true })
    const out = await sales.aggregate([{ $group: { _id: '$agent', total: { $sum: '$amount' } } }, { $out: 'totals' }]).toArray()
    t.same(out, [])
    t.same(await db.collection<Row>('totals').find().sort({ _id: 1 }).toArray(), [{ _id: 'ada', total: 90 }, { _id: 'bob', total: 20 }, { _id: 'cy', total: 7 }])
  })

  t.test('$merge upserts results into a collection', async (t) => {
    await db.collection<Row>('board').insertMany([{ _id: 'ada', total: 1, badge: 'gold' }, { _id: 'zed', total: 3 }])
    await sales.aggregate([{ $group: { _id: '$agent', total: { $sum: '$amount' } } }, { $merge: { into: 'board', whenMatched: 'merge', whenNotMatched: 'insert' } }]).toArray()
    t.same(await db.collection<Row>('board').find().sort({ _id: 1 }).toArray(), [
      { _id: 'ada', total: 90, badge: 'gold' },
      { _id: 'bob', total: 20 },
      { _id: 'cy', total: 7 },
      { _id: 'zed', total: 3 }
    ])
    await sales.aggregate([{ $match: { agent: 'cy' } }, { $project: { _id: '$agent', total: { $literal: 0 } } }, { $merge: { into: 'board', whenMatched: 'keepExisting', whenNotMatched: 'discard' } }]).toArray()
    t.same(await db.collection<Row>('board').findOne({ _id: 'cy' }), { _id: 'cy', total: 7 })
    await sales.aggregate([{ $match: { agent: 'cy' } }, { $project: { _id: '$agent', total: { $literal: 0 } } }, { $merge: { into: 'board', whenMatched: 'replace' } }]).toArray()
    t.same(await db.collection<Row>('board').findOne({ _id: 'cy' }), { _id: 'cy', total: 0 })
    await sales.aggregate([{ $match: { agent: 'cy' } }, { $project: { _id: '$agent' } }, { $merge: { into: 'board', whenMatched: [{ $set: { total: { $add: ['$total', 5] } } }] } }]).toArray()
    t.same(await db.collection<Row>('board').findOne({ _id: 'cy' }), { _id: 'cy', total: 5 })
  })

  t.test('$unwind, $bucket and $addFields behave as in mongod', async (t) => {
    const rows = await sales.aggregate([
      { $bucket: { groupBy: '$amount', boundaries: [0, 10, 50, 100], default: 'other', output: { ids: { $push: '$_id' } } } }
    ]).toArray()
    t.same(rows, [{ _id: 0, ids: [4, 6] }, { _id: 10, ids: [1, 2, 5] }, { _id: 50, ids: [3] }])
    const unwound = await db.collection<Row>('baskets').insertOne({ _id: 1, items: ['a', 'b'] })
      .then(() => db.collection<Row>('baskets').aggregate([{ $unwind: '$items' }, { $addFields: { upper: { $toUpper: '$items' } } }]).toArray())
    t.same(unwound, [{ _id: 1, items: 'a', upper: 'A' }, { _id: 1, items: 'b', upper: 'B' }])
  })

  t.test('an unknown stage is an error', async (t) => {
    await t.rejects(sales.aggregate([{ $noSuchStage: {} }]).toArray(), { code: 40324, message: "Unrecognized pipeline stage name: '$noSuchStage'" })
  })

  t.test('a database-level aggregate runs $documents', async (t) => {
    const rows = await db.aggregate([{ $documents: [{ x: 1 }, { x: 2 }] }, { $match: { x: { $gt: 1 } } }]).toArray()
    t.same(rows, [{ x: 2 }])
  })
})
