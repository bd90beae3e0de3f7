import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { buildApp } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { createTenant, PLATFORM_KEY, type Tenant } from '../helper.js'

interface Outcome { status?: number, body?: string, error?: string, answeredAfterSigterm: boolean }

const env = (uri: string) => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  ADMIN_API_KEY: PLATFORM_KEY,
  MONGODB_URI: uri,
  MONGODB_DB: 'shutdown',
  RATE_LIMIT_MAX: '0'
})

async function prepareDatabase (uri: string): Promise<Tenant> {
  const app = await buildApp({ env: env(uri), logger: false, migrate: true })
  try {
    return await createTenant(app, 'shutdown')
  } finally {
    await app.close()
  }
}

/** Starts src/server.ts as its own process and resolves with the address it prints. */
async function startServer (uri: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // Under tsx, not tap's loader: kept out of coverage (see test/domains/imports/cli.test.ts).
    env: { ...process.env, ...env(uri), PORT: '0', HOST: '127.0.0.1', _TAPJS_PROCESSINFO_COVERAGE_: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Switchboard is listening on (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1] as string)
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)))
  })
  return { child, address, output: () => output }
}

// Spawns a server under load: on a busy machine TypeScript start-up alone can take a while.
t.setTimeout(300_000)

t.test('SIGTERM under load: in-flight requests complete, later ones get 503, nothing acknowledged is lost', async (t) => {
  const engine = await startEmbeddedMongo({ port: 0 })
  t.teardown(() => engine.stop())
  const tenant = await prepareDatabase(engine.uri)
  const server = await startServer(engine.uri)
  t.teardown(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL') })

  const agent = new http.Agent({ keepAlive: true, maxSockets: 40 })
  t.teardown(() => agent.destroy())
  let sigtermSent = false
  const post = (i: number) => new Promise<Outcome>((resolve) => {
    const payload = JSON.stringify({ name: `User ${i}` })
    const request = http.request(`${server.address}/api/v1/users`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': 'application/json', 'idempotency-key': `user-${i}` }
    }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => { body += chunk.toString() })
      response.on('end', () => resolve({ status: response.statusCode, body, answeredAfterSigterm: sigtermSent }))
    })
    request.on('error', (error) => resolve({ error: error.message, answeredAfterSigterm: sigtermSent }))
    request.end(payload)
  })

  const exited = once(server.child, 'exit')
  let answered = 0
  const outcomes = await Promise.all(Array.from({ length: 150 }, async (_, i) => {
    const outcome = await post(i)
    if (++answered === 10) {
      sigtermSent = true
      server.child.kill('SIGTERM')
    }
    return { i, ...outcome }
  }))
  const [exitCode] = await exited
  t.equal(exitCode, 0, 'the server shuts down cleanly')
  if (exitCode !== 0) t.comment(server.output().slice(-3000))

  const created = outcomes.filter((outcome) => outcome.status === 201)
  const refused = outcomes.filter((outcome) => outcome.status === 503)
  const otherStatuses = outcomes.filter((outcome) => outcome.status !== undefined && outcome.status !== 201 && outcome.status !== 503)
  t.same(otherStatuses.map((outcome) => outcome.status), [], 'every answer is 201 or 503')
  t.ok(created.some((outcome) => outcome.answeredAfterSigterm), 'requests in flight at SIGTERM were completed')
  for (const outcome of refused) {
    t.same(JSON.parse(outcome.body ?? '{}'), { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Switchboard is shutting down; retry shortly' })
  }
  t.comment(`${created.length} created, ${refused.length} refused with 503, ${outcomes.length - created.length - refused.length} not connected`)

  const { MongoClient } = await import('mongodb')
  const client = await new MongoClient(engine.uri).connect()
  t.teardown(() => client.close())
  const users = client.db('shutdown').collection('users')
  t.equal(await users.countDocuments({ clientId: tenant.id }), created.length, 'exactly the acknowledged users are stored')
  const unanswered = outcomes.filter((outcome) => outcome.status === undefined).map((outcome) => `User ${outcome.i}`)
  t.equal(await users.countDocuments({ clientId: tenant.id, name: { $in: unanswered } }), 0, 'a request that got no answer was never run')
  for (const outcome of created) {
    const { id } = JSON.parse(outcome.body as string) as { id: number }
    t.equal(await users.countDocuments({ clientId: tenant.id, userId: id, name: `User ${outcome.i}` }), 1)
  }
})

t.test('a request that arrives on an open connection while the app closes gets 503 in the envelope', async (t) => {
  const { buildTestApp, bearer } = await import('../helper.js')
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'closing')
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const socket = net.connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  const payload = JSON.stringify({ name: 'Late' })
  // Half a request keeps the connection busy, so close() waits for it instead of dropping it as idle.
  socket.write('POST /api/v1/users HTTP/1.1\r\nHost: switchboard\r\n')
  const closed = app.close()
  while (app.server.listening) await new Promise((resolve) => setImmediate(resolve))
  socket.write(`authorization: ${bearer(tenant.keys.admin).authorization}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n${payload}`)
  let raw = ''
  socket.on('data', (chunk: Buffer) => { raw += chunk.toString() })
  await once(socket, 'end')
  await closed
  const [head, body] = raw.split('\r\n\r\n') as [string, string]
  t.match(head, /^HTTP\/1\.1 503 /)
  t.match(head, /\r\nconnection: close\r\n/i)
  t.match(head, /\r\nretry-after: 1\r\n/i)
  t.same(JSON.parse(body), { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: 'Switchboard is shutting down; retry shortly' })
})
