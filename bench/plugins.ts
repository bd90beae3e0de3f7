/**
 * What each global plugin costs per request (not a test): a bare Fastify app with one `/probe` route, then the same
 * app with one of Switchboard's global plugins (or Fastify options) added as src/app.ts adds it, and finally the whole
 * app (`buildApp`, on `/health` and on `GET /users/1` with a client key). Each variant answers ROUNDS rounds of
 * REQUESTS sequential `app.inject` calls after a warm-up, rounds interleaved; the figure is the fastest round's CPU time per request (this process, engine included for the
 * variants that use the database) minus the bare app's. Run: npx tsx bench/plugins.ts [--requests 4000 --rounds 5]
 */
import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyEnv from '@fastify/env'
import { ConfigSchema } from '../src/config.js'
import { buildApp } from '../src/app.js'
import mongoPlugin from '../src/db/plugin.js'
import apiKeysRepository from '../src/domains/clients/api-keys-repository.js'
import clientsRepository from '../src/domains/clients/repository.js'
import authPlugin from '../src/plugins/auth.js'
import keyCachePlugin from '../src/plugins/key-cache.js'
import errorsPlugin from '../src/plugins/errors.js'
import inputGuardPlugin from '../src/plugins/input-guard.js'
import limitsPlugin from '../src/plugins/limits.js'
import rateLimitPlugin from '../src/plugins/rate-limit.js'
import securityHeadersPlugin from '../src/plugins/security-headers.js'
import shutdownPlugin from '../src/plugins/shutdown.js'
import { requestLogger } from '../src/lib/request-logger.js'
import { cpuMs, load, log } from './measure.js'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '5' } } })
const REQUESTS = Number(values.requests)
const ROUNDS = Number(values.rounds)
const WARM_UP = 3000
const AGENT_KEY = 'sb_bench_plugins_agent_key_0123456789'

const env = { NODE_ENV: 'test', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_plugins_0123', MONGODB_DB: 'plugins' }

interface Variant { name: string, options?: FastifyServerOptions, setup?: (app: FastifyInstance) => Promise<void>, url?: string, keyed?: boolean }

async function withDatabase (app: FastifyInstance) {
  await app.register(mongoPlugin, { migrate: true })
  await app.register(clientsRepository)
  await app.register(apiKeysRepository)
  const client = await app.clientsRepository.create({ name: 'Bench', nickName: `bench-${Date.now()}` })
  await app.apiKeysRepository.create(client._id, 'bench agent', 'agent', { key: AGENT_KEY })
}

const variants: Variant[] = [
  { name: 'bare Fastify (baseline)' },
  { name: 'logger at warn, a pino child per request', options: { logger: { level: 'warn' } } },
  { name: 'logger at warn, lazy request loggers (src/lib/request-logger.ts)', options: { logger: { level: 'warn' }, childLoggerFactory: requestLogger } },
  {
    name: 'request ids (x-request-id in and out)',
    options: { requestIdHeader: 'x-request-id', genReqId: () => randomUUID() },
    setup: async (app) => {
      app.addHook('onRequest', (request, reply, done) => {
        reply.header('x-request-id', request.id)
        done()
      })
    }
  },
  { name: 'limits (body limit, handler timeout)', setup: async (app) => { await app.register(limitsPlugin) } },
  { name: 'shutdown (503 while closing)', setup: async (app) => { await app.register(shutdownPlugin) } },
  { name: 'errors (error and not-found handlers)', setup: async (app) => { await app.register(errorsPlugin) } },
  { name: 'security headers (helmet)', setup: async (app) => { await app.register(securityHeadersPlugin) } },
  { name: 'rate limit (on, public route)', setup: async (app) => { await app.register(rateLimitPlugin); await withDatabase(app) } },
  { name: 'input guard', setup: async (app) => { await app.register(inputGuardPlugin) } },
  { name: 'auth, public route', setup: async (app) => { await withDatabase(app); await app.register(keyCachePlugin); await app.register(authPlugin) } },
  { name: 'auth, client key (cached after the first request)', setup: async (app) => { await withDatabase(app); await app.register(keyCachePlugin); await app.register(authPlugin) }, keyed: true },
  {
    name: 'rate limit (on, client key)',
    setup: async (app) => { await app.register(rateLimitPlugin); await withDatabase(app); await app.register(keyCachePlugin); await app.register(authPlugin) },
    keyed: true
  }
]

async function probeApp (variant: Variant): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...variant.options })
  await app.register(fastifyEnv, { confKey: 'config', schema: ConfigSchema, data: env })
  await variant.setup?.(app)
  const schema = { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } }
  app.get('/probe', { config: { auth: 'public' }, schema }, async () => ({ status: 'ok' }))
  app.get('/keyed', { config: { auth: { role: 'agent' } }, schema }, async () => ({ status: 'ok' }))
  await app.ready()
  return app
}

/** CPU milliseconds per request over `count` sequential requests. */
async function cpuPerRequest (app: FastifyInstance, url: string, headers: Record<string, string>, count: number): Promise<number> {
  const started = cpuMs()
  for (let i = 0; i < count; i++) {
    const res = await app.inject({ method: 'GET', url, headers })
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`)
  }
  return (cpuMs() - started) / count
}

function measure (app: FastifyInstance, url: string, count: number, key?: string): Promise<number> {
  return cpuPerRequest(app, url, key ? { authorization: `Bearer ${key}` } : {}, count)
}

log(`plugins: ${ROUNDS} rounds of ${REQUESTS} sequential inject requests per variant (the fastest round counts) after ${WARM_UP} unmeasured; load average ${load()} at the start`)
const targets: { name: string, app: FastifyInstance, url: string, key?: string }[] = []
for (const variant of variants) {
  targets.push({ name: variant.name, app: await probeApp(variant), url: variant.keyed ? '/keyed' : '/probe', key: variant.keyed ? AGENT_KEY : undefined })
}
const full = await buildApp({ env: { ...env, SEED_DEMO: 'true' }, logger: { level: 'warn' }, migrate: true })
await full.ready()
targets.push({ name: 'whole app, GET /health', app: full, url: '/health' })
targets.push({ name: 'whole app, GET /users/1 (client key, one user read)', app: full, url: '/users/1', key: 'sb_demo_acme_agent' })

const best = new Map<string, number>()
for (const target of targets) await measure(target.app, target.url, WARM_UP, target.key)
// Rounds interleave the variants, so a busy moment of the machine weighs on all of them, and the fastest round is kept.
for (let round = 0; round < ROUNDS; round++) {
  for (const target of targets) {
    const us = await measure(target.app, target.url, REQUESTS, target.key) * 1000
    best.set(target.name, Math.min(best.get(target.name) ?? Infinity, us))
  }
}
for (const app of new Set(targets.map((target) => target.app))) await app.close()
const rows = targets.map((target) => ({ name: target.name, us: best.get(target.name) ?? 0 }))

const baseline = rows[0]?.us ?? 0
log(`load average ${load()} at the end\n`)
log('| variant | CPU µs per request | added to bare Fastify |')
log('|---|---:|---:|')
for (const row of rows) log(`| ${row.name} | ${row.us.toFixed(1)} | ${row === rows[0] ? '–' : `${(row.us - baseline).toFixed(1)}`} |`)
