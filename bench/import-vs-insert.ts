/**
 * The import against the engine's own insert rate (not a test), in one run: a fresh engine in a process of its own
 * (bench/engine-process.ts); an import of N generated rows into it through the import pipeline (bench/import-worker.ts,
 * a process of its own); the engine's heap after a full GC and its peak RSS; then the interactions that import stored,
 * read back and sent with `insertMany` in batches of 1,000 into the `interactions` collection of a freshly migrated
 * database on the same engine (the same documents, the same nine indexes). Only the `insertMany` calls are timed.
 * Run: npm run bench:import-vs-insert [-- --rows 1000000] [--cpu-prof <dir>]
 * `--cpu-prof <dir>` writes CPU profiles of the engine during each phase and of the importer into <dir>.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MongoClient, type Document } from 'mongodb'
import { migrateUp } from '../src/db/migrate.js'
import type { BenchResult } from './import-worker.js'
import { load, log } from './measure.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const BATCH = 1_000

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'cpu-prof': { type: 'string' } } })
const profiles = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof'])
const rows = Number(values.rows)
if (!Number.isInteger(rows) || rows < 1_000) throw new Error('--rows: an integer of at least 1,000')

function tsx (script: string, args: string[], env: NodeJS.ProcessEnv = process.env, flags: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--expose-gc', ...flags, join(root, script), ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] })
}

/** Lines a child prints, one at a time, as they come. */
function lineReader (child: ChildProcess): (pattern: RegExp) => Promise<string> {
  let buffered = ''
  const waiting: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  const pending: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const line of parts) {
      const i = waiting.findIndex((w) => w.pattern.test(line))
      if (i >= 0) waiting.splice(i, 1)[0].resolve(line)
      else pending.push(line)
    }
  })
  return (pattern) => {
    const i = pending.findIndex((line) => pattern.test(line))
    if (i >= 0) return Promise.resolve(pending.splice(i, 1)[0])
    return new Promise((resolve) => waiting.push({ pattern, resolve }))
  }
}

interface Heap { heapUsedMiB: number, rssMiB: number, peakRssMiB: number }

/** CPU seconds a process has used so far (Linux: utime + stime of /proc/pid/stat). */
async function cpuSecondsOf (pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

const engine = tsx('bench/engine-process.ts', [])
const engineLine = lineReader(engine)
const heap = async (): Promise<Heap> => {
  engine.stdin?.write('heap\n')
  return JSON.parse((await engineLine(/^HEAP /)).slice(5)) as Heap
}
const profileEngine = async (phase: 'start' | string): Promise<void> => {
  if (profiles === undefined) return
  if (phase === 'start') {
    engine.stdin?.write('profile start\n')
    return
  }
  engine.stdin?.write(`profile stop ${join(profiles, `engine-${phase}.cpuprofile`)}\n`)
  await engineLine(/^PROFILED /)
}

try {
  const uri = (await engineLine(/^mongodb:\/\//)).trim()
  log(`engine at ${uri}; load average ${load()}`)
  const before = await heap()
  const engineCpuStart = await cpuSecondsOf(engine.pid)
  log(`phase 1: import ${rows.toLocaleString('en')} rows`)
  await profileEngine('start')
  const importer = tsx('bench/import-worker.ts', [String(rows)], { ...process.env, MONGODB_URI: uri },
    profiles === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profiles, '--cpu-prof-name', 'importer.cpuprofile'])
  const imported = JSON.parse((await lineReader(importer)(/^RESULT /)).slice(7)) as BenchResult
  await once(importer, 'exit')
  await profileEngine('import')
  const engineCpuImport = (await cpuSecondsOf(engine.pid)) - engineCpuStart
  const afterImport = await heap()
  log(`  ${imported.rowsPerSecond.toLocaleString('en')} rows/s (${imported.seconds} s); engine heap ${afterImport.heapUsedMiB} MiB after GC, peak RSS ${afterImport.peakRssMiB} MiB; load ${load()}`)

  const client = await new MongoClient(uri, { maxPoolSize: 2, socketTimeoutMS: 600_000 }).connect()
  const target = client.db('bench_insert')
  await migrateUp(target)
  const source = client.db('bench_import').collection('interactions').find({}).batchSize(BATCH)
  const interactions = target.collection('interactions')
  log(`phase 2: insertMany the ${imported.inserted.toLocaleString('en')} stored interactions, ${BATCH} a call, into a migrated collection`)
  let inserted = 0
  let insertMs = 0
  let engineCpuInsert = 0
  let clientCpuInsert = 0
  let batch: Document[] = []
  await profileEngine('start')
  const flush = async (): Promise<void> => {
    const [engineBefore, clientBefore] = [await cpuSecondsOf(engine.pid), ownCpuSeconds()]
    const started = performance.now()
    await interactions.insertMany(batch)
    insertMs += performance.now() - started
    engineCpuInsert += (await cpuSecondsOf(engine.pid)) - engineBefore
    clientCpuInsert += ownCpuSeconds() - clientBefore
    inserted += batch.length
    batch = []
  }
  for await (const doc of source) {
    batch.push(doc)
    if (batch.length === BATCH) await flush()
  }
  if (batch.length > 0) await flush()
  await profileEngine('insert')
  await client.close()
  const insertRate = Math.round(inserted / (insertMs / 1000))
  const ratio = imported.rowsPerSecond / insertRate
  // CPU-time rates: what each side spent, which a busy machine changes far less than the wall clock.
  const importCpuRate = Math.round(rows / (engineCpuImport + imported.importerCpuSeconds))
  const insertCpuRate = Math.round(inserted / (engineCpuInsert + clientCpuInsert))
  const perRow = (mib: number): string => `${Math.round(((mib - before.heapUsedMiB) * 1024 * 1024) / rows).toLocaleString('en')} B`
  log('')
  log(`results (load average at the end: ${load()})`)
  log(`  import:     ${imported.rowsPerSecond.toLocaleString('en')} rows/s (${rows.toLocaleString('en')} rows, ${imported.seconds} s, importer CPU ${imported.importerCpuSeconds} s)`)
  log(`  insertMany: ${insertRate.toLocaleString('en')} documents/s (${inserted.toLocaleString('en')} documents, ${(insertMs / 1000).toFixed(1)} s in insertMany)`)
  log(`  import / insertMany: ${ratio.toFixed(2)}× (bound: ≥ 0.5×)`)
  log(`  CPU: import ${engineCpuImport.toFixed(1)} s engine + ${imported.importerCpuSeconds} s importer = ${importCpuRate.toLocaleString('en')} rows per CPU-second; ` +
    `insertMany ${engineCpuInsert.toFixed(1)} s engine + ${clientCpuInsert.toFixed(1)} s client = ${insertCpuRate.toLocaleString('en')} documents per CPU-second; ratio ${(importCpuRate / insertCpuRate).toFixed(2)}×`)
  log(`  engine after the import: heap ${afterImport.heapUsedMiB} MiB after GC (${before.heapUsedMiB} MiB empty) = ${perRow(afterImport.heapUsedMiB)} per row; peak RSS ${afterImport.peakRssMiB} MiB = ${Math.round(afterImport.peakRssMiB * 1024 * 1024 / rows).toLocaleString('en')} B per row`)
  log(`RESULT ${JSON.stringify({ rows, importRate: imported.rowsPerSecond, insertRate, ratio: Number(ratio.toFixed(3)), engineCpuImport, engineCpuInsert, clientCpuInsert, importCpuRate, insertCpuRate, before, afterImport, imported })}`)
} finally {
  engine.stdin?.end()
  await once(engine, 'exit')
}
