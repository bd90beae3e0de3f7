import { monitorEventLoopDelay } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readSheets } from '../src/domains/imports/readers.js'
import { buildApp } from '../src/app.js'
import { bucketLabels } from '../src/domains/interactions/periods.js'
import { hostileRequests, prepareHostileTenant, send } from '../test/hostile/hostile-inputs.js'
import { PLATFORM_KEY } from '../test/helper.js'
import { cpuMs, load, log } from './measure.js'

/**
 * `npx tsx bench/hostile.ts [rounds]`: the hostile requests of test/hostile/bounded-work.test.ts against the app and
 * its embedded engine, both in this process. Prints, for each request alone (once warmed up), its answer time, the CPU
 * time this process spent on it (app, engine and client together) and the longest event-loop delay while it ran; then
 * the event-loop delay (p50, p99, max) and /health's answers while all of them run, 4 at a time, `rounds` times over
 * (default 5); what the old volume code did before refusing (list every daily bucket label); and what the import
 * limits cost: one read of a 100,000-row CSV and of the seed workbook through the checking readers.
 */
const rounds = Number(process.argv[2] ?? 5)
const env = {
  NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_DB: `bench_${randomBytes(4).toString('hex')}`, SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, RATE_LIMIT_MAX: '0'
}
const app = await buildApp({ env, logger: false, migrate: true })
const hostile = await prepareHostileTenant(app)
const requests = await hostileRequests(hostile)
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const ms = (ns: number) => (ns / 1e6).toFixed(1)

log(`Hostile input, ${new Date().toISOString()}, Node ${process.version}, load average ${load()}`)
// Once through first, so that the figures are of warm code (as in a server that has run a while).
for (const request of requests) await send(base, request)
log('\n| request | answer | time | CPU | longest event-loop delay |\n|---|---:|---:|---:|---:|')
for (const request of requests) {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  const started = performance.now()
  const cpu = cpuMs()
  const answer = await send(base, request)
  const took = performance.now() - started
  histogram.disable()
  log(`| ${request.name} | ${answer.status} ${answer.code ?? ''} | ${took.toFixed(0)} ms | ${(cpuMs() - cpu).toFixed(0)} ms | ${ms(histogram.max)} ms |`)
}

const histogram = monitorEventLoopDelay({ resolution: 10 })
const health: { status: number, ms: number }[] = []
let running = true
const poller = (async () => {
  while (running) {
    const started = performance.now()
    const res = await fetch(`${base}/health`)
    await res.text()
    health.push({ status: res.status, ms: performance.now() - started })
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
})()
histogram.enable()
const started = performance.now()
const queue = Array.from({ length: rounds }, () => requests).flat()
await Promise.all(Array.from({ length: 4 }, async () => {
  for (let request = queue.shift(); request; request = queue.shift()) await send(base, request)
}))
const elapsed = performance.now() - started
histogram.disable()
running = false
await poller
const healthMs = health.map((answer) => answer.ms).sort((a, b) => a - b)
log(`\nAll ${requests.length} requests, 4 at a time, ${rounds} rounds, ${(elapsed / 1000).toFixed(1)} s: event-loop delay p50 ${ms(histogram.percentile(50))} ms, ` +
  `p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; /health answered ${health.length} times, ` +
  `${health.filter((answer) => answer.status === 200).length} with 200, p99 ${healthMs[Math.floor(healthMs.length * 0.99)]?.toFixed(1)} ms`)

const oldStarted = performance.now()
const labels = bucketLabels({ from: '1900-01-01', to: '9999-12-31' }, 'day').length
log(`The old volume code, listing every daily bucket label from 1900 to 9999 before its check: ${labels} labels in ${(performance.now() - oldStarted).toFixed(0)} ms of blocking work`)
// The import limits are checked by one extra read of the file before anything is written: what that read costs.
const folder = await mkdtemp(join(tmpdir(), 'switchboard-bench-'))
const csv = join(folder, 'rows.csv')
const rows = Array.from({ length: 100_000 }, (_, n) => `${String(1 + (n % 28)).padStart(2, '0')}/10/2019 09:${String(n % 60).padStart(2, '0')},Email,${1 + (n % 50_000)}`)
await writeFile(csv, `Date Start,Interaction,Customers\r\n${rows.join('\r\n')}\r\n`)
for (const [path, format, name] of [[csv, 'csv', '100,000-row CSV'], [fileURLToPath(new URL('../mock_data/seed-interactions.xlsx', import.meta.url)), 'xlsx', 'seed workbook']] as const) {
  const readStarted = performance.now()
  const readCpu = cpuMs()
  let read = 0
  for await (const sheet of readSheets(path, format, name)) for await (const row of sheet.rows) if (row) read++
  log(`One limits-checking read of the ${name} (${read} rows): ${(performance.now() - readStarted).toFixed(0)} ms, ${(cpuMs() - readCpu).toFixed(0)} ms CPU`)
}
await rm(folder, { recursive: true, force: true })
log(`load average at the end: ${load()}`)
await app.close()
