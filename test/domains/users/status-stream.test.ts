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
  /** The log id of the event of a user's latest update: the event's key is `user-status:<the update's eventId>`. */
  const eventIdOf = async (userId: number) => {
    const update = (await app.usersRepository.findById(ctx.id, userId))?.status?.eventId.toHexString()
    return String((await app.mongo.db.collection('events').findOne({ clientId: ctx.id, key: `user-status:${update}` }))?.seq)
  }

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

  t.test('a reconnect with Last-Event-ID receives every update stored since, in order, then live ones', async (t) => {
    const since = await eventIdOf(B)
    const aAway = await put(A, ctx.bound.a.key, { state: 'away' })
    const aAwayId = await eventIdOf(A)
    const bLatest = await put(B, ctx.bound.b.key, { state: 'busy', text: 'call' })
    const aLatest = await put(A, ctx.bound.a.key, { state: 'offline' })
    const stream = await open(ctx.keys.manager, { 'last-event-id': since })
    t.same(await stream.next(), { id: aAwayId, event: 'user-status', data: aAway }, 'an update superseded since is sent too')
    t.same(await stream.next(), { id: await eventIdOf(B), event: 'user-status', data: bLatest })
    t.same(await stream.next(), { id: await eventIdOf(A), event: 'user-status', data: aLatest }, 'in the order they were stored')
    t.ok(Number(aAwayId) > Number(since) && Number(await eventIdOf(A)) > Number(await eventIdOf(B)), 'event ids grow in that order')
    const live = await put(B, ctx.bound.b.key, { state: 'online' })
    t.same(await stream.next(), { id: await eventIdOf(B), event: 'user-status', data: live }, 'then live updates')
  })

  t.test('an update whose event could not be logged is announced later, once; a user whose updates pile up unlogged gets 503', async (t) => {
    const later = () => new Date(Date.now() + 60_000)
    await app.events.sweep(later())
    const dee = (await app.usersRepository.create(ctx.id, { name: 'dee', role: 'agent' })).userId
    const stream = await open(ctx.keys.agent)
    const events = app.mongo.db.collection('events')
    const users = app.mongo.db.collection('users')
    const [info] = await app.mongo.db.listCollections({ name: 'events' }).toArray() as unknown as { options: { validator: object } }[]
    await app.mongo.db.command({ collMod: 'events', validator: { $jsonSchema: { required: ['no such field'] } } })
    const kept = await put(dee, ctx.keys.admin, { state: 'busy', text: 'kept' })
    t.equal(await events.countDocuments({ clientId: ctx.id, 'data.text': 'kept' }), 0, 'the log refused its event')
    t.equal((await users.findOne({ clientId: ctx.id, userId: dee }))?.outbox?.length, 1, 'it waits in the user\'s outbox')
    const filler = Array.from({ length: 99 }, (_, index) => ({ key: `filler:${index}`, type: 'user-status', at: new Date(), facts: { state: 'away', updatedAt: new Date() } }))
    await users.updateOne({ clientId: ctx.id, userId: dee }, { $push: { outbox: { $each: filler } } } as never)
    const full = await app.inject({ method: 'PUT', url: `/api/v1/users/${dee}/status`, headers: bearer(ctx.keys.admin), payload: { state: 'online' } })
    t.equal(full.statusCode, 503)
    t.same(full.json(), { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: `User ${dee}'s earlier status updates are not in the event log yet; retry shortly` })
    t.same((await users.findOne({ clientId: ctx.id, userId: dee }))?.status?.state, 'busy', 'nothing changed')
    await users.updateOne({ clientId: ctx.id, userId: dee }, { $pull: { outbox: { key: { $regex: '^filler:' } } } } as never)
    await app.mongo.db.command({ collMod: 'events', validator: info?.options.validator })
    t.equal(await app.events.sweep(later()), 1, 'the sweep announces it')
    t.same(await stream.next(), { id: await eventIdOf(dee), event: 'user-status', data: kept })
    t.equal(await app.events.sweep(later()), 0, 'once')
    t.equal(await events.countDocuments({ clientId: ctx.id, 'data.text': 'kept' }), 1)
    t.equal((await users.findOne({ clientId: ctx.id, userId: dee }))?.outbox, undefined, 'and the outbox is gone')
  })

  t.test('a malformed Last-Event-ID is a 400; an unknown key a 401', async (t) => {
    const bad = await app.inject({ method: 'GET', url: '/api/v1/user-statuses/events', headers: { ...bearer(ctx.keys.agent), 'last-event-id': 'yesterday' } })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().code, 'VALIDATION_ERROR')
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/user-statuses/events' })
    t.equal(anonymous.statusCode, 401)
  })
})
