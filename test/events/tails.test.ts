import t from 'tap'
import type { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { listen, until } from './helpers.js'
import { openEventStream, type EventStreamClient } from '../domains/messenger/event-stream.js'

t.test('each instance reads each streamed client\'s log once per poll, however many streams the client has', async (t) => {
  const app = await buildTestApp(t, { env: { EVENTS_POLL_MS: '100' } })
  const base = await listen(app)
  const [busy, quiet, silent] = [await createTenant(app, 'busy'), await createTenant(app, 'quiet'), await createTenant(app, 'silent')]
  const reads = new Map<string, number>()
  const log = app.events.streams.log // the streams' own reader of the log (its commands are marked background)
  const after = log.after.bind(log)
  log.after = async (clientId: ObjectId, position: number, limit?: number) => {
    reads.set(clientId.toHexString(), (reads.get(clientId.toHexString()) ?? 0) + 1)
    return after(clientId, position, limit)
  }
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  for (let index = 0; index < 12; index++) streams.push(await openEventStream(`${base}/api/v1/chats/queue/events`, bearer(busy.keys.admin)))
  streams.push(await openEventStream(`${base}/api/v1/chats/queue/events`, bearer(quiet.keys.admin)))
  await until(() => app.events.streams.openStreams === 13, 'streams open')
  reads.clear()
  const began = Date.now()
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const polls = Math.floor((Date.now() - began) / 100) + 1
  const busyReads = reads.get(busy.hexId) ?? 0
  const quietReads = reads.get(quiet.hexId) ?? 0
  t.ok(busyReads >= 1 && busyReads <= polls, `12 streams of one client: ${busyReads} reads in ${polls} polls`)
  t.ok(quietReads >= 1 && quietReads <= polls, `one stream: ${quietReads} reads`)
  t.equal(reads.get(silent.hexId) ?? 0, 0, 'a client without streams is never read')

  const chat = await app.inject({ method: 'POST', url: '/api/v1/chats', headers: bearer(busy.keys.admin), payload: { customerName: 'Cy' } })
  const received = await Promise.all(streams.slice(0, 12).map(async (stream) => (await stream.next()).data))
  t.ok(received.every((data) => (data as { id: number }).id === chat.json().id), 'the one read fed all twelve streams')
})
