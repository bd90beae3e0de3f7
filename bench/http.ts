/**
 * The HTTP request path (not a test): in one run, a bare Fastify route returning static JSON (bench/bare-server.ts, its
 * own process) as the ceiling, then each route below against `src/server.ts` in its own process with the default
 * `npm start` database (embedded engine, demo data), `RATE_LIMIT_MAX=0` and `LOG_LEVEL=warn`. Prints req/s, p50, p99,
 * the ratio to the ceiling, the non-2xx count and the server's CPU time per request per route (all its threads, and its
 * main thread alone: HTTP and the driver), and exits non-zero when a route misses its target.
 * It also measures, in the same run, the official driver's CPU per command (bench/driver-floor.ts: the `find` a read by
 * id sends, against an engine in its own process over a Unix domain socket, at the same concurrency), and prints each route's bound: the most
 * requests a second its main thread could serve if it did nothing but the HTTP work of `GET /health` and the driver's
 * fixed work for the commands the route sends (its budget in test/request-path/round-trips.test.ts), as a ratio to the
 * ceiling. A route whose bound is below its target cannot meet it on this machine while its commands go through the
 * driver from one event loop, however little the rest costs. A second bound spreads the work over every core, however
 * it were split among processes: the cores' time over the least CPU a request needs in all, the driver's and the
 * engine's fixed work per command (the engine's process measured in the same floor run), `GET /health`'s CPU and the
 * load generator's (autocannon runs in this process; its CPU per request of the ceiling run).
 * Run: npm run bench:http [-- --connections 50 --duration 8 --only health,users --cpu-prof --ceiling-each --compiled --no-floor]
 * `--compiled` builds the app (`npm run build`) and runs `dist/src/server.js` with node, as the Dockerfile does, instead of
 * `src/server.ts` through tsx, as `npm start` does (tsx keeps every function's name, which costs a call per closure made).
 * `--ceiling-each` measures the ceiling again just before each route and compares the route with that one: on a busy
 * machine, whose spare CPU changes from minute to minute, that keeps each ratio to conditions of the same moment.
 */
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon, { type Result } from 'autocannon'
import { startBareFastify, startProcess, type ServerProcess } from './load-server.js'
import { routes, type Route } from './http-routes.js'
import { driverCost, findById, processCpuUs, seedCostUsers, statCpuUs, startEngineProcess, stopEngineProcess } from './driver-floor.js'
import { load, log } from './measure.js'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '8' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'ceiling-each': { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false }
  }
})
const connections = Number(values.connections)
const duration = Number(values.duration)

interface Row { route: string, rps: number, p50: number, p99: number, non2xx: number, errors: number, cpuUs: number, mainUs: number, clientUs: number, ratio?: number, target?: number, ceiling?: number, bound?: number, machineBound?: number }

/**
 * CPU time (user + system) of a process's main thread so far, in microseconds, from /proc (Linux): the thread whose id
 * is the process id, where Fastify, the app and the driver run.
 */
const mainThreadCpuUs = (pid: number): number => statCpuUs(`/proc/${pid}/task/${pid}/stat`)

async function measure (url: string, pid: number, route?: Route): Promise<Omit<Row, 'route'>> {
  const headers: Record<string, string> = {}
  if (route?.key) headers.authorization = `Bearer ${route.key}`
  if (route?.body) headers['content-type'] = 'application/json'
  const cpuBefore = processCpuUs(pid)
  const mainBefore = mainThreadCpuUs(pid)
  const clientBefore = process.cpuUsage()
  const result: Result = await autocannon({ url, connections, duration, method: route?.method ?? 'GET', headers, ...(route?.body ? { body: route.body } : {}) })
  const client = process.cpuUsage(clientBefore)
  const requests = Math.max(1, result.requests.total)
  const clientUs = (client.user + client.system) / requests
  const cpuUs = (processCpuUs(pid) - cpuBefore) / requests
  const mainUs = (mainThreadCpuUs(pid) - mainBefore) / requests
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts, cpuUs, mainUs, clientUs }
}

const entry = values.compiled ? 'dist/src/server.js' : 'src/server.ts'
const startServer = (): Promise<ServerProcess> => startProcess(entry, {
  RATE_LIMIT_MAX: '0',
  LOG_LEVEL: 'warn',
  PORT: '0',
  HOST: '127.0.0.1'
}, /Switchboard is listening on (http:\/\/\S+)/, values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=.cpu-prof'] : [])

async function stop (server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM')
  await server.exited
}

const format = (n: number) => n.toLocaleString('en-GB')

async function main (): Promise<void> {
  const only = values.only?.split(',')
  const chosen = routes.filter((route) => !only || only.includes(route.name))
  log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`)
  if (values.compiled) execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
  log(`http: ${connections} connections, ${duration} s per route, server ${entry}; load average ${load()} at the start`)

  const bare = await startBareFastify()
  const measureCeiling = () => measure(`${bare.address}/static`, bare.child.pid as number)
  const ceiling = await measureCeiling()
  log(`  ceiling (bare Fastify, static JSON): ${format(ceiling.rps)} req/s, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms, server CPU ${ceiling.cpuUs.toFixed(0)} µs per request`)

  // The driver's fixed CPU per command, before the routes (the engine it talks to is stopped before they run).
  let floorUs: number | undefined
  let engineFloorUs = 0
  if (!values['no-floor']) {
    // Over a Unix domain socket, as the default mode's app reaches its engine's thread.
    const folder = mkdtempSync(join(os.tmpdir(), 'bench-http-'))
    const engine = await startEngineProcess(join(folder, 'engine.sock'))
    await seedCostUsers(engine.uri)
    const floor = await driverCost(engine.uri, findById, { concurrency: connections, enginePid: engine.child.pid })
    await stopEngineProcess(engine)
    rmSync(folder, { recursive: true, force: true })
    floorUs = floor.cpuUs
    engineFloorUs = floor.engineUs
    log(`  driver floor: ${floorUs.toFixed(1)} µs of CPU per command in the app's process, ${engineFloorUs.toFixed(1)} µs in the engine's (the find by id, ${connections} at a time, least of 3 runs)`)
  }
  const cores = os.cpus().length

  const rows: Row[] = [{ route: 'bare Fastify, static JSON (ceiling)', ...ceiling, ratio: 1 }]
  // The HTTP part of the bounds: GET /health's CPU (main thread; all threads) when it was measured in this run, else the
  // bare route's.
  let httpUs = ceiling.mainUs
  let httpAllUs = ceiling.cpuUs
  for (const route of chosen) {
    const adjacent = values['ceiling-each'] ? (await measureCeiling()).rps : ceiling.rps
    // Each route against a fresh server, so one route's writes or garbage do not weigh on the next.
    const server = await startServer()
    const row: Row = { route: `\`${route.method} ${route.path}\``, ...await measure(`${server.address}${route.path}`, server.child.pid as number, route), target: route.target, ceiling: adjacent }
    await stop(server)
    row.ratio = row.rps / adjacent
    if (route.commands === 0) {
      httpUs = row.mainUs
      httpAllUs = row.cpuUs
    }
    if (floorUs !== undefined) {
      row.bound = 1e6 / (route.commands * floorUs + httpUs) / adjacent
      row.machineBound = cores * 1e6 / (route.commands * (floorUs + engineFloorUs) + httpAllUs + Math.min(ceiling.clientUs, row.clientUs)) / adjacent
    }
    rows.push(row)
    const bound = row.bound === undefined ? '' : `, bounds ${row.bound.toFixed(3)} and ${(row.machineBound ?? 0).toFixed(3)} (${route.commands} command${route.commands === 1 ? '' : 's'})`
    log(`  ${row.route}: ${format(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.ratio.toFixed(3)} × ceiling ${format(adjacent)} (target ${route.target}${bound}), non-2xx ${row.non2xx}, errors ${row.errors}, server CPU ${row.cpuUs.toFixed(0)} µs per request (main thread ${row.mainUs.toFixed(0)})`)
  }
  await stop(bare)

  log(`load average ${load()} at the end\n`)
  const each = values['ceiling-each']
  log(`| route | req/s | p50 | p99 | × ceiling |${each ? ' ceiling just before |' : ''} target | bound: one event loop | bound: ${cores} cores | non-2xx | server CPU per request | main thread |`)
  log(`|---|---:|---:|---:|---:|${each ? '---:|' : ''}---:|---:|---:|---:|---:|---:|`)
  for (const row of rows) {
    const before = each ? ` ${row.ceiling ? format(row.ceiling) : '–'} |` : ''
    log(`| ${row.route} | ${format(row.rps)} | ${row.p50} ms | ${row.p99} ms | ${(row.ratio ?? 0).toFixed(3)} |${before} ${row.target ? `≥ ${row.target}` : '–'} | ${row.bound === undefined ? '–' : row.bound.toFixed(3)} | ${row.machineBound === undefined ? '–' : row.machineBound.toFixed(3)} | ${format(row.non2xx + row.errors)} | ${row.cpuUs.toFixed(0)} µs | ${row.mainUs.toFixed(0)} µs |`)
  }
  if (floorUs !== undefined) {
    log(`\nbound, one event loop: 1,000,000 / (commands × ${floorUs.toFixed(1)} µs + ${httpUs.toFixed(0)} µs of HTTP) req/s, as a ratio to the ceiling`)
    log(`bound, ${cores} cores: ${cores} × 1,000,000 / (commands × (${floorUs.toFixed(1)} + ${engineFloorUs.toFixed(1)}) µs + ${httpAllUs.toFixed(0)} µs of HTTP + ${ceiling.clientUs.toFixed(0)} µs of load generator) req/s, however the app's work is spread over processes`)
    const beyond = rows.filter((row) => row.bound !== undefined && row.target !== undefined && row.bound < row.target)
    if (beyond.length > 0) log(`out of reach from one event loop on this machine (bound below target): ${beyond.map((row) => row.route).join(', ')}`)
    const beyondMachine = rows.filter((row) => row.machineBound !== undefined && row.target !== undefined && row.machineBound < row.target)
    if (beyondMachine.length > 0) log(`out of reach on this machine's ${cores} cores (bound below target): ${beyondMachine.map((row) => row.route).join(', ')}`)
  }
  const missed = rows.filter((row) => row.target !== undefined && ((row.ratio ?? 0) < row.target || row.non2xx + row.errors > 0))
  if (missed.length > 0) {
    log(`\nmissed: ${missed.map((row) => row.route).join(', ')}`)
    process.exitCode = 1
  }
}

await main()
