/**
 * One measured import of the import benchmark (bench/import.ts starts it in a fresh process): generates a CSV of
 * `rows` interaction rows, imports it into MONGODB_URI (or, with --discard, into repositories that store nothing)
 * and prints `RESULT {json}`.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { ObjectId } from 'mongodb'
import type { runImport } from '../src/domains/imports/pipeline.js'
import type { ImportRunDocument, ImportRunsRepository } from '../src/domains/imports/runs-repository.js'
import type { ImportTarget } from '../src/domains/imports/writer.js'

const channels = ['Email', 'Call', 'Chat', 'SMS', 'Bird', 'Twitter']
const MIB = 1024 * 1024

export interface BenchResult {
  rows: number
  seconds: number
  rowsPerSecond: number
  baselineRssMiB: number
  peakRssMiB: number
  maxRssMiB: number
  /** The engine process's peak RSS (bench/import.ts adds it; the importer cannot see it). */
  enginePeakRssMiB?: number
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

const { values, positionals } = parseArgs({ allowPositionals: true, options: { discard: { type: 'boolean', default: false } } })
await worker(Number(positionals[0]), values.discard)
