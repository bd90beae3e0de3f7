/**
 * Import benchmark (not a test): for each size, generates a CSV of N interaction rows in a temporary directory and imports
 * it through the pipeline, writing through the driver to the embedded engine, which runs in a process of its own (as
 * `npm run mongo:embedded`) so that the importer's memory is measured alone. One fresh engine and importer process per
 * size (bench/import-worker.ts). With --discard-sizes, the importer alone (writes discarded) is measured too.
 * Run: npm run bench:import [-- --sizes 100000,1000000 --discard-sizes 100000,1000000] — writes the "## Import" section
 * of docs/BENCHMARKS.md (an empty list skips that table).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { BenchResult } from './import-worker.js'

const root = fileURLToPath(new URL('..', import.meta.url))

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
/** The peak resident memory of a process so far (Linux: VmHWM), in MiB. */
async function peakRssMiB (pid: number | undefined): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]
  return kib === undefined ? undefined : Math.round(Number(kib) / 1024)
}

async function measure (rows: number, discard: boolean): Promise<BenchResult> {
  if (discard) return result(tsx('bench/import-worker.ts', [String(rows), '--discard']))
  const engine = tsx('src/db/embedded/cli.ts', ['--port', '0'])
  try {
    const uri = (await firstLine(engine, /^mongodb:\/\//)).trim()
    const measured = await result(tsx('bench/import-worker.ts', [String(rows)], { ...process.env, MONGODB_URI: uri }))
    return { ...measured, enginePeakRssMiB: await peakRssMiB(engine.pid) }
  } finally {
    engine.kill('SIGTERM')
  }
}

function table (results: BenchResult[], withEngine = false): string {
  const rows = results.map((r) =>
    `| ${r.rows.toLocaleString('en')} | ${r.seconds} s | ${r.rowsPerSecond.toLocaleString('en')} | ${r.importerCpuSeconds} s | ${r.baselineRssMiB} MiB | ${r.peakRssMiB} MiB | ${r.maxRssMiB} MiB | ` +
    `${withEngine ? `${r.enginePeakRssMiB?.toLocaleString('en') ?? '?'} MiB | ` : ''}${r.inserted.toLocaleString('en')} / ${r.duplicates.toLocaleString('en')} / ${r.rejected.toLocaleString('en')} |`)
  const smallest = results.at(0)
  const largest = results.at(-1)
  const ratio = smallest && largest && largest !== smallest
    ? `\nThe importer's peak RSS at ${largest.rows.toLocaleString('en')} rows is ${(largest.peakRssMiB / smallest.peakRssMiB).toFixed(2)}× that at ${smallest.rows.toLocaleString('en')} rows (limit: 1.5×).\n`
    : ''
  return `| rows | time | rows/s | importer CPU | RSS before | peak RSS | max RSS | ${withEngine ? 'engine peak RSS | ' : ''}inserted / duplicates / rejected |
|---:|---:|---:|---:|---:|---:|---:|${withEngine ? '---:|' : ''}---|
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
importer's memory is measured alone; a fresh engine per size. The engine keeps every document and index in memory
(it is the development and test database, not a storage engine), so its peak RSS grows with the data, as a database's
would; the importer's is the bounded one.

${table(engine, true)}` : ''}${discarded.length > 0 ? `
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

const discarded = await measureAll(values['discard-sizes'], true)
const engine = await measureAll(values.sizes, false)
const text = section(engine, discarded)
process.stdout.write(text)
if (!values['no-write']) await writeSection(text)
