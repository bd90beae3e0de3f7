/**
 * Events benchmark (not a test), two parts, each against two `src/server.ts` processes on one database:
 *   1. latency: direct messages posted to instance A at each of EVENTS_RATES per second for EVENTS_SECONDS; a
 *      subscriber on instance B measures, per event, the time from the message's store (its `sentAt`, the server's
 *      clock) to its arrival; p50/p99, for the default EVENTS_POLL_MS and for a short one, in the same run. A rate the
 *      machine cannot sustain measures the queue in front of the database; the lower rate measures the pipeline;
 *   2. webhooks: WEBHOOK_EVENTS events fanned out to one endpoint on a local receiver that answers 200 at once;
 *      deliveries per second from the first to the last.
 * Run: npx tsx bench/events.ts   (EVENTS_RATES=1000,100 EVENTS_SECONDS=20 WEBHOOK_EVENTS=5000; MONGODB_URI to use a real server)
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'
import { startProcess, type ServerProcess } from './load-server.js'
import { load, log } from './measure.js'

const RATES = (process.env.EVENTS_RATES ?? '1000,100').split(',').map(Number)
const SECONDS = Number(process.env.EVENTS_SECONDS ?? 20)
const WEBHOOK_EVENTS = Number(process.env.WEBHOOK_EVENTS ?? 5000)
const MAX_IN_FLIGHT = 500
const PLATFORM_KEY = 'sb_platform_bench_key_0123456789'

const env = (uri: string, db: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production', LOG_LEVEL: 'warn', ADMIN_API_KEY: PLATFORM_KEY, MONGODB_URI: uri, MONGODB_DB: db, RATE_LIMIT_MAX: '0',
  HOST: '127.0.0.1', PORT: '0', WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8', ...extra
})

async function prepare (uri: string, db: string) {
  const app = await buildApp({ env: { ...env(uri, db), NODE_ENV: 'test' }, logger: false, migrate: true })
  try {
    const client = await app.clientsRepository.create({ name: 'Events bench', nickName: `events-${Date.now()}` })
    const { key } = await app.apiKeysRepository.create(client._id, 'bench admin', 'admin')
    for (const name of ['sender', 'recipient']) await app.usersRepository.create(client._id, { name, role: 'agent' })
    return key
  } finally {
    await app.close()
  }
}

const start = (uri: string, db: string, extra: Record<string, string> = {}) =>
  startProcess('src/server.ts', env(uri, db, extra), /Switchboard is listening on (http:\/\/\S+)/)

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN
}

/** Reads a stream's events and calls `onEvent` with each event's data and the time it arrived. */
async function subscribe (url: string, key: string, onEvent: (data: { sentAt: string, text: string }, at: number) => void): Promise<AbortController> {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal })
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`)
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  void (async () => {
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      const at = Date.now()
      buffer += decoder.decode(value, { stream: true })
      let boundary = buffer.indexOf('\n\n')
      while (boundary >= 0) {
        const data = buffer.slice(0, boundary).split('\n').find((line) => line.startsWith('data: '))
        if (data) onEvent(JSON.parse(data.slice(6)), at)
        buffer = buffer.slice(boundary + 2)
        boundary = buffer.indexOf('\n\n')
      }
    }
  })()
  return controller
}

/** When each message's POST was answered (by text), to split a latency into the writer's part and the rest. */
const answered = new Map<string, number>()

async function post (base: string, key: string, text: string): Promise<boolean> {
  const res = await fetch(`${base}/api/v1/direct-messages`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ senderId: 1, recipientId: 2, text })
  }).catch(() => null)
  if (!res) return false
  await res.arrayBuffer()
  answered.set(text, Date.now())
  return res.status === 201
}

/** Posts at `rate` per second for `seconds` (never more than MAX_IN_FLIGHT at once); returns how many were stored. */
async function produce (base: string, key: string, rate: number, seconds: number): Promise<{ stored: number, skipped: number }> {
  let inFlight = 0
  let stored = 0
  let skipped = 0
  const pending: Promise<void>[] = []
  const began = Date.now()
  for (let sent = 0; sent < rate * seconds;) {
    const due = Math.floor((Date.now() - began) / 1000 * rate)
    for (; sent < Math.min(due, rate * seconds); sent++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++
        continue
      }
      inFlight++
      pending.push(post(base, key, `bench ${sent}`).then((ok) => { inFlight--; if (ok) stored++ }))
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await Promise.all(pending)
  return { stored, skipped }
}

async function latencyRun (uri: string, db: string, key: string, rate: number, pollMs: string): Promise<void> {
  const [a, b] = await Promise.all([start(uri, db, { EVENTS_POLL_MS: pollMs }), start(uri, db, { EVENTS_POLL_MS: pollMs })]) as [ServerProcess, ServerProcess]
  try {
    const latencies: number[] = []
    const arrivals: { text: string, at: number }[] = []
    answered.clear()
    const stream = await subscribe(`${b.address}/api/v1/users/2/events`, key, (data, at) => {
      latencies.push(at - Date.parse(data.sentAt))
      arrivals.push({ text: data.text, at })
    })
    const began = Date.now()
    const { stored, skipped } = await produce(a.address, key, rate, SECONDS)
    const elapsed = (Date.now() - began) / 1000
    const deadline = Date.now() + 30_000
    while (latencies.length < stored && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    stream.abort()
    const sorted = [...latencies].sort((x, y) => x - y)
    const afterAnswer = arrivals.map((arrival) => arrival.at - (answered.get(arrival.text) ?? arrival.at)).sort((x, y) => x - y)
    log(`  ${rate}/s asked, EVENTS_POLL_MS=${pollMs}: ${stored} stored on A in ${elapsed.toFixed(1)} s (${Math.round(stored / elapsed)}/s, ${skipped} not sent: ${MAX_IN_FLIGHT} in flight), ` +
      `${latencies.length} received on B; store → subscriber p50 ${percentile(sorted, 0.5)} ms, p99 ${percentile(sorted, 0.99)} ms, max ${sorted.at(-1)} ms; ` +
      `A's answer → subscriber p50 ${percentile(afterAnswer, 0.5)} ms, p99 ${percentile(afterAnswer, 0.99)} ms`)
  } finally {
    a.child.kill('SIGKILL')
    b.child.kill('SIGKILL')
  }
}

async function webhookRun (uri: string, db: string, key: string, concurrency: string): Promise<void> {
  let first = 0
  let last = 0
  let received = 0
  const receiver = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const now = Date.now()
      if (received++ === 0) first = now
      last = now
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const [a, b] = await Promise.all([start(uri, db, { WEBHOOK_CONCURRENCY: concurrency }), start(uri, db, { WEBHOOK_CONCURRENCY: concurrency })]) as [ServerProcess, ServerProcess]
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const hook = await fetch(`${a.address}/api/v1/webhooks`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url, eventTypes: ['direct-message'] })
    })
    if (hook.status !== 201) throw new Error(`could not register the endpoint: ${hook.status} ${await hook.text()}`)
    const { stored } = await produce(a.address, key, 1000, WEBHOOK_EVENTS / 1000)
    const deadline = Date.now() + 120_000
    while (received < stored && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const seconds = (last - first) / 1000
    log(`  WEBHOOK_CONCURRENCY=${concurrency} on each of 2 instances: ${received} of ${stored} events delivered in ${seconds.toFixed(1)} s: ${Math.round(received / seconds)} deliveries/s`)
  } finally {
    a.child.kill('SIGKILL')
    b.child.kill('SIGKILL')
    receiver.closeAllConnections()
    receiver.close()
  }
}

const engine = process.env.MONGODB_URI ? null : await startEmbeddedMongo({ port: 0 })
const uri = process.env.MONGODB_URI ?? (engine as { uri: string }).uri
log(`Events benchmark: ${RATES.join(' and ')} events/s for ${SECONDS} s, then ${WEBHOOK_EVENTS} webhook deliveries; database ${engine ? 'embedded engine (in this process)' : 'MONGODB_URI'}; load ${load()}`)
try {
  log('Latency, store on instance A → subscriber on instance B:')
  for (const rate of RATES) {
    for (const pollMs of ['250', '50']) {
      const db = `events_bench_${rate}_${pollMs}_${Date.now()}`
      await latencyRun(uri, db, await prepare(uri, db), rate, pollMs)
    }
  }
  log('Webhooks to a local receiver:')
  for (const concurrency of ['8', '32']) {
    const db = `events_bench_hooks_${concurrency}_${Date.now()}`
    await webhookRun(uri, db, await prepare(uri, db), concurrency)
  }
  log(`load after: ${load()}`)
} finally {
  await engine?.stop()
}
