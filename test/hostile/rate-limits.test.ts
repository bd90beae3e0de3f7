import t from 'tap'
import type { InjectOptions } from 'fastify'
import type { App } from '../../src/app.js'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { commandsDuring } from '../request-path/commands.js'
import { twoInstances } from '../request-path/instances.js'

// A window far longer than any test, so that no count resets while one runs (windows are aligned to the epoch).
const WINDOW = '10000 hours'
const limits = { RATE_LIMIT_MAX: '5', RATE_LIMIT_AUTH_FAILURES: '3', RATE_LIMIT_WINDOW: WINDOW }

const junk = (n: number) => bearer(`sb_junk_${String(n).padStart(6, '0')}_not_a_key_at_all`)

async function statuses (app: App, requests: InjectOptions[]): Promise<number[]> {
  const answers: number[] = []
  for (const request of requests) answers.push((await app.inject(request)).statusCode)
  return answers
}

t.test('guessing keys from one address', async (t) => {
  const app = await buildTestApp(t, { monitorCommands: true, env: limits })
  const tenant = await createTenant(app, 'guessing')

  t.test('each failed authentication is one key lookup until the address has failed RATE_LIMIT_AUTH_FAILURES times', async (t) => {
    for (let i = 0; i < 3; i++) {
      const { value: res, commands } = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/users', headers: junk(i), remoteAddress: '198.51.100.1' }))
      t.equal(res.statusCode, 401)
      t.same(commands, ['find apiKeys'])
    }
  })

  t.test('then every further guess is 429 with Retry-After, before any database work, whatever key it tries', async (t) => {
    for (let i = 3; i < 40; i++) {
      const { value: res, commands } = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/users', headers: junk(i), remoteAddress: '198.51.100.1' }))
      t.equal(res.statusCode, 429)
      t.same(commands, [], 'no database command')
      t.ok(Number(res.headers['retry-after']) > 0)
      t.match(res.json(), { statusCode: 429, code: 'TOO_MANY_REQUESTS', error: /^Too many failed authentications from this address: at most 3 per 10000 hours/ })
    }
  })

  t.test('a key the instance would have to look up is refused from that address too; a key it has verified is not', async (t) => {
    const unseen = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.agent), remoteAddress: '198.51.100.1' }))
    t.equal(unseen.value.statusCode, 429)
    t.same(unseen.commands, [], 'no key lookup')
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.manager), remoteAddress: '198.51.100.50' })).statusCode, 200)
    const verified = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.manager), remoteAddress: '198.51.100.1' }))
    t.equal(verified.value.statusCode, 200, 'a cached key costs no lookup, so a shared address (a NAT, an office) does not lock its users out')
    t.same(verified.commands, ['find users'])
  })

  t.test('requests without a key count as failed authentications (they cost no lookup, so they stay 401)', async (t) => {
    const keyless = Array.from({ length: 4 }, (): InjectOptions => ({ method: 'GET', url: '/api/v1/users', remoteAddress: '198.51.100.2' }))
    t.same(await statuses(app, keyless), [401, 401, 401, 401])
    const { value: res, commands } = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/users', headers: junk(99), remoteAddress: '198.51.100.2' }))
    t.equal(res.statusCode, 429)
    t.same(commands, [])
  })

  t.test('seed-contract routes answer the 429 in their own envelope', async (t) => {
    const answers: Array<{ statusCode: number, body: unknown }> = []
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({ method: 'GET', url: '/users/1', headers: junk(100 + i), remoteAddress: '198.51.100.3' })
      answers.push({ statusCode: res.statusCode, body: res.json() })
    }
    t.same(answers.map((answer) => answer.statusCode), [401, 401, 401, 429])
    t.same(Object.keys(answers[3]?.body as object), ['error'])
    t.match(answers[3]?.body, { error: /^Too many failed authentications/ })
  })

  t.test('another address is not affected, and a real key is counted by its id, not by the address', async (t) => {
    const headers = bearer(tenant.keys.agent)
    const remaining: string[] = []
    for (const address of ['198.51.100.9', '198.51.100.10', '198.51.100.11']) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers, remoteAddress: address })
      t.equal(res.statusCode, 200)
      remaining.push(String(res.headers['x-ratelimit-remaining']))
    }
    t.same(remaining, ['4', '3', '2'], 'the agent key was refused on the locked address before it was counted')
  })
})

t.test('junk cannot evict a real key\'s count', async (t) => {
  // Two buckets of each kind per instance: far fewer than the junk below.
  const app = await buildTestApp(t, { env: { ...limits, RATE_LIMIT_BUCKETS: '2' } })
  const tenant = await createTenant(app, 'evict')
  const headers = bearer(tenant.keys.agent)
  const users = { method: 'GET' as const, url: '/api/v1/users', headers }

  t.same(await statuses(app, [users, users, users]), [200, 200, 200])
  const guesses = Array.from({ length: 300 }, (_, i): InjectOptions => ({ method: 'GET', url: '/api/v1/users', headers: junk(i), remoteAddress: `203.0.113.${i % 250}` }))
  t.ok((await statuses(app, guesses)).every((status) => status === 401 || status === 429), 'the guesses are refused')
  const publicCalls = Array.from({ length: 300 }, (_, i): InjectOptions => ({ method: 'GET', url: '/docs/json', remoteAddress: `192.0.2.${i % 250}` }))
  t.ok((await statuses(app, publicCalls)).every((status) => status === 200), 'public calls from 250 addresses')
  const res = await app.inject(users)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-ratelimit-remaining'], '1', 'the key still has the count it had')
  t.same(await statuses(app, [users, users]), [200, 429])
})

t.test('a verified key refused for its role still counts, and past the limit it is 429, not 403', async (t) => {
  const app = await buildTestApp(t, { env: limits })
  const tenant = await createTenant(app, 'refused')
  const refused = { method: 'POST' as const, url: '/api/v1/users', headers: bearer(tenant.keys.agent), payload: { name: 'Nobody', role: 'agent' } }
  t.same(await statuses(app, [refused, refused, refused, refused, refused, refused]), [403, 403, 403, 403, 403, 429])
  t.same(await statuses(app, [{ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.agent) }]), [429], 'the same key on a route it may call')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.manager) })).statusCode, 200, 'another key of the client is not affected')

  const platform = { method: 'GET' as const, url: '/api/v1/users', headers: bearer(app.platformKey) }
  t.same(await statuses(app, [platform, platform, platform, platform, platform, platform]), [403, 403, 403, 403, 403, 429], 'the platform key on a client route')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(app.platformKey) })).statusCode, 429)
  t.equal(await app.mongo.db.collection('users').countDocuments({ name: 'Nobody' }), 0, 'nothing was written')
})

t.test('distinct addresses do not share a bucket; health checks are never limited', async (t) => {
  const app = await buildTestApp(t, { env: { ...limits, RATE_LIMIT_MAX: '3' } })
  const docs = (remoteAddress: string): InjectOptions => ({ method: 'GET', url: '/docs/json', remoteAddress })
  t.same(await statuses(app, [docs('192.0.2.1'), docs('192.0.2.1'), docs('192.0.2.1'), docs('192.0.2.1')]), [200, 200, 200, 429])
  t.same(await statuses(app, [docs('192.0.2.2'), docs('2001:db8::1')]), [200, 200])
  t.same(await statuses(app, [docs('2001:db8::2'), docs('2001:db8:0:0:ffff::3'), docs('2001:db8::4')]), [200, 200, 429], 'IPv6 counts by /64')
  t.same(await statuses(app, [docs('2001:db8:0:1::1')]), [200], 'another /64')

  for (const url of ['/health', '/ready']) {
    const answers = await Promise.all(Array.from({ length: 10 }, () => app.inject({ method: 'GET', url, remoteAddress: '192.0.2.1' })))
    t.same(answers.map((res) => res.statusCode), Array(10).fill(200), `${url} answers`)
    t.same(answers.map((res) => res.headers['x-ratelimit-limit']), Array(10).fill(undefined), `${url} is not counted`)
  }
})

t.test('one limit per key across two app instances on one database', async (t) => {
  const [a, b] = await twoInstances(t, { ...limits, RATE_LIMIT_MAX: '6' })
  const tenant = await createTenant(a, 'two-instances')
  const users = { method: 'GET' as const, url: '/api/v1/users', headers: bearer(tenant.keys.agent) }

  t.same(await statuses(a, [users, users, users, users]), [200, 200, 200, 200])
  await a.rateLimits?.flush()
  const first = await b.inject(users)
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-ratelimit-remaining'], '5', 'instance B has not met the key yet: it knows its own count only')
  await b.rateLimits?.flush()
  const second = await b.inject(users)
  t.equal(second.headers['x-ratelimit-remaining'], '0', 'after its flush B counts from the total: 4 on A, 2 on B')
  t.same(await statuses(b, [users]), [429], 'the sixth request was the last, whichever instance took it')
  await b.rateLimits?.flush()
  await a.rateLimits?.flush()
  const { value: onA, commands } = await commandsDuring(a, () => a.inject(users))
  t.equal(onA.statusCode, 429, 'instance A refuses once B has shared its counts')
  t.same(commands, [], 'refused from memory')

  t.test('a spent key is refused at once by an instance that never saw it', async (t) => {
    const other = await createTenant(a, 'spent-elsewhere')
    const spend = { ...users, headers: bearer(other.keys.manager) }
    t.same(await statuses(a, Array(7).fill(spend)), [200, 200, 200, 200, 200, 200, 429])
    await a.rateLimits?.flush()
    await b.rateLimits?.flush()
    t.equal((await b.inject(spend)).statusCode, 429)
  })

  t.test('failed authentications are shared too', async (t) => {
    const guess = (n: number): InjectOptions => ({ method: 'GET', url: '/api/v1/users', headers: junk(n), remoteAddress: '198.51.100.77' })
    t.same(await statuses(a, [guess(1), guess(2), guess(3)]), [401, 401, 401])
    await a.rateLimits?.flush()
    await b.rateLimits?.flush()
    const { value: res, commands } = await commandsDuring(b, () => b.inject(guess(4)))
    t.equal(res.statusCode, 429)
    t.same(commands, [])
  })

  t.test('each instance writes its counts in the background, one bulk write and one read per flush', async (t) => {
    const fresh = await createTenant(a, 'flushes')
    t.equal((await a.inject({ ...users, headers: bearer(fresh.keys.agent) })).statusCode, 200)
    const flushes: string[] = []
    const listener = (event: { commandName: string, command: Record<string, unknown> }) => {
      if (String(event.command.comment).startsWith('background: rate-limit')) flushes.push(`${event.commandName} ${String(event.command[event.commandName])}`)
    }
    a.mongo.client.on('commandStarted', listener)
    await a.rateLimits?.flush()
    a.mongo.client.off('commandStarted', listener)
    // The 250 ms timer may be flushing already (its write sent before the listener) or flush again meanwhile; flushes
    // never overlap, so after any tail of one already under way each flush is its own pair.
    const whole = flushes[0] === 'find rateLimits' ? flushes.slice(1) : flushes
    t.ok(whole.length >= 2, 'the flush wrote and read')
    t.same(whole, Array.from({ length: Math.ceil(whole.length / 2) }, () => ['update rateLimits', 'find rateLimits']).flat(), 'each flush: one bulk write, then one read')
  })
})

t.test('behind a reverse proxy', async (t) => {
  const docs = (forwardedFor: string): InjectOptions => ({ method: 'GET', url: '/docs/json', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwardedFor } })

  t.test('without TRUST_PROXY every client counts as the proxy: X-Forwarded-For is not believed', async (t) => {
    const app = await buildTestApp(t, { env: { ...limits, RATE_LIMIT_MAX: '2' } })
    t.same(await statuses(app, [docs('192.0.2.10'), docs('192.0.2.11'), docs('192.0.2.12')]), [200, 200, 429])
  })

  t.test('with TRUST_PROXY=true each client counts by its forwarded address', async (t) => {
    const app = await buildTestApp(t, { env: { ...limits, RATE_LIMIT_MAX: '2', TRUST_PROXY: 'true' } })
    t.same(await statuses(app, [docs('192.0.2.10'), docs('192.0.2.10'), docs('192.0.2.10'), docs('192.0.2.11')]), [200, 200, 429, 200])
  })

  t.test('with a hop count, only that many proxies are believed', async (t) => {
    const app = await buildTestApp(t, { env: { ...limits, RATE_LIMIT_MAX: '1', TRUST_PROXY: '1' } })
    // The client wrote 198.51.100.1 itself; the one proxy appended the address it saw.
    t.same(await statuses(app, [docs('198.51.100.1, 192.0.2.20'), docs('198.51.100.2, 192.0.2.20')]), [200, 429])
  })
})
