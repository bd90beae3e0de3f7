import t from 'tap'
import type { CollectionInfo } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('databases and collections', async (t) => {
  const { db, client } = await setup(t)

  t.test('create, listCollections with filter and nameOnly, drop', async (t) => {
    await db.createCollection('alpha')
    await db.createCollection('beta', { validator: { $jsonSchema: { required: ['x'] } } })
    await db.collection<Row>('gamma').insertOne({ x: 1 })
    const names = (await db.listCollections().toArray()).map((c) => c.name).sort()
    t.same(names, ['alpha', 'beta', 'gamma'])
    const beta = await db.listCollections({ name: 'beta' }).toArray()
    t.equal(beta.length, 1)
    t.equal(beta[0].type, 'collection')
    t.same((beta[0] as CollectionInfo).options?.validator, { $jsonSchema: { required: ['x'] } })
    const nameOnly = await db.listCollections({ name: 'alpha' }, { nameOnly: true }).toArray()
    t.same(nameOnly, [{ name: 'alpha', type: 'collection' }])
    await t.rejects(db.createCollection('alpha'), { code: 48, codeName: 'NamespaceExists' })
    t.equal(await db.collection('alpha').drop(), true)
    t.same((await db.listCollections().toArray()).map((c) => c.name).sort(), ['beta', 'gamma'])
  })

  t.test('renameCollection moves documents and indexes; dropTarget replaces', async (t) => {
    const source = db.collection<Row>('source')
    await source.insertMany([{ _id: 1 }, { _id: 2 }])
    await source.createIndex({ v: 1 })
    await source.rename('renamed')
    t.same((await db.collection<Row>('renamed').find().sort({ _id: 1 }).toArray()).map((d) => d._id), [1, 2])
    t.same((await db.collection('renamed').listIndexes().toArray()).map((i) => i.name), ['_id_', 'v_1'])
    t.notOk((await db.listCollections({ name: 'source' }).toArray()).length)
    await db.collection<Row>('other').insertOne({ _id: 9 })
    await t.rejects(db.collection('other').rename('renamed'), { code: 48 })
    await db.collection('other').rename('renamed', { dropTarget: true })
    t.same((await db.collection<Row>('renamed').find().toArray()).map((d) => d._id), [9])
    await t.rejects(db.collection('absent').rename('whatever'), { code: 26 })
  })

  t.test('listDatabases includes this database; dropDatabase removes it', async (t) => {
    const other = client.db(`${db.databaseName}_extra`)
    await other.collection<Row>('c').insertOne({ a: 1 })
    const listed = await client.db('admin').admin().listDatabases()
    const names = listed.databases.map((d) => d.name)
    t.ok(names.includes(db.databaseName))
    t.ok(names.includes(other.databaseName))
    const nameOnly = await client.db('admin').admin().listDatabases({ nameOnly: true, filter: { name: other.databaseName } })
    t.same(nameOnly.databases.map((d) => d.name), [other.databaseName])
    t.equal(await other.dropDatabase(), true)
    const after = (await client.db('admin').admin().listDatabases()).databases.map((d) => d.name)
    t.notOk(after.includes(other.databaseName))
  })

  t.test('databases are independent', async (t) => {
    const a = client.db(`${db.databaseName}_a`)
    const b = client.db(`${db.databaseName}_b`)
    t.teardown(async () => {
      await a.dropDatabase()
      await b.dropDatabase()
    })
    await a.collection<Row>('same').insertOne({ from: 'a' })
    await b.collection<Row>('same').insertOne({ from: 'b' })
    t.same(await a.collection('same').find({}, { projection: { _id: 0 } }).toArray(), [{ from: 'a' }])
    t.same(await b.collection('same').find({}, { projection: { _id: 0 } }).toArray(), [{ from: 'b' }])
  })

  t.test('dropping a missing collection succeeds', async (t) => {
    t.equal(await db.collection('neverExisted').drop(), true)
  })
})
