import fp from 'fastify-plugin'
import { parse as parseDuration } from '@lukeed/ms'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ObjectId } from 'mongodb'
import { backgroundComment } from '../db/plugin.js'
import { createRateLimitStore, type RateLimitDocument, type RateLimitStore, type Verdict } from './rate-limit-store.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: never counted (health checks). */
    rateLimit?: false
  }
  interface FastifyInstance {
    /** The shared counters, or null when RATE_LIMIT_MAX=0. */
    rateLimits: RateLimitStore | null
    /**
     * Called by auth before it looks a key up in the database (not for cached keys or the platform key): throws a 429
     * when the request's address has failed authentication too often. Null when rate limits are off.
     */
    keyLookupGate: ((request: FastifyRequest, reply: FastifyReply) => void) | null
    /**
     * Called by auth for a verified key it refuses (wrong role, platform key on a client route): the request counts
     * against that key like any other, and past the limit it is the 429, not the 403. Null when rate limits are off.
     */
    refusedKeyGate: ((request: FastifyRequest, reply: FastifyReply, keyId: ObjectId | 'platform') => void) | null
  }
}

/** The address a request counts against: IPv4 as it is, IPv6 by its /64 (what one host is usually given). */
export function addressBucket (ip: string): string {
  if (!ip.includes(':')) return ip
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip.slice(7)
  const [head = '', tail = ''] = ip.replace(/%.*$/, '').toLowerCase().split('::')
  const front = head ? head.split(':') : []
  const back = tail ? tail.split(':') : []
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back]
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`
}

function tooMany (message: string): Error {
  return Object.assign(new Error(message), { statusCode: 429 })
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

function announce (reply: FastifyReply, verdict: Verdict): void {
  reply.header('x-ratelimit-limit', verdict.limit)
  reply.header('x-ratelimit-remaining', verdict.remaining)
  reply.header('x-ratelimit-reset', seconds(verdict.resetMs))
  if (!verdict.allowed) reply.header('retry-after', seconds(verdict.resetMs))
}

/**
 * RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW per verified API key (counted after authentication), and per address
 * for routes without a key; RATE_LIMIT_AUTH_FAILURES failed authentications per address, checked before a key is looked
 * up in the database (`keyLookupGate`; cached keys and the platform key cost no lookup and pass). Counts are shared by
 * every instance through the `rateLimits` collection, flushed every RATE_LIMIT_FLUSH_MS (src/plugins/rate-limit-store.ts). Every counted answer carries `x-ratelimit-limit/remaining/reset`; over a limit is
 * 429 with `Retry-After`. Routes with `config.rateLimit: false` (health checks) are never counted.
 */
export default fp(async function rateLimitPlugin (app) {
  const { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW: window, RATE_LIMIT_AUTH_FAILURES: authMax, RATE_LIMIT_FLUSH_MS: flushMs, RATE_LIMIT_BUCKETS: maxBuckets } = app.config
  if (max === 0) {
    app.decorate('rateLimits', null)
    app.decorate('keyLookupGate', null)
    app.decorate('refusedKeyGate', null)
    return
  }
  const windowMs = /^[0-9]+$/.test(window) ? Number(window) : parseDuration(window) as number
  if (!(windowMs > 0)) throw new Error(`RATE_LIMIT_WINDOW must be a duration above 0, not "${window}"`)
  let store: RateLimitStore
  app.decorate('rateLimits', null)

  const limited = (request: FastifyRequest) => request.routeOptions.config?.rateLimit !== false
  const needsKey = (request: FastifyRequest) => {
    const auth = request.routeOptions.config?.auth
    return auth !== undefined && auth !== 'public'
  }

  app.decorate('keyLookupGate', (request: FastifyRequest, reply: FastifyReply) => {
    const failures = store.check(`auth:${addressBucket(request.ip)}`, authMax)
    if (failures.allowed) return
    reply.header('retry-after', seconds(failures.resetMs))
    throw tooMany(`Too many failed authentications from this address: at most ${authMax} per ${window}; retry in ${seconds(failures.resetMs)} s`)
  })

  app.addHook('onRequest', (request, reply, done) => {
    if (!limited(request) || needsKey(request)) return done()
    const verdict = store.hit(`ip:${addressBucket(request.ip)}`, max)
    announce(reply, verdict)
    done(verdict.allowed ? undefined : tooMany(`Rate limit exceeded: at most ${max} requests per ${window}; retry in ${seconds(verdict.resetMs)} s`))
  })

  const keyBucket = (keyId: ObjectId | 'platform') => keyId === 'platform' ? 'key:platform' : `key:${keyId.toHexString()}`
  const exceeded = (verdict: Verdict) => tooMany(`Rate limit exceeded: at most ${max} requests per ${window}; retry in ${seconds(verdict.resetMs)} s`)

  app.decorate('refusedKeyGate', (request: FastifyRequest, reply: FastifyReply, keyId: ObjectId | 'platform') => {
    if (!limited(request)) return
    const verdict = store.hit(keyBucket(keyId), max)
    announce(reply, verdict)
    if (!verdict.allowed) throw exceeded(verdict)
  })

  app.addHook('preParsing', (request, reply, payload, done) => {
    const caller = request.caller
    if (!caller || !limited(request)) return done(null, payload)
    const verdict = store.hit(keyBucket(caller.kind === 'platform' ? 'platform' : caller.keyId), max)
    announce(reply, verdict)
    done(verdict.allowed ? null : exceeded(verdict), payload)
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 401 && limited(request)) store.count(`auth:${addressBucket(request.ip)}`)
    done(null, payload)
  })

  let failing = false
  const flush = () => store.flush().then(() => {
    if (failing) app.log.info('rate-limit counts are shared again')
    failing = false
  }, (err: unknown) => {
    if (!failing) app.log.warn({ err }, 'could not share rate-limit counts; this instance counts alone until the database answers')
    failing = true
  })
  const timers: NodeJS.Timeout[] = []
  app.addHook('onReady', async () => {
    store = createRateLimitStore({
      collection: app.mongo.db.collection<RateLimitDocument>('rateLimits'),
      windowMs,
      maxBuckets,
      limits: { auth: authMax, request: max },
      comment: backgroundComment('rate-limit counts')
    })
    app.rateLimits = store
    timers.push(setInterval(() => { void flush() }, flushMs))
    timers.push(setInterval(() => { store.removeExpired().catch(() => {}) }, Math.min(Math.max(windowMs, 60_000), 3_600_000)))
    for (const timer of timers) timer.unref()
  })
  // Before the database closes: the last counts of this instance are written.
  app.addHook('preClose', async () => {
    for (const timer of timers) clearInterval(timer)
    if (store) await flush()
  })
}, { name: 'rate-limit', dependencies: ['@fastify/env'] })
