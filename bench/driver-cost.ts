/**
 * What one database command costs the app's process (not a test): the engine in a process of its own
 * (`npm run mongo:embedded`), and this process sending N commands, `--concurrency` at a time, through the official driver.
 * Prints this process's CPU per command (user + system) for each shape of read the app sends.
 * Run: npx tsx bench/driver-cost.ts [--count 20000] [--concurrency 50] [--socket]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Db, MongoClientOptions } from 'mongodb'
import { driverCost, findById, seedCostUsers, startEngineProcess, stopEngineProcess } from './driver-floor.js'
import { log } from './measure.js'

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '50' }, socket: { type: 'boolean', default: false } } })
const count = Number(values.count)
const concurrency = Number(values.concurrency)

const folder = mkdtempSync(join(tmpdir(), 'driver-cost-'))
const engine = await startEngineProcess(values.socket ? join(folder, 'engine.sock') : undefined)
await seedCostUsers(engine.uri)

async function cost (name: string, options: MongoClientOptions, op: (db: Db) => Promise<unknown>): Promise<void> {
  const best = await driverCost(engine.uri, op, { count, concurrency, options })
  log(`  ${name}: ${best.cpuUs.toFixed(1)} µs CPU per command in this process, ${Math.round(best.rate).toLocaleString('en-GB')} commands/s (least CPU of 3 runs)`)
}

log(`driver cost: ${count} commands, ${concurrency} at a time, over ${values.socket ? 'a Unix domain socket' : 'TCP (127.0.0.1)'}`)
for (const [label, options] of [['defaults', {}], ['no UTF-8 validation', { enableUtf8Validation: false }]] as const) {
  log(`options: ${label}`)
  await cost('ping', options, (db) => db.command({ ping: 1 }))
  await cost('findOne by _id', options, (db) => db.collection('users').findOne({ _id: 7 as never }))
  await cost('find command, limit 1, single batch', options, findById)
}
await stopEngineProcess(engine)
rmSync(folder, { recursive: true, force: true })
