/**
 * The CPU one request of a route costs, app and engine together (not a test): the embedded engine and the app in this
 * one process (so `process.cpuUsage` counts both), the demo data loaded, then `--requests` sequential `app.inject`
 * calls after as many unmeasured. No sockets between client and app, so the figure is the route's own work.
 * Run: npx tsx bench/route-cpu.ts [--route /users/performance] [--key sb_demo_acme_manager] [--requests 300] [--rounds 3]
 *   [--method POST --body '{"text":"Is my order on its way?"}'] [--cpu-prof file.cpuprofile]
 */
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.js'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'
import { cpuPerRequest, load, log } from './measure.js'

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: '/users/performance' },
    key: { type: 'string', default: 'sb_demo_acme_manager' },
    requests: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    method: { type: 'string', default: 'GET' },
    body: { type: 'string' },
    'cpu-prof': { type: 'string' }
  }
})
const requests = Number(values.requests)

const engine = await startEmbeddedMongo({ port: 0 })
const app = await buildApp({
  env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGODB_DB: 'route_cpu', SEED_DEMO: 'true', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0', MONGODB_URI: engine.uri },
  logger: false,
  migrate: true
})
await app.ready()
const request = {
  method: values.method as 'GET' | 'POST',
  url: values.route,
  headers: { authorization: `Bearer ${values.key}`, ...(values.body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(values.body === undefined ? {} : { payload: values.body })
}
const first = await app.inject(request)
if (first.statusCode >= 300) throw new Error(`${values.route} answered ${first.statusCode}: ${first.body}`)
for (let i = 0; i < requests; i++) await app.inject(request)

log(`route CPU: ${values.method} ${values.route}, ${requests} sequential requests a round; load average ${load()} at the start`)
const rounds = await cpuPerRequest(Number(values.rounds), requests, () => app.inject(request), values['cpu-prof'])
// The least of the rounds: the others lost time to whatever else the machine was doing.
log(`  ${Math.round(Math.min(...rounds))} µs of CPU per request (app and engine; rounds: ${rounds.map((r) => Math.round(r)).join(', ')})`)
await app.close()
await engine.stop()
