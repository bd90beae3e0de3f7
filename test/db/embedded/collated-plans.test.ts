import t from 'tap'
import type { Collection, CollationOptions, Document } from 'mongodb'
import { fullSpec, setup, type Row } from './helper.js'
import { executionStats, stage, stageNames, winningPlan } from './plans.js'

const caseInsensitive = { locale: 'en', strength: 2 }
const accentInsensitive = { locale: 'fr', strength: 1 }

const NAMES = ['anna', 'Anna', 'ANNA', 'bob', 'Bob', 'carl', 'Émile', 'emile', 'zoe', 'Zoë']

async function explainFind (c: Collection<Row>, filter: Document, options: { collation?: CollationOptions, sort?: Document, limit?: number } = {}): Promise<Document> {
  let cursor = c.find(filter, options.collation === undefined ? {} : { collation: options.collation })
  if (options.sort !== undefined) cursor = cursor.sort(options.sort)
  if (options.limit !== undefined) cursor = cursor.limit(options.limit)
  return await cursor.explain('executionStats')
}

const ids = (docs: Row[]): unknown[] => docs.map((d) => d._id)

t.test('a collated index answers queries of its own collation from its keys', async (t) => {
  const { db } = await setup(t)
  const people = db.collection<Row>('people')
  await people.insertMany(NAMES.map((name, i) => ({ _id: i, name, n: i })))
  await people.createIndex({ name: 1 }, { collation: caseInsensitive, name: 'name_ci' })

  t.test('equality and $in read only the matching keys', async (t) => {
    const explain = await explainFind(people, { name: 'ANNA' }, { collation: caseInsensitive })
    const scan = stage(winningPlan(explain), 'IXSCAN')
    t.equal(scan?.indexName, 'name_ci')
    t.same(executionStats(explain).nReturned, 3)
    t.equal(executionStats(explain).totalKeysExamined, 3, 'the three spellings of one key, nothing else')
    t.same(ids(await people.find({ name: { $in: ['anna', 'BOB'] } }, { collation: caseInsensitive }).sort({ _id: 1 }).toArray()), [0, 1, 2, 3, 4])
    const inExplain = await explainFind(people, { name: { $in: ['anna', 'BOB', 'Anna'] } }, { collation: caseInsensitive })
    t.equal(stage(winningPlan(inExplain), 'IXSCAN')?.indexName, 'name_ci')
    t.equal(executionStats(inExplain).totalKeysExamined, 5, 'values equal under the collation are one interval')
  })

  t.test('ranges follow the collation, not the bytes', async (t) => {
    // Binary order puts every upper-case name before every lower-case one; the collation interleaves them.
    const found = await people.find({ name: { $gte: 'b', $lt: 'D' } }, { collation: caseInsensitive }).sort({ _id: 1 }).toArray()
    t.same(ids(found), [3, 4, 5])
    const explain = await explainFind(people, { name: { $gte: 'b', $lt: 'D' } }, { collation: caseInsensitive })
    t.equal(stage(winningPlan(explain), 'IXSCAN')?.indexName, 'name_ci')
    t.equal(executionStats(explain).totalDocsExamined, 3)
    t.same(ids(await people.find({ name: { $gt: 'zoe' } }, { collation: caseInsensitive }).toArray()), [9], 'Zoë sorts after zoe at strength 2')
  })

  t.test('the index gives the sort, forward and backward', async (t) => {
    const forward = await people.find({}, { collation: caseInsensitive }).sort({ name: 1, _id: 1 }).toArray()
    t.same(ids(forward), [0, 1, 2, 3, 4, 5, 7, 6, 8, 9], 'case ties broken by _id; e before é at strength 2')
    const limited = await explainFind(people, {}, { collation: caseInsensitive, sort: { name: -1 }, limit: 2 })
    t.notOk(stageNames(winningPlan(limited)).includes('SORT'), 'no blocking sort')
    t.equal(stage(winningPlan(limited), 'IXSCAN')?.direction, 'backward')
    t.equal(executionStats(limited).totalKeysExamined, 2)
    const top = await people.find({}, { collation: caseInsensitive }).sort({ name: -1 }).limit(2).toArray()
    t.same(top.map((d) => d.name.toLowerCase()).sort(), ['zoe', 'zoë'])
    const asc = await people.find({ name: { $gte: 'b' } }, { collation: caseInsensitive }).sort({ name: 1 }).limit(3).toArray()
    t.same(asc.map((d) => d.name.toLowerCase()), ['bob', 'bob', 'carl'])
  })

  t.test('count and distinct of its collation', async (t) => {
    t.equal(await people.countDocuments({ name: 'emile' }, { collation: caseInsensitive }), 1, 'é differs from e at strength 2')
    t.equal(await people.countDocuments({ name: 'EMILE' }, { collation: accentInsensitive }), 2)
    const values = await people.distinct('name', { name: { $lt: 'c' } }, { collation: caseInsensitive })
    t.same(values.map((v) => (v as string).toLowerCase()), ['anna', 'bob'])
  })
})

t.test('an index of another collation answers no string bounds and no sort', async (t) => {
  const { db } = await setup(t)
  const people = db.collection<Row>('people')
  await people.insertMany(NAMES.map((name, i) => ({ _id: i, name, n: i })))
  await people.createIndex({ name: 1 }, { collation: caseInsensitive, name: 'name_ci' })
  await people.createIndex({ name: 1, n: 1 }, { name: 'name_binary' })

  const simple = await explainFind(people, { name: 'Anna' })
  t.equal(stage(winningPlan(simple), 'IXSCAN')?.indexName, 'name_binary', 'a simple query uses the simple index')
  t.same(ids(await people.find({ name: 'Anna' }).toArray()), [1])

  const other = await explainFind(people, { name: 'anna' }, { collation: { locale: 'en', strength: 1 } })
  t.ok(stageNames(winningPlan(other)).includes('COLLSCAN'), 'strength 1 is not the index collation: a scan')
  t.same(ids(await people.find({ name: 'anna' }, { collation: { locale: 'en', strength: 1 } }).sort({ _id: 1 }).toArray()), [0, 1, 2])

  await people.dropIndex('name_binary')
  const binaryOnCollated = await explainFind(people, { name: 'anna' })
  t.ok(stageNames(winningPlan(binaryOnCollated)).includes('COLLSCAN'), 'a simple string equality does not read a collated index')
  t.same(ids(await people.find({ name: 'anna' }).toArray()), [0])

  const sorted = await explainFind(people, {}, { sort: { name: 1 }, limit: 3 })
  t.ok(stageNames(winningPlan(sorted)).includes('SORT'), 'a simple sort is not the collated index order')
  t.same((await people.find({}).sort({ name: 1 }).limit(3).toArray()).map((d) => d.name), ['ANNA', 'Anna', 'Bob'])

  await people.createIndex({ n: 1 }, { collation: caseInsensitive, name: 'n_ci' })
  const numeric = await explainFind(people, { n: { $gte: 8 } })
  t.equal(stage(winningPlan(numeric), 'IXSCAN')?.indexName, 'n_ci', 'bounds without strings use an index of any collation')
  t.same(ids(await people.find({ n: { $gte: 8 } }).sort({ _id: 1 }).toArray()), [8, 9])
})

t.test('a simple index is not used for a collated query on strings, and the results stay right', async (t) => {
  const { db } = await setup(t)
  const people = db.collection<Row>('people')
  await people.insertMany(NAMES.map((name, i) => ({ _id: i, name })))
  await people.createIndex({ name: 1 }, { unique: true })
  const explain = await explainFind(people, { name: 'BOB' }, { collation: caseInsensitive })
  t.ok(stageNames(winningPlan(explain)).includes('COLLSCAN'))
  t.same(ids(await people.find({ name: 'BOB' }, { collation: caseInsensitive }).sort({ _id: 1 }).toArray()), [3, 4])
  const updated = await people.updateMany({ name: 'bob' }, { $set: { seen: true } }, { collation: caseInsensitive })
  t.equal(updated.modifiedCount, 2)
  const deleted = await people.deleteOne({ name: 'ZOË' }, { collation: accentInsensitive })
  t.equal(deleted.deletedCount, 1)
  t.equal(await people.countDocuments({}), 9)
})

t.test('a collection default collation: its indexes, its _id and queries without a collation', async (t) => {
  const { db } = await setup(t)
  await db.createCollection('tags', { collation: caseInsensitive })
  const tags = db.collection<Row>('tags')
  await tags.createIndex({ label: 1 }, { name: 'label_1' })
  await tags.insertMany([{ _id: 'Red', label: 'Warm' }, { _id: 'blue', label: 'cold' }])

  await t.rejects(tags.insertOne({ _id: 'RED', label: 'x' }), { code: 11000 }, '_id is unique under the default collation')
  await t.rejects(tags.insertOne({ _id: 'red', label: 'y' }), { code: 11000 })
  t.equal(await tags.countDocuments({}), 2)
  t.same((await tags.findOne({ _id: 'red' }))?.label, 'Warm', 'an _id lookup under the default collation')
  t.equal(await tags.findOne({ _id: 'red' }, { collation: { locale: 'simple' } }), null, 'a simple lookup compares bytes')
  await tags.insertOne({ _id: 7, label: 'numeric id' })
  await t.rejects(tags.insertOne({ _id: 7, label: 'again' }), { code: 11000 })

  const explain = await explainFind(tags, { label: 'WARM' })
  t.equal(stage(winningPlan(explain), 'IXSCAN')?.indexName, 'label_1', 'the inherited collation matches the query default')
  t.same(ids(await tags.find({ label: 'WARM' }).toArray()), ['Red'])
  const simpleExplain = await explainFind(tags, { label: 'WARM' }, { collation: { locale: 'simple' } })
  t.ok(stageNames(winningPlan(simpleExplain)).includes('COLLSCAN'))
  t.same(await tags.find({ label: 'WARM' }, { collation: { locale: 'simple' } }).toArray(), [])
  const idIndex = (await tags.listIndexes().toArray()).find((i) => i.name === '_id_')
  t.same(idIndex?.collation, fullSpec({ strength: 2 }))
})

t.test('duplicate keys of a collated unique index are reported as mongod reports them', async (t) => {
  const { db } = await setup(t)
  const users = db.collection<Row>('users')
  await users.createIndex({ email: 1, team: 1 }, { unique: true, collation: caseInsensitive })
  await users.insertOne({ _id: 1, email: 'Ann@Example.com', team: 4 })
  const error = await users.insertOne({ _id: 2, email: 'ann@example.COM', team: 4 }).then(() => undefined, (e: Document) => e)
  t.equal(error?.code, 11000)
  const message = String(error?.errmsg ?? error?.message)
  t.match(message, /^E11000 duplicate key error collection: \S+\.users index: email_1_team_1 collation: \{ locale: "en", caseLevel: false, caseFirst: "off", strength: 2, numericOrdering: false, alternate: "non-ignorable", maxVariable: "punct", normalization: false, backwards: false, version: "57\.1" \} dup key: \{ email: "0x[0-9a-f]+", team: 4 \}$/)
  t.same(error?.keyPattern, { email: 1, team: 1 })
  t.match(error?.keyValue?.email, /^[0-9a-f]+$/, 'a string of the key is its collation key in hex')
  t.equal(error?.keyValue?.team, 4)
  t.same(error?.hexEncoded, [true, false], 'which fields are hex-encoded')
  t.same(error?.collation, fullSpec({ strength: 2 }))
  t.equal(await users.countDocuments({}), 1, 'nothing was stored')

  const plain = db.collection<Row>('plain')
  await plain.createIndex({ email: 1 }, { unique: true })
  await plain.insertOne({ email: 'a@b.c' })
  const binary = await plain.insertOne({ email: 'a@b.c' }).then(() => undefined, (e: Document) => e)
  t.match(String(binary?.errmsg ?? binary?.message), /index: email_1 dup key: \{ email: "a@b\.c" \}$/, 'no collation: the value itself')
  t.same(binary?.keyValue, { email: 'a@b.c' })
})

t.test('a compound collated index with a descending field: equality, then a range checked on its keys', async (t) => {
  const { db } = await setup(t)
  const calls = db.collection<Row>('calls')
  const agents = ['ann', 'ANN', 'Bob']
  const topics = ['alpha', 'Beta', 'beta', 'GAMMA', 'delta', 'Omega']
  const docs: Row[] = []
  agents.forEach((agent, a) => topics.forEach((topic, i) => docs.push({ _id: a * 10 + i, agent, topic })))
  await calls.insertMany(docs)
  await calls.createIndex({ agent: 1, topic: -1 }, { collation: caseInsensitive, name: 'agent_topic' })

  const filter = { agent: 'Ann', topic: { $gt: 'BETA', $lte: 'omega' } }
  const found = await calls.find(filter, { collation: caseInsensitive }).sort({ _id: 1 }).toArray()
  t.same(ids(found), [3, 4, 5, 13, 14, 15], 'delta, GAMMA and Omega of both spellings of ann')
  const explain = await explainFind(calls, filter, { collation: caseInsensitive })
  t.equal(stage(winningPlan(explain), 'IXSCAN')?.indexName, 'agent_topic')
  t.equal(executionStats(explain).totalDocsExamined, 6, 'only the matching keys are fetched')

  const sorted = await calls.find({ agent: { $in: ['ANN', 'bob'] }, topic: { $lt: 'c' } }, { collation: caseInsensitive }).sort({ _id: 1 }).toArray()
  t.same(ids(sorted), [0, 1, 2, 10, 11, 12, 20, 21, 22])
  const byTopic = await calls.find({ agent: 'bob' }, { collation: caseInsensitive }).sort({ topic: -1 }).toArray()
  t.same(byTopic.map((d) => d.topic.toLowerCase()), ['omega', 'gamma', 'delta', 'beta', 'beta', 'alpha'])
  const noSort = await explainFind(calls, { agent: 'bob' }, { collation: caseInsensitive, sort: { topic: -1 } })
  t.notOk(stageNames(winningPlan(noSort)).includes('SORT'), 'the index order gives the sort after the equality')
})

t.test('a view reads its collection through the planner, under the view collation', async (t) => {
  const { db } = await setup(t)
  const people = db.collection<Row>('people')
  await people.insertMany(NAMES.map((name, i) => ({ _id: i, name, n: i })))
  await people.createIndex({ n: 1 }, { name: 'n_1' })
  await people.createIndex({ name: 1 }, { collation: caseInsensitive, name: 'name_ci' })
  await db.createCollection('recent', { viewOn: 'people', pipeline: [{ $match: { n: { $gte: 5 } } }], collation: caseInsensitive })
  const recent = db.collection<Row>('recent')
  t.same(ids(await recent.find({ name: 'EMILE' }).sort({ _id: 1 }).toArray()), [7], 'the view collation applies to its reads')
  const explain = await recent.find({ name: 'EMILE' }).explain('executionStats')
  const scans = JSON.stringify(explain)
  t.ok(scans.includes('"IXSCAN"'), 'the view pipeline and the query are planned with an index')
  t.notOk(scans.includes('"COLLSCAN"'))
  t.equal(await recent.countDocuments({ name: 'zoë' }), 1)
})
