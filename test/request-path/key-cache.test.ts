import t from 'tap'
import { ObjectId } from 'mongodb'
import type { ApiKeyDocument } from '../../src/domains/clients/api-keys-repository.js'
import { buildApp } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { createKeyCache, MAX_STALENESS_MS } from '../../src/plugins/key-cache.js'
import { buildTestApp, bearer, createTenant, PLATFORM_KEY } from '../helper.js'
import { commandsDuring, isBackground } from './commands.js'
import { twoInstances } from './instances.js'

const users = (key: string) => ({ method: 'GET' as const, url: '/api/v1/users', headers: bearer(key) })
const keyDoc = (name: string): ApiKeyDocument =>
  ({ _id: new ObjectId(), clientId: new ObjectId(), name, role: 'agent', hash: name, prefix: 'sb_', createdAt: new Date() })

t.test('the cache itself', async (t) => {
  let clock = 0
  const cache = createKeyCache(2, MAX_STALENESS_MS, () => clock)

  t.test('trusts nothing before a revocation check, then entries for 2 s after the check began', async (t) => {
    cache.add('a', keyDoc('a'), cache.generation)
    t.equal(cache.get('a'), undefined)
    cache.checkedAt(0)
    t.equal(cache.get('a')?.name, 'a')
    clock = MAX_STALENESS_MS
    t.equal(cache.get('a')?.name, 'a', 'at the bound')
    clock = MAX_STALENESS_MS + 1
    t.equal(cache.get('a'), undefined, 'past it: every key is looked up again')
    cache.checkedAt(clock)
    t.equal(cache.get('a')?.name, 'a', 'until the next check')
  })

  t.test('keeps at most its size, the least recently used leaving first', async (t) => {
    cache.add('b', keyDoc('b'), cache.generation)
    t.ok(cache.get('a'), 'a is used again')
    cache.add('c', keyDoc('c'), cache.generation)
    t.equal(cache.size, 2)
    t.equal(cache.get('b'), undefined)
    t.ok(cache.get('a'))
    t.ok(cache.get('c'))
  })

  t.test('a lookup that was in flight while a key was revoked is not cached', async (t) => {
    const before = cache.generation
    cache.forget('c')
    cache.add('c', keyDoc('c'), before)
    t.equal(cache.get('c'), undefined)
    cache.add('d', keyDoc('d'), before)
    t.equal(cache.get('d'), undefined, 'whichever key it was: the revocation may be of the key being looked up')
  })

  t.test('clear forgets everything', async (t) => {
    cache.clear()
    t.equal(cache.size, 0)
  })
})

t.test('keys cached in the process', async (t) => {
  const app = await buildTestApp(t, { monitorCommands: true, env: { API_KEY_CACHE_SIZE: '2' } })
  const tenant = await createTenant(app, 'cached')

  t.test('a verified key is looked up once; after that a hot read makes one command', async (t) => {
    const cold = await commandsDuring(app, () => app.inject(users(tenant.keys.agent)))
    t.equal(cold.value.statusCode, 200)
    t.same(cold.commands, ['find apiKeys', 'find users'])
    const warm = await commandsDuring(app, () => app.inject(users(tenant.keys.agent)))
    t.equal(warm.value.statusCode, 200)
    t.same(warm.commands, ['find users'])
  })

  t.test('unknown keys never enter the cache: each is looked up, and none pushes a real key out', async (t) => {
    for (let i = 0; i < 50; i++) {
      const { value: res, commands } = await commandsDuring(app, () => app.inject(users(`sb_not_a_key_${i}_xxxxxxxxxxxxxxxx`)))
      t.equal(res.statusCode, 401)
      t.same(commands, ['find apiKeys'])
    }
    const { commands } = await commandsDuring(app, () => app.inject(users(tenant.keys.agent)))
    t.same(commands, ['find users'], 'the real key is still cached')
    const again = await commandsDuring(app, () => app.inject(users('sb_not_a_key_0_xxxxxxxxxxxxxxxx')))
    t.same(again.commands, ['find apiKeys'], 'a junk key seen before is looked up again')
  })

  t.test('the platform key is never looked up', async (t) => {
    const { value: res, commands } = await commandsDuring(app, () => app.inject({ method: 'GET', url: '/api/v1/clients', headers: bearer(PLATFORM_KEY) }))
    t.equal(res.statusCode, 200)
    t.same(commands, ['find clients'])
  })

  t.test('a key revoked on this instance stops working at once', async (t) => {
    const keys = await app.inject({ method: 'GET', url: `/api/v1/clients/${tenant.hexId}/api-keys`, headers: bearer(tenant.keys.admin) })
    const agentKey = (keys.json() as { data: Array<{ id: string, role: string }> }).data.find((key) => key.role === 'agent')
    t.equal((await app.inject(users(tenant.keys.agent))).statusCode, 200, 'cached')
    const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${tenant.hexId}/api-keys/${agentKey?.id}`, headers: bearer(tenant.keys.admin) })
    t.equal(revoked.statusCode, 200)
    t.match(revoked.json(), { revokedAt: /^\d{4}-/ })
    const res = await app.inject(users(tenant.keys.agent))
    t.equal(res.statusCode, 401)
    t.same(res.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Invalid or revoked API key' })
    const twice = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${tenant.hexId}/api-keys/${agentKey?.id}`, headers: bearer(tenant.keys.admin) })
    t.equal(twice.statusCode, 200, 'revoking again answers the key as it is')
    t.equal(twice.json().revokedAt, revoked.json().revokedAt)
  })
})

t.test('a key revoked on another instance stops working here within the bound', async (t) => {
  const [a, b] = await twoInstances(t)
  const tenant = await createTenant(a, 'elsewhere')
  const keyId = (await a.mongo.db.collection('apiKeys').findOne({ clientId: tenant.id, role: 'manager' }))?._id as ObjectId

  t.equal((await b.inject(users(tenant.keys.manager))).statusCode, 200)
  const cached = await commandsDuring(b, () => b.inject(users(tenant.keys.manager)))
  t.same(cached.commands, ['find users'], 'instance B has the key in its own cache')

  const revoked = await a.inject({ method: 'DELETE', url: `/api/v1/clients/${tenant.hexId}/api-keys/${keyId.toHexString()}`, headers: bearer(tenant.keys.admin) })
  t.equal(revoked.statusCode, 200)
  t.equal((await a.inject(users(tenant.keys.manager))).statusCode, 401, 'at once on the instance that revoked it')

  await b.apiKeyLookup.nextPoll()
  t.equal((await b.inject(users(tenant.keys.manager))).statusCode, 401, 'after B\'s next revocation check (one a second)')
  t.equal((await b.inject(users(tenant.keys.agent))).statusCode, 200, 'the client\'s other keys still work')

  t.test('a revocation check is one query, however many keys exist', async (t) => {
    for (let i = 0; i < 20; i++) await a.apiKeysRepository.create(tenant.id, `extra ${i}`, 'agent')
    const polls: string[] = []
    const listener = (event: Parameters<typeof isBackground>[0]) => {
      if (isBackground(event) && event.command.comment === 'background: key revocations') polls.push(`${event.commandName} ${String(event.command.find)}`)
    }
    b.mongo.client.on('commandStarted', listener)
    await b.apiKeyLookup.nextPoll()
    b.mongo.client.off('commandStarted', listener)
    t.same(polls, ['find apiKeys'])
  })
})

t.test('an instance that cannot check revocations stops trusting its cache', { skip: process.env.MONGODB_URI ? 'needs an engine this test can stop' : false }, async (t) => {
  const engine = await startEmbeddedMongo({ port: 0 })
  const app = await buildApp({
    env: {
      NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, MONGODB_URI: engine.uri, MONGODB_DB: 'stale',
      MONGODB_SELECTION_TIMEOUT_MS: '300', RATE_LIMIT_MAX: '1000'
    },
    logger: false,
    migrate: true
  })
  // A route that needs a key and nothing else from the database.
  app.get('/test/key-only', { config: { auth: { role: 'agent' } } }, async () => ({ ok: true }))
  t.teardown(async () => {
    await app.close()
    await engine.stop()
  })
  const tenant = await createTenant(app, 'stale')
  const keyOnly = { method: 'GET' as const, url: '/test/key-only', headers: bearer(tenant.keys.agent) }
  t.equal((await app.inject(keyOnly)).statusCode, 200)
  await engine.stop()
  // No assertion on how soon: only that the cached key stops being served once checks have failed past the bound.
  const started = Date.now()
  let status = 200
  while (status === 200 && Date.now() - started < 30_000) {
    status = (await app.inject(keyOnly)).statusCode
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal(status, 503, 'the key is looked up again, and the database is away')
})
