import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { MongoClient } from 'mongodb'
import { ENGINE_SOCKET_PREFIX, connectDatabase, startEmbeddedThread } from '../../src/db/connect.js'

/** Waits (bounded) until `condition` holds. */
async function until (condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!condition() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 10))
}

t.test('the default database runs on a thread of its own', async (t) => {
  const connection = await connectDatabase({ MONGO_ENGINE: 'embedded', MONGODB_DB: 'thread' })
  t.equal(connection.mode, 'embedded')
  await connection.db.collection('things').insertOne({ n: 1 })
  t.equal(await connection.db.collection('things').countDocuments(), 1, 'reads and writes go through the driver as before')
  await connection.close()
  const client = new MongoClient(connection.uri, { serverSelectionTimeoutMS: 300 })
  await t.rejects(client.connect(), 'the engine stops with the connection')
  await client.close()
})

t.test('the engine\'s thread runs mingo\'s ES module build, which answers as the CommonJS build does', async (t) => {
  const engine = await startEmbeddedThread()
  t.teardown(() => engine.stop())
  t.equal(engine.mingo, 'esm', 'the thread reports the build its mingo/core resolves to')
  const client = await new MongoClient(engine.uri).connect()
  t.teardown(() => client.close())
  const things = client.db('builds').collection<{ _id: number, tags: number[] }>('things')
  await things.insertMany([{ _id: 1, tags: [1, 2, 3] }, { _id: 2, tags: [] }])
  const rows = await things.aggregate([
    { $project: { big: { $filter: { input: '$tags', cond: { $gt: ['$$this', 1] } } }, n: { $size: '$tags' } } },
    { $group: { _id: null, n: { $sum: '$n' }, big: { $push: '$big' } } },
    { $lookup: { from: 'things', pipeline: [{ $match: { _id: 2 } }, { $count: 'n' }], as: 'twos' } }
  ]).toArray()
  t.same(rows, [{ _id: null, n: 3, big: [[2, 3], []], twos: [{ n: 1 }] }])
})

t.test('a thread that dies while the app runs is reported', async (t) => {
  const crashes: Error[] = []
  const engine = await startEmbeddedThread({ onCrash: (error) => crashes.push(error) })
  await engine.worker.terminate()
  await until(() => crashes.length > 0)
  t.equal(crashes.length, 1)
  t.match(crashes[0]?.message, /^The embedded database thread stopped unexpectedly/)
  await engine.stop()
  t.equal(crashes.length, 1, 'stopping it afterwards reports nothing more')
})

t.test('a stop is not a crash', async (t) => {
  const crashes: Error[] = []
  const engine = await startEmbeddedThread({ onCrash: (error) => crashes.push(error) })
  await Promise.all([engine.stop(), engine.stop()])
  t.same(crashes, [])
})

t.test('a thread that cannot start rejects with the reason', async (t) => {
  await t.rejects(startEmbeddedThread({ host: '203.0.113.254' }), /^The embedded database could not start: .*(EADDRNOTAVAIL|listen)/)
})

t.test('by default a dead engine thread stops the process with an error', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/engine-dies.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.match(stdout, /^listening mongodb:\/\//)
  t.notMatch(stdout, /still alive/)
  t.not(code, 0)
  t.match(stderr, /The embedded database thread stopped unexpectedly/)
})

t.test('the default thread listens on a Unix domain socket in a folder only its user may open, removed when it stops', async (t) => {
  const engine = await startEmbeddedThread()
  const path = decodeURIComponent(/^mongodb:\/\/([^/]+)\/$/.exec(engine.uri)?.[1] ?? '')
  t.equal(dirname(dirname(path)), tmpdir(), engine.uri)
  t.match(basename(dirname(path)), new RegExp(`^${ENGINE_SOCKET_PREFIX}${process.pid}-`), 'the folder is named after the process')
  t.ok(statSync(path).isSocket(), 'the engine listens there')
  t.equal(statSync(dirname(path)).mode & 0o777, 0o700, 'the folder is private to its user')
  t.equal(statSync(dirname(path)).uid, process.getuid?.(), 'and owned by it')
  const client = await new MongoClient(engine.uri).connect()
  t.same(await client.db('socket').command({ ping: 1 }), { ok: 1 }, 'the driver reaches it there')
  await client.close()
  await engine.stop()
  t.notOk(existsSync(dirname(path)), 'the folder is removed with the engine')
})

t.test('an engine asked for a host or port listens on TCP', async (t) => {
  const engine = await startEmbeddedThread({ host: '127.0.0.1' })
  t.match(engine.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/)
  await engine.stop()
})

t.test('folders of stopped processes are removed at start, those of running ones are kept', async (t) => {
  // A pid no process has (past the kernel's pid_max), and this test runner's parent, which runs.
  const dead = mkdtempSync(join(tmpdir(), `${ENGINE_SOCKET_PREFIX}4194999-`))
  const live = mkdtempSync(join(tmpdir(), `${ENGINE_SOCKET_PREFIX}${process.ppid}-`))
  const other = mkdtempSync(join(tmpdir(), `${ENGINE_SOCKET_PREFIX}not-a-pid-`))
  t.teardown(() => { for (const folder of [dead, live, other]) rmSync(folder, { recursive: true, force: true }) })
  const engine = await startEmbeddedThread()
  await engine.stop()
  t.notOk(existsSync(dead), 'the stopped process\'s folder is gone')
  t.ok(existsSync(live), 'the running process\'s folder is kept')
  t.ok(existsSync(other), 'a folder not named after a process is left alone')
})
