import t from 'tap'
import { setup, type Row } from './helper.js'

t.test('views read their source through their pipeline and refuse writes', async (t) => {
  const { db } = await setup(t)
  const calls = db.collection<Row>('calls')
  await calls.insertMany([
    { _id: 1, agent: 'ann', secs: 30, tags: ['a'] },
    { _id: 2, agent: 'bob', secs: 90, tags: ['a', 'b'] },
    { _id: 3, agent: 'Ann', secs: 120, tags: [] },
    { _id: 4, agent: 'cid', secs: 10 }
  ])
  await db.createCollection('long_calls', { viewOn: 'calls', pipeline: [{ $match: { secs: { $gte: 30 } } }, { $project: { agent: 1, secs: 1, tags: 1, mins: { $divide: ['$secs', 60] } } }] })
  await db.command({ create: 'longest', viewOn: 'long_calls', pipeline: [{ $match: { secs: { $gt: 60 } } }] })
  const view = db.collection<Row>('long_calls')

  t.test('find applies filter, sort, skip, limit and projection after the view pipeline', async (t) => {
    t.same(await view.find({ secs: { $lt: 100 } }).sort({ secs: -1 }).toArray(), [
      { _id: 2, agent: 'bob', secs: 90, tags: ['a', 'b'], mins: 1.5 },
      { _id: 1, agent: 'ann', secs: 30, tags: ['a'], mins: 0.5 }
    ])
    t.same(await view.find({}, { projection: { _id: 0, mins: 1 } }).sort({ secs: 1 }).skip(1).limit(1).toArray(), [{ mins: 1.5 }])
    t.same((await view.find({}).sort({ _id: 1 }).batchSize(1).toArray()).map((d) => d._id), [1, 2, 3], 'batches through getMore on the view namespace')
  })

  t.test('count, distinct and aggregate see the view documents; views on views chain', async (t) => {
    t.equal(await view.countDocuments({}), 3)
    t.equal(await view.countDocuments({ tags: 'a' }), 2)
    t.equal(await view.estimatedDocumentCount(), 3)
    const count = await db.command({ count: 'long_calls', query: { secs: { $gt: 50 } }, limit: 1 })
    t.equal(count.n, 1)
    t.same(await view.distinct('tags'), ['a', 'b'])
    t.same(await view.distinct('agent', { secs: { $gt: 50 } }), ['Ann', 'bob'])
    const [total] = await view.aggregate([{ $group: { _id: null, mins: { $sum: '$mins' } } }]).toArray()
    t.equal(total.mins, 4)
    t.same((await db.collection('longest').find().sort({ _id: 1 }).toArray()).map((d) => d._id), [2, 3])
    const joined = await calls.aggregate([{ $match: { _id: 4 } }, { $lookup: { from: 'longest', pipeline: [{ $project: { _id: 1 } }], as: 'long' } }]).toArray()
    t.same(joined[0].long, [{ _id: 2 }, { _id: 3 }], '$lookup reads a view')
  })

  t.test('listCollections shows views with their options', async (t) => {
    const views = await db.listCollections({ type: 'view' }).toArray()
    t.same(views.map((v) => v.name).sort(), ['long_calls', 'longest'])
    const longest = views.find((v) => v.name === 'longest') as Row
    t.same(longest.options, { viewOn: 'long_calls', pipeline: [{ $match: { secs: { $gt: 60 } } }] })
    t.equal(longest.type, 'view')
    t.same(longest.info, { readOnly: true })
    const names = await db.listCollections({ type: 'view' }, { nameOnly: true }).toArray()
    t.same(names.map((v) => v.type), ['view', 'view'])
  })

  t.test('writes and index commands on a view fail with 166', async (t) => {
    await t.rejects(view.insertOne({ _id: 9 }), { code: 166 })
    await t.rejects(view.updateOne({}, { $set: { x: 1 } }), { code: 166 })
    await t.rejects(view.deleteMany({}), { code: 166 })
    await t.rejects(view.findOneAndUpdate({}, { $set: { x: 1 } }), { code: 166 })
    await t.rejects(view.createIndex({ secs: 1 }), { code: 166 })
    await t.rejects(view.listIndexes().toArray(), { code: 166 })
    await t.rejects(db.command({ dropIndexes: 'long_calls', index: '*' }), { code: 166 })
    t.equal(await calls.countDocuments({}), 4, 'the source is unchanged')
  })

  t.test('creating over an existing name fails; views may not hold $out', async (t) => {
    await t.rejects(db.createCollection('long_calls'), { code: 48 })
    await t.rejects(db.createCollection('calls', { viewOn: 'long_calls', pipeline: [] }), { code: 48 })
    await t.rejects(db.command({ create: 'bad', viewOn: 'calls', pipeline: { $match: {} } }), { code: 14 })
    await t.rejects(db.command({ create: 'bad', viewOn: 'calls', pipeline: [{ $nope: 1 }] }), { code: 40324 })
  })

  t.test('collMod replaces a view pipeline and refuses cycles', async (t) => {
    await db.command({ collMod: 'long_calls', viewOn: 'calls', pipeline: [{ $match: { agent: 'cid' } }] })
    t.same(await view.find().toArray(), [{ _id: 4, agent: 'cid', secs: 10 }])
    t.same(await db.collection('longest').find().toArray(), [], 'views on it see the new pipeline')
    await t.rejects(db.command({ collMod: 'long_calls', viewOn: 'longest', pipeline: [] }), { code: 5 })
    await t.rejects(db.command({ collMod: 'long_calls', pipeline: [] }), { code: 72 })
  })

  t.test('a view keeps its own default collation', async (t) => {
    await db.createCollection('agents_ci', { viewOn: 'calls', pipeline: [], collation: { locale: 'en', strength: 2 } })
    const ci = db.collection<Row>('agents_ci')
    t.same((await ci.find({ agent: 'ANN' }).sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 3])
    t.same((await ci.distinct('agent', { secs: { $gt: 20 } })).map((a) => String(a).toLowerCase()), ['ann', 'bob'])
    const [info] = await db.listCollections({ name: 'agents_ci' }).toArray()
    t.equal((info as Row).options.collation.strength, 2)
    await t.rejects(ci.find({}, { collation: { locale: 'fr' } }).toArray(), { code: 167 })
  })

  t.test('drop removes a view and leaves its source', async (t) => {
    t.equal(await db.collection('longest').drop(), true)
    t.same((await db.listCollections({ type: 'view' }, { nameOnly: true }).toArray()).map((v) => v.name).sort(), ['agents_ci', 'long_calls'])
    t.equal(await calls.countDocuments({}), 4)
  })
})
