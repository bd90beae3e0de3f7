import t from 'tap'
import type { AddressInfo } from 'node:net'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { A, B, C, identityTenant } from '../../identity/fixtures.js'
import { openEventStream, type EventStreamClient } from '../messenger/event-stream.js'

t.test('status updates are published on the client\'s status stream', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const ctx = await identityTenant(app, 'status-stream')
  const other = await createTenant(app, 'status-stream-other')
  await app.usersRepository.create(other.id, { name: 'outsider', role: 'agent' })
  const streams: EventStreamClient[] = []
  t.teardown(() => { for (const stream of streams) stream.close() })
  const open = async (key: string, headers: Record<string, string> = {}) => {
    const stream = await openEventStream(`${base}/api/v1/user-statuses/events`, { ...bearer(key), ...headers })
    streams.push(stream)
    return stream
  }
  const put = async (userId: number, key: string, payload: object) => {
    const res = await app.inject({ method: 'PUT', url: `/api/v1/users/${userId}/status`, headers: bearer(key), payload })
    t.equal(res.statusCode, 200)
    return res.json()
  }
  const eventIdOf = async (userId: number) => (await app.usersRepository.findById(ctx.id, userId))?.status?.eventId.toHexString()

  t.test('every key of the client hears each accepted update, as event user-status with the status the route answered', async (t) => {
    const asBob = await open(ctx.bound.b.key)
    const asAgent = await open(ctx.keys.agent)
    const outsider = await open(other.keys.admin)
    t.equal(asBob.status, 200)
    t.equal(asBob.contentType, 'text/event-stream; charset=utf-8')
    await put(1, other.keys.admin, { state: 'busy' })
    const answer = await put(A, ctx.bound.a.key, { state: 'online', text: 'hello' })
    const expected = { id: await eventIdOf(A), event: 'user-status', data: answer }
    t.same(await asBob.next(), expected)
    t.same(await asAgent.next(), expected)
    const theirs = await outsider.next()
    t.same([theirs.event, (theirs.data as { state: string }).state], ['user-status', 'busy'], 'the other client hears its own update only')
    const renewed = await put(A, ctx.bound.a.key, { state: 'online', text: 'hello' })
    t.same(await asBob.next(), { id: await eventIdOf(A), event: 'user-status', data: renewed }, 'a renewal is an event too: its expiresAt moved on')
  })

  t.test('refused and superseded updates publish nothing', async (t) => {
    const stream = await open(ctx.bound.a.key)
    const refused = await app.inject({ method: 'PUT', url: `/api/v1/users/${B}/status`, headers: bearer(ctx.bound.a.key), payload: { state: 'away' } })
    t.equal(refused.statusCode, 403)
    const future = new Date(Date.now() + 60_000)
    await app.usersRepository.setStatus(ctx.id, C, { state: 'busy', text: 'stored ahead' }, future)
    const superseded = await put(C, ctx.keys.admin, { state: 'away' })
    t.same([superseded.state, superseded.text], ['busy', 'stored ahead'], 'the answer is the stored, newer status')
    const marker = await put(B, ctx.bound.b.key, { state: 'away', text: 'marker' })
    t.same(await stream.next(), { id: await eventIdOf(B), event: 'user-status', data: marker }, 'the next event is the one after them')
  })

  t.test('a reconnect with Last-Event-ID receives the latest status of each user who changed it since, then live ones', async (t) => {
    const since = await eventIdOf(B) as string
    await put(A, ctx.bound.a.key, { state: 'away' })
    const bLatest = await put(B, ctx.bound.b.key, { state: 'busy', text: 'call' })
    const aLatest = await put(A, ctx.bound.a.key, { state: 'offline' })
    const stream = await open(ctx.keys.manager, { 'last-event-id': since })
    t.same(await stream.next(), { id: await eventIdOf(B), event: 'user-status', data: bLatest })
    t.same(await stream.next(), { id: await eventIdOf(A), event: 'user-status', data: aLatest }, 'one event per user, in the order of their latest updates')
    const live = await put(B, ctx.bound.b.key, { state: 'online' })
    t.same(await stream.next(), { id: await eventIdOf(B), event: 'user-status', data: live }, 'then live updates')
  })

  t.test('a malformed Last-Event-ID is a 400; an unknown key a 401', async (t) => {
    const bad = await app.inject({ method: 'GET', url: '/api/v1/user-statuses/events', headers: { ...bearer(ctx.keys.agent), 'last-event-id': 'yesterday' } })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().code, 'VALIDATION_ERROR')
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/user-statuses/events' })
    t.equal(anonymous.statusCode, 401)
  })
})
