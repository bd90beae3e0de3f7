import t from 'tap'
import { Long, MongoServerError } from 'mongodb'
import { setup, type Row } from './helper.js'

t.test('server handshake and administrative commands', async (t) => {
  const { db, client } = await setup(t)
  const admin = client.db('admin')

  t.test('hello answers as a writable standalone on wire version 21', async (t) => {
    const hello = await admin.command({ hello: 1 })
    t.equal(hello.isWritablePrimary, true)
    t.equal(hello.maxWireVersion, 21)
    t.equal(hello.minWireVersion, 0)
    t.equal(hello.maxBsonObjectSize, 16777216)
    t.equal(hello.maxMessageSizeBytes, 48000000)
    t.equal(hello.maxWriteBatchSize, 100000)
    t.equal(hello.logicalSessionTimeoutMinutes, 30)
    t.type(hello.connectionId, 'number')
    t.ok(hello.localTime instanceof Date)
    t.equal(hello.ok, 1)
    t.notOk('compression' in hello, 'no compression is negotiated')
    t.notOk('setName' in hello, 'not a replica set member')
  })

  t.test('legacy isMaster answers ismaster: true', async (t) => {
    const reply = await admin.command({ isMaster: 1 })
    t.equal(reply.ismaster, true)
    t.equal(reply.maxWireVersion, 21)
  })

  t.test('ping and buildInfo report a 7.0 server', async (t) => {
    t.same(await db.command({ ping: 1 }), { ok: 1 })
    const info = await admin.command({ buildInfo: 1 })
    t.match(info.version, /^7\.0\.\d+$/)
    t.same(info.versionArray.slice(0, 2), [7, 0])
  })

  t.test('getParameter reports the feature compatibility version', async (t) => {
    const reply = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })
    t.same(reply.featureCompatibilityVersion, { version: '7.0' })
  })

  t.test('an unknown command fails with code 59 CommandNotFound', async (t) => {
    await t.rejects(db.command({ noSuchThing: 1 }), {
      name: 'MongoServerError',
      code: 59,
      codeName: 'CommandNotFound',
      message: "no such command: 'noSuchThing'"
    })
  })

  t.test('transaction numbers are refused as a standalone does', async (t) => {
    await t.rejects(admin.command({ commitTransaction: 1, txnNumber: Long.fromNumber(1), autocommit: false }), {
      code: 20,
      codeName: 'IllegalOperation',
      message: 'Transaction numbers are only allowed on a replica set member or mongos'
    })
    await t.rejects(db.command({ find: 'anything', txnNumber: Long.fromNumber(2), startTransaction: true, autocommit: false }), { code: 20 })
  })

  t.test('a driver transaction fails instead of silently committing', async (t) => {
    const session = client.startSession()
    t.teardown(() => session.endSession())
    session.startTransaction()
    const error = await db.collection<Row>('txn').insertOne({ a: 1 }, { session }).catch((e: unknown) => e)
    t.ok(error instanceof MongoServerError)
    t.match((error as Error).message, /retryable writes|Transaction numbers are only allowed/)
    await session.abortTransaction().catch(() => undefined)
    t.equal(await db.collection<Row>('txn').countDocuments(), 0)
  })

  t.test('endSessions and killSessions succeed', async (t) => {
    t.equal((await admin.command({ endSessions: [] })).ok, 1)
    t.equal((await admin.command({ killSessions: [] })).ok, 1)
  })
})
