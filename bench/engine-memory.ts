/**
 * The embedded engine's live memory after an import (not a test): starts the engine in this process, runs one import
 * of N generated interaction rows into it through bench/import-worker.ts (a process of its own), collects garbage and
 * prints the heap in use before and after. With --snapshot it also writes a heap snapshot to read in Chrome DevTools.
 * Run: npx tsx --expose-gc bench/engine-memory.ts [rows=30000] [--snapshot]
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { snapshot: { type: 'boolean', default: false } } })
const rows = positionals[0] ?? '30000'
const MIB = 1024 * 1024
if (!global.gc) throw new Error('run with --expose-gc: npx tsx --expose-gc bench/engine-memory.ts')

const engine = await startEmbeddedMongo({ port: 0 })
global.gc()
const before = process.memoryUsage().heapUsed
const importer = spawn(process.execPath, ['--import', 'tsx', 'bench/import-worker.ts', rows], {
  env: { ...process.env, MONGODB_URI: engine.uri }, stdio: ['ignore', 'inherit', 'ignore']
})
const [code] = await once(importer, 'exit') as [number | null]
if (code !== 0) throw new Error(`the import ended with ${code}`)
global.gc()
const after = process.memoryUsage()
process.stdout.write(`engine heap in use: ${Math.round(before / MIB)} MiB before, ${Math.round(after.heapUsed / MIB)} MiB after importing ${rows} rows (RSS ${Math.round(after.rss / MIB)} MiB)\n`)
if (values.snapshot) process.stdout.write(`heap snapshot: ${writeHeapSnapshot()}\n`)
await engine.stop()
