/**
 * Stalled event streams (not a test): 31 clients open a chatroom's event stream and never read it (raw sockets,
 * paused) while 6,000 messages of 1,000 characters are posted; the figure is the most the server held unsent for its
 * sockets, and its RSS growth (the embedded engine runs in this process too, holding the messages and their events).
 * It imports the app from a checkout given as the first argument, so the code before the event log can be measured
 * the same way: `git archive <commit> src mock_data package.json tsconfig.json | tar -x -C /tmp/old` and
 * `ln -s $PWD/node_modules /tmp/old/node_modules`, then `npx tsx bench/events-stalled.ts /tmp/old`.
 * Run: npx tsx bench/events-stalled.ts [checkout, default .] [batches of 100, default 60]
 */
import net from 'node:net'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { load, log } from './measure.js'

const root = path.resolve(process.argv[2] ?? '.')
const batches = Number(process.argv[3] ?? 60)
const STREAMS = 31
const { buildApp } = await import(path.join(root, 'src/app.ts')) as typeof import('../src/app.js')
const app = await buildApp({
  env: {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_bench_key_0123456789', RATE_LIMIT_MAX: '0',
    EVENT_STREAM_BUFFER_BYTES: '65536', EVENT_STREAM_STALL_MS: '2000', EVENT_STREAMS_PER_KEY: '100'
  },
  logger: false,
  migrate: true
})
await app.listen({ port: 0, host: '127.0.0.1' })
const port = (app.server.address() as AddressInfo).port
const sockets = new Set<net.Socket>()
app.server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)) })
const client = await app.clientsRepository.create({ name: 'Stalled', nickName: 'stalled' })
const { key } = await app.apiKeysRepository.create(client._id, 'bench', 'admin')
for (const name of ['ann', 'bo']) await app.usersRepository.create(client._id, { name, role: 'agent' })
const room = await app.chatroomsRepository.create(client._id, { name: 'flood', createdBy: 1, memberIds: [1, 2] })
const streamPath = `/api/v1/chatrooms/${room.chatroomId}/events?userId=2`
for (let index = 0; index < STREAMS; index++) {
  await new Promise<void>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(`GET ${streamPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n\r\n`)
      socket.pause()
      resolve()
    })
    socket.on('error', () => {})
  })
}
await new Promise((resolve) => setTimeout(resolve, 500))
const rssBefore = process.memoryUsage().rss
let peak = 0
const began = Date.now()
for (let batch = 0; batch < batches; batch++) {
  const data = Array.from({ length: 100 }, (_, index) => ({ message_str: 'x'.repeat(1000), message_sent_ts: 1637029963, sender_user_id: 1 + (index % 2) }))
  await app.inject({ method: 'POST', url: `/chatrooms/${room.chatroomId}/messages`, headers: { authorization: `Bearer ${key}` }, payload: { data } })
  await new Promise((resolve) => setImmediate(resolve))
  let bytes = 0
  for (const socket of sockets) bytes += socket.writableLength
  peak = Math.max(peak, bytes)
}
log(JSON.stringify({
  checkout: root, streams: STREAMS, events: batches * 100, peakUnsentKiB: Math.round(peak / 1024),
  rssGrowthMiB: Math.round((process.memoryUsage().rss - rssBefore) / 1048576), seconds: (Date.now() - began) / 1000, load: load()
}))
process.exit(0)
