/**
 * What one database command costs the app's process (not a test): the engine in a process of its own
 * (`npm run mongo:embedded`), and this process sending N commands, `--concurrency` at a time, through the official driver.
 * Prints this process's CPU per command (user + system) for each shape of read the app sends.
 * Run: npx tsx bench/driver-cost.ts [--count 20000] [--concurrency 50]
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { MongoClient, type Db } from 'mongodb'
import { log } from './measure.js'

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '50' }, socket: { type: 'boolean', default: false } } })
const count = Number(values.count)
const concurrency = Number(values.concurrency)

const folder = mkdtempSync(join(tmpdir(), 'driver-cost-'))
const where = values.socket ? ['--socket', join(folder, 'engine.sock')] : ['--port', '0']
const engine = spawn(process.execPath, ['--import', 'tsx', 'src/db/embedded/cli.ts', ...where], { stdio: ['ignore', 'pipe', 'inherit'] })
const [line] = await once(engine.stdout, 'data') as [Buffer]
const uri = line.toString().trim()

async function cost (name: string, options: ConstructorParameters<typeof MongoClient>[1], op: (db: Db) => Promise<unknown>): Promise<void> {
  const client = new MongoClient(uri, options)
  await client.connect()
  const db = client.db('cost')
  for (let i = 0; i < 2000; i++) await op(db)
  const runs: Array<{ cpuUs: number, rate: number }> = []
  for (let run = 0; run < 3; run++) {
    let next = 0
    const started = process.cpuUsage()
    const t0 = performance.now()
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next++ < count) await op(db)
    }))
    const used = process.cpuUsage(started)
    runs.push({ cpuUs: (used.user + used.system) / count, rate: count / (performance.now() - t0) * 1000 })
  }
  // The least CPU of three runs: the others lost time to whatever else the machine was doing.
  const best = runs.reduce((a, b) => (b.cpuUs < a.cpuUs ? b : a))
  log(`  ${name}: ${best.cpuUs.toFixed(1)} µs CPU per command in this process, ${Math.round(best.rate).toLocaleString('en-GB')} commands/s (least CPU of 3 runs)`)
  await client.close()
}

const seed = new MongoClient(uri)
await seed.connect()
const users = seed.db('cost').collection<{ _id: number, name: string, email: string, createdAt: Date }>('users')
await users.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, name: `User ${i}`, email: `user${i}@example.com`, createdAt: new Date() })))
await seed.close()

log(`driver cost: ${count} commands, ${concurrency} at a time, over ${values.socket ? 'a Unix domain socket' : 'TCP (127.0.0.1)'}`)
for (const [label, options] of [['defaults', {}], ['no UTF-8 validation', { enableUtf8Validation: false }]] as const) {
  log(`options: ${label}`)
  await cost('ping', options, (db) => db.command({ ping: 1 }))
  await cost('findOne by _id', options, (db) => db.collection('users').findOne({ _id: 7 as never }))
  await cost('find command, limit 1, single batch', options, (db) => db.command({ find: 'users', filter: { _id: 7 }, limit: 1, singleBatch: true }))
}
engine.kill('SIGTERM')
await once(engine, 'exit')
rmSync(folder, { recursive: true, force: true })
