import t from 'tap'
import type { Document } from 'mongodb'
import { setup, type Row } from './helper.js'
import { everything, executionStats, queryPlanner, stage, stageNames, winningPlan } from './plans.js'

t.test('explain', async (t) => {
  const { db } = await setup(t)
  const items = db.collection<Row>('items')
  await items.createIndex({ a: 1 })
  await items.createIndex({ a: 1, b: 1 })
  await items.createIndex({ s: 1 })
  await items.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, a: i % 8, b: i % 5, s: `s${i % 4}`, n: i })))
  const command = async (explain: Document, verbosity = 'executionStats'): Promise<Document> => db.command({ explain, verbosity })

  t.test('find: the winning plan, the rejected ones, and what running it examined', async (t) => {
    const explained = await items.find({ a: 3, b: 3 }).explain('allPlansExecution')
    const planner = queryPlanner(explained)
    t.equal(planner.namespace, `${db.databaseName}.items`)
    t.equal(stage(winningPlan(explained), 'IXSCAN')?.indexName, 'a_1_b_1', 'the index that bounds both fields wins')
    t.ok(planner.rejectedPlans.length >= 1, 'the other candidate is rejected')
    t.ok(planner.rejectedPlans.some((p: Document) => stage(p, 'IXSCAN')?.indexName === 'a_1'))
    const stats = executionStats(explained)
    t.same([stats.executionSuccess, stats.nReturned, stats.totalKeysExamined, stats.totalDocsExamined], [true, 1, 1, 1])
    t.equal(typeof stats.executionTimeMillis, 'number')
    t.equal(stats.executionStages.stage, 'FETCH')
    t.equal(stats.executionStages.inputStage.keysExamined, 1)
    t.ok(Array.isArray(stats.allPlansExecution) && stats.allPlansExecution.length >= 2)

    const plannerOnly = await items.find({ a: 3 }).explain('queryPlanner')
    t.equal(plannerOnly.executionStats, undefined, 'queryPlanner verbosity does not run the plan')
    const byCommand = await command({ find: 'items', filter: { s: 's1' }, sort: { n: -1 }, limit: 2 })
    t.same(byCommand.command.filter, { s: 's1' })
    t.equal(executionStats(byCommand).nReturned, 2)
    t.ok(stageNames(winningPlan(byCommand)).includes('SORT'), 'n is not indexed: sorted in memory')
  })

  t.test('find: a collection scan, a query on a missing collection, an _id lookup', async (t) => {
    const scan = await items.find({ n: { $gte: 30 } }).explain('executionStats')
    t.same(stageNames(winningPlan(scan)), ['COLLSCAN'])
    t.same([executionStats(scan).nReturned, executionStats(scan).totalKeysExamined, executionStats(scan).totalDocsExamined], [10, 0, 40])
    t.same(stageNames(winningPlan(await db.collection('missing').find({ a: 1 }).explain('queryPlanner'))), ['EOF'])
    const byId = await items.find({ _id: 7 }).explain('executionStats')
    t.ok(['IDHACK', 'EXPRESS_IXSCAN', 'FETCH'].includes(winningPlan(byId).stage as string))
    t.equal(executionStats(byId).nReturned, 1)
    const projected = winningPlan(await items.find({ a: 2 }, { projection: { n: 1 } }).explain('queryPlanner'))
    t.ok(stageNames(projected).some((name) => name.startsWith('PROJECTION')))
  })

  t.test('count and distinct', async (t) => {
    const counted = await command({ count: 'items', query: { a: 5 } })
    const countPlan = winningPlan(counted)
    t.equal(countPlan.stage, 'COUNT')
    t.equal(stage(countPlan, 'COUNT_SCAN')?.indexName === 'a_1' || stage(countPlan, 'COUNT_SCAN')?.indexName === 'a_1_b_1', true)
    t.equal(executionStats(counted).executionStages.nCounted, 5)
    t.same(stageNames(winningPlan(await command({ count: 'items', query: {} }, 'queryPlanner'))), ['RECORD_STORE_FAST_COUNT'])
    const filtered = await command({ count: 'items', query: { n: { $lt: 4 } } })
    t.equal(executionStats(filtered).executionStages.nCounted, 4)
    const distinct = await command({ distinct: 'items', key: 's', query: {} })
    t.equal(stage(winningPlan(distinct), 'DISTINCT_SCAN')?.indexName, 's_1')
    t.same(await items.distinct('s'), ['s0', 's1', 's2', 's3'])
    const unindexed = await command({ distinct: 'items', key: 'n', query: { n: { $lt: 3 } } })
    t.ok(stageNames(winningPlan(unindexed)).includes('COLLSCAN'))
  })

  t.test('updates, deletes and findAndModify are explained without being applied', async (t) => {
    const update = await command({ update: 'items', updates: [{ q: { a: 1 }, u: { $set: { x: 1 } }, multi: true }] })
    t.equal(winningPlan(update).stage, 'UPDATE')
    t.equal(stage(winningPlan(update), 'IXSCAN')?.indexName === 'a_1' || stage(winningPlan(update), 'IXSCAN')?.indexName === 'a_1_b_1', true)
    t.same([executionStats(update).executionStages.nMatched, executionStats(update).executionStages.nWouldModify], [5, 5])
    const upsert = await command({ update: 'items', updates: [{ q: { a: 99 }, u: { $set: { x: 1 } }, upsert: true }] })
    t.equal(executionStats(upsert).executionStages.nWouldUpsert, 1)
    const removeOne = await command({ delete: 'items', deletes: [{ q: { s: 's2' }, limit: 1 }] })
    t.equal(winningPlan(removeOne).stage, 'DELETE')
    t.equal(executionStats(removeOne).executionStages.nWouldDelete, 1)
    const removeAll = await command({ delete: 'items', deletes: [{ q: { s: 's2' }, limit: 0 }] })
    t.ok(['DELETE', 'BATCHED_DELETE'].includes(winningPlan(removeAll).stage as string))
    t.equal(executionStats(removeAll).executionStages.nWouldDelete, 10)
    const fam = await command({ findAndModify: 'items', query: { a: 2 }, sort: { n: -1 }, update: { $inc: { n: 1 } } })
    t.equal(winningPlan(fam).stage, 'UPDATE')
    const famRemove = await command({ findAndModify: 'items', query: { a: 2 }, remove: true })
    t.equal(winningPlan(famRemove).stage, 'DELETE')
    t.equal(await items.countDocuments({ x: 1 }), 0, 'nothing was updated')
    t.equal(await items.countDocuments({}), 40, 'nothing was deleted')
    t.same((await items.find({ a: 2 }).sort({ n: -1 }).limit(1).toArray())[0]?.n, 34)
  })

  t.test('aggregate: its leading $match and $sort are the query', async (t) => {
    const grouped = await items.aggregate([{ $match: { s: 's3' } }, { $group: { _id: '$a', n: { $sum: 1 } } }]).explain('executionStats')
    t.equal(stage(winningPlan(grouped), 'IXSCAN')?.indexName, 's_1')
    const pushed = await items.aggregate([{ $match: { a: { $gte: 6 } } }, { $sort: { a: -1 } }, { $limit: 3 }]).explain('executionStats')
    const plan = winningPlan(pushed)
    t.equal(stage(plan, 'IXSCAN')?.direction, 'backward')
    t.notOk(stageNames(plan).includes('SORT'))
    t.equal(executionStats(pushed).totalKeysExamined, 3)
    const viaCommand = await command({ aggregate: 'items', pipeline: [{ $match: { a: 1 } }, { $project: { n: 1 } }], cursor: {} }, 'queryPlanner')
    t.ok(stage(winningPlan(viaCommand), 'IXSCAN') !== undefined)
    await command({ aggregate: 'items', pipeline: [{ $match: { a: 1 } }, { $out: 'copied' }], cursor: {} })
    t.same((await db.listCollections({ name: 'copied' }).toArray()).length, 0, 'an explained $out writes nothing')
  })

  t.test('aggregate: $lookup reports the index it read the foreign collection through', async (t) => {
    const owners = db.collection<Row>('owners')
    await owners.createIndex({ item: 1 })
    await owners.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, item: i * 2 })))
    const explained = await items.aggregate([{ $match: { a: 0 } }, { $lookup: { from: 'owners', localField: 'n', foreignField: 'item', as: 'owners' } }]).explain('executionStats')
    const nodes = everything(explained)
    const lookup = nodes.find((n) => n.$lookup !== undefined && n.indexesUsed !== undefined)
    const pushedDown = nodes.find((n) => n.stage === 'EQ_LOOKUP')
    t.ok(lookup !== undefined || pushedDown !== undefined, 'the $lookup stage is in the explain')
    if (lookup !== undefined) {
      t.same(lookup.indexesUsed, ['item_1'])
      t.equal(lookup.collectionScans, 0)
    } else {
      t.equal(pushedDown?.indexName, 'item_1')
    }
    const joined = await items.aggregate([{ $match: { a: 0 } }, { $lookup: { from: 'owners', localField: 'n', foreignField: 'item', as: 'owners' } }]).toArray()
    t.same(joined.map((d) => d.owners.length), [1, 1, 1, 0, 0])
  })

  t.test('bad explain commands are refused', async (t) => {
    await t.rejects(db.command({ explain: { find: 'items' }, verbosity: 'loud' }), { code: 2 })
    await t.rejects(db.command({ explain: { frobnicate: 'items' } }))
  })
})
