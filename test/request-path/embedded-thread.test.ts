import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { MongoClient } from 'mongodb'
import { connectDatabase, startEmbeddedThread } from '../../src/db/connect.js'

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
