/**
 * Import benchmark (not a test): generates a CSV of N interaction rows in a temporary directory and imports it through
 * the pipeline, writing through the driver to the embedded engine, which runs in a process of its own (as `npm run
 * mongo:embedded`) so that the importer's memory is measured alone. One fresh engine and importer process per size.
 * Run: npm run bench:import [-- --sizes 100000,1000000 --discard-sizes 100000,1000000] — writes the "## Import" section
 * of docs/BENCHMARKS.md (an empty list skips that table).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ObjectId } from 'mongodb'
import type { runImport } from '../src/domains/imports/pipeline.js'
import type { ImportRunDocument, ImportRunsRepository } from '../src/domains/imports/runs-repository.js'
import type { ImportTarget } from '../src/domains/imports/writer.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const channels = ['Email', 'Call', 'Chat', 'SMS', 'Bird', 'Twitter']
const MIB = 1024 * 1024

export interface BenchResult {
  rows: number
  seconds: number
  rowsPerSecond: number
  baselineRssMiB: number
  peakRssMiB: number
  maxRssMiB: number
  importerCpuSeconds: number
  inserted: number
  duplicates: number
  rejected: number
  inferredCustomers: number
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Day-first dates a minute apart (unique rows), 50,000 customers; every 1,000th row repeats the one before, every 1,000th + 500 has a bad date. */
async function generateCsv (path: string, rows: number): Promise<void> {
  const out = createWriteStream(path)
  out.write('Date Start,Interaction,Customers\n')
  const start = Date.UTC(2019, 0, 1)
  let previous = ''
  for (let i = 0; i < rows; i++) {
    let line: string
    if (i % 1000 === 999) line = previous
    else if (i % 1000 === 500) line = `31/02/2020 10:00,Email,${i % 50_000 + 1}\n`
    else {
      const date = new Date(start + i * 60_000)
      line = `${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())},` +
        `${channels[i % channels.length]},${(i * 7919) % 50_000 + 1}\n`
    }
    previous = line
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

/** Repositories that discard every write (`--discard`): the importer's own cost, without a database. */
function discardingTarget () {
  const stored = new Map<string, ObjectId>()
  return {
    engagements: {
      listAll: async () => [],
      upsertByNames: async (_clientId: ObjectId, channels: { name: string }[]) =>
        new Map(channels.map(({ name }) => [name, { _id: stored.get(name) ?? stored.set(name, new ObjectId()).get(name) }]))
    },
    customers: {
      upsertMany: async (_clientId: ObjectId, records: unknown[]) => ({ inserted: records.length, updated: 0 }),
      ensureExist: async (_clientId: ObjectId, ids: number[]) => ids.length
    },
    topics: { productsByMonth: async () => new Map(), upsertMany: async (_clientId: ObjectId, entries: unknown[]) => entries.length },
    interactions: { upsertMany: async (docs: unknown[]) => ({ inserted: docs.length, existing: 0 }), tagCalendarMonth: async () => 0 },
    lookups: { customersByIds: async () => new Map(), existingContentKeys: async () => new Set() }
  } as unknown as ImportTarget
}

function discardingRuns () {
  let run: ImportRunDocument
  return {
    start: async (clientId: ObjectId, fields: object) => (run = { _id: new ObjectId(), clientId, ...fields, status: 'running', startedAt: new Date() } as ImportRunDocument),
    appendRejects: async () => {},
    finish: async (_clientId: ObjectId, _id: ObjectId, outcome: object) => ({ ...run, ...outcome })
  } as unknown as ImportRunsRepository
}

/** One measured import in this process: MONGODB_URI names the engine (or, with --discard, nothing is stored); the CSV is generated first. */
async function worker (rows: number, discard: boolean): Promise<void> {
  const { buildApp } = await import('../src/app.js')
  const { runImport } = await import('../src/domains/imports/pipeline.js')
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-bench-import-'))
  const path = join(dir, 'interactions.csv')
  try {
    await generateCsv(path, rows)
    if (discard) {
      await measureRun(rows, path, discardingTarget(), discardingRuns(), new ObjectId(), runImport)
      return
    }
    const app = await buildApp({
      env: {
        NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB: 'bench_import', MONGODB_TIMEOUT_MS: '600000', MONGODB_SELECTION_TIMEOUT_MS: '600000',
        SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789'
      },
      migrate: true
    })
    await app.ready()
    const client = await app.clientsRepository.create({ name: 'Import benchmark', nickName: `bench-${rows}` })
    const target = {
      engagements: app.engagementsRepository, customers: app.customersRepository, topics: app.topicsRepository,
      interactions: app.interactionsRepository, lookups: app.importLookups
    }
    await measureRun(rows, path, target, app.importRunsRepository, client._id, runImport)
    await app.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function measureRun (
  rows: number, path: string, target: ImportTarget, runs: ImportRunsRepository, clientId: ObjectId, runImportFn: typeof runImport
): Promise<void> {
  global.gc?.()
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 20)
  let nextReport = 0.1
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const run = await runImportFn(target, runs, clientId,
    { path, fileName: 'interactions.csv', format: 'csv', size: (await stat(path)).size },
    { dryRun: false, dateOrder: 'day-first', mapping: {} },
    ({ bytesRead, totalBytes, rows: done }) => {
      if (bytesRead / totalBytes >= nextReport) {
        process.stderr.write(`  ${rows.toLocaleString('en')} rows: ${Math.round(nextReport * 100)}% (${done.toLocaleString('en')} rows, ${Math.round((performance.now() - started) / 1000)} s)\n`)
        nextReport += 0.1
      }
    })
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  const sheet = run.summary?.sheets[0]
  const result: BenchResult = {
    rows,
    seconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: Math.round(rows / seconds),
    baselineRssMiB: Math.round(baseline / MIB),
    peakRssMiB: Math.round(peak / MIB),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    importerCpuSeconds: Math.round(((cpu) => (cpu.user + cpu.system) / 1e5)(process.cpuUsage(cpuBefore))) / 10,
    inserted: sheet?.inserted ?? 0,
    duplicates: sheet?.duplicates ?? 0,
    rejected: sheet?.rejected ?? 0,
    inferredCustomers: sheet?.inferredCustomers ?? 0
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

function tsx (script: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--expose-gc', join(root, script), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })
}

async function firstLine (child: ChildProcess, pattern: RegExp): Promise<string> {
  let buffered = ''
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    buffered += chunk.toString()
    const line = buffered.split('\n').find((candidate) => pattern.test(candidate))
    if (line) return line
  }
  throw new Error(`process ended without printing ${pattern}`)
}

async function result (importer: ChildProcess): Promise<BenchResult> {
  const line = await firstLine(importer, /^RESULT /)
  await once(importer, 'exit')
  return JSON.parse(line.slice('RESULT '.length)) as BenchResult
}

/** A fresh embedded engine process and a fresh importer process for one size. */
async function measure (rows: number, discard: boolean): Promise<BenchResult> {
  if (discard) return result(tsx('bench/import.ts', ['--worker', String(rows), '--discard']))
  const engine = tsx('src/db/embedded/cli.ts', ['--port', '0'])
  try {
    const uri = (await firstLine(engine, /^mongodb:\/\//)).trim()
    return await result(tsx('bench/import.ts', ['--worker', String(rows)], { ...process.env, MONGODB_URI: uri }))
  } finally {
    engine.kill('SIGTERM')
  }
}

function table (results: BenchResult[]): string {
  const rows = results.map((r) =>
    `| ${r.rows.toLocaleString('en')} | ${r.seconds} s | ${r.rowsPerSecond.toLocaleString('en')} | ${r.importerCpuSeconds} s | ${r.baselineRssMiB} MiB | ${r.peakRssMiB} MiB | ${r.maxRssMiB} MiB | ` +
    `${r.inserted.toLocaleString('en')} / ${r.duplicates.toLocaleString('en')} / ${r.rejected.toLocaleString('en')} |`)
  const smallest = results.at(0)
  const largest = results.at(-1)
  const ratio = smallest && largest && largest !== smallest
    ? `\nPeak RSS at ${largest.rows.toLocaleString('en')} rows is ${(largest.peakRssMiB / smallest.peakRssMiB).toFixed(2)}× that at ${smallest.rows.toLocaleString('en')} rows (limit: 1.5×).\n`
    : ''
  return `| rows | time | rows/s | importer CPU | RSS before | peak RSS | max RSS | inserted / duplicates / rejected |
|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}
${ratio}`
}

function section (engine: BenchResult[], discarded: BenchResult[]): string {
  return `## Import

\`npm run bench:import\` (bench/import.ts) generates a CSV of interaction rows (day-first dates a minute apart, six channels,
50,000 customers; 0.1% repeated rows, 0.1% impossible dates) in a temporary directory and imports it with the same pipeline
as \`npm run import\` and \`POST /api/v1/imports\`: streamed with csv-parse, cleaned row by row, written 1,000 rows per
\`bulkWrite\` (unordered upserts on natural keys). Each size runs in a fresh importer process; peak RSS is sampled every
20 ms during the import, max RSS (\`process.resourceUsage().maxRSS\`) covers the whole importer process, CSV generation included.
Measured on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)},
with a 1-minute load average of ${startLoad.toFixed(1)} at the start (wall-clock rates fall when other work shares the cores; importer CPU does not).
${engine.length > 0 ? `
### Into the embedded engine

Through the driver into the embedded engine, which runs in a process of its own (as \`npm run mongo:embedded\`) so that the
importer's memory is measured alone; a fresh engine per size.

${table(engine)}` : ''}${discarded.length > 0 ? `
### The importer alone (\`--discard\`)

The same pipeline with repositories that discard every write: what reading, cleaning, keying and batching cost without a database.

${table(discarded)}` : ''}
Memory is bounded: no row is held beyond its batch of 1,000. What grows with the file is the set of row keys already seen
(8 bytes per distinct row, for duplicate detection) and the set of customers met (for inferred customers).
`
}

async function writeSection (text: string): Promise<void> {
  const path = join(root, 'docs', 'BENCHMARKS.md')
  const current = await readFile(path, 'utf8').catch(() => '# Benchmarks\n')
  const start = current.indexOf('\n## Import\n')
  let next: string
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${text}`
  } else {
    const end = current.indexOf('\n## ', start + 1)
    next = `${current.slice(0, start + 1)}${text}${end === -1 ? '' : `\n${current.slice(end + 1)}`}`
  }
  await writeFile(path, next.endsWith('\n') ? next : `${next}\n`)
}

const startLoad = loadavg()[0] ?? 0
const { values } = parseArgs({
  options: {
    worker: { type: 'string' },
    discard: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '100000,1000000' },
    'discard-sizes': { type: 'string', default: '100000,1000000' },
    'no-write': { type: 'boolean', default: false }
  }
})

async function measureAll (sizes: string, discard: boolean): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const size of sizes.split(',').filter(Boolean).map(Number)) {
    process.stderr.write(`importing ${size.toLocaleString('en')} rows${discard ? ' (writes discarded)' : ''}…\n`)
    const measured = await measure(size, discard)
    process.stderr.write(`  ${JSON.stringify(measured)}\n`)
    results.push(measured)
  }
  return results
}

if (values.worker) {
  await worker(Number(values.worker), values.discard)
} else {
  const discarded = await measureAll(values['discard-sizes'], true)
  const engine = await measureAll(values.sizes, false)
  const text = section(engine, discarded)
  process.stdout.write(text)
  if (!values['no-write']) await writeSection(text)
}
