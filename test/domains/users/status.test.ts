import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { A, B, C, identityTenant } from '../../identity/fixtures.js'

const NEVER = { state: 'offline', text: null, updatedAt: null, expiresAt: null }

t.test('user status', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'status')
  const other = await createTenant(app, 'status-other')
  await app.usersRepository.create(other.id, { name: 'outsider', role: 'agent' })
  const ann = bearer(ctx.bound.a.key)
  const put = (userId: number, payload: unknown, key = ann) =>
    app.inject({ method: 'PUT', url: `/api/v1/users/${userId}/status`, headers: key, payload: payload as object })
  const get = (url: string, key = ann) => app.inject({ method: 'GET', url, headers: key })
  const stored = async (userId: number) => (await app.mongo.db.collection('users').findOne({ clientId: ctx.id, userId }))?.status

  t.test('a user who never set a status reads as offline, everywhere a user is read', async (t) => {
    t.same((await get(`/api/v1/users/${B}/status`)).json(), { userId: B, ...NEVER })
    t.same((await get(`/api/v1/users/${B}`)).json().status, NEVER)
  })

  t.test('a user sets their own status; it answers with when it lapses and is stored as one small sub-document', async (t) => {
    const before = Date.now()
    const res = await put(A, { state: 'online', text: '  at my desk  ' })
    t.equal(res.statusCode, 200)
    const status = await stored(A)
    t.same(Object.keys(status).sort(), ['eventId', 'state', 'text', 'updatedAt'])
    t.same([status.state, status.text], ['online', 'at my desk'], 'stored trimmed')
    t.ok(status.updatedAt.getTime() >= before && status.updatedAt.getTime() <= Date.now())
    t.same(res.json(), {
      userId: A,
      state: 'online',
      text: 'at my desk',
      updatedAt: status.updatedAt.toISOString(),
      expiresAt: new Date(status.updatedAt.getTime() + 300_000).toISOString()
    })
  })

  t.test('everyone in the client reads it: bound keys, and integration keys of every role', async (t) => {
    const status = await stored(A)
    const expected = { userId: A, state: 'online', text: 'at my desk', updatedAt: status.updatedAt.toISOString(), expiresAt: new Date(status.updatedAt.getTime() + 300_000).toISOString() }
    for (const key of [ctx.bound.b.key, ctx.keys.agent, ctx.keys.manager, ctx.keys.admin]) {
      const res = await get(`/api/v1/users/${A}/status`, bearer(key))
      t.equal(res.statusCode, 200)
      t.same(res.json(), expected)
    }
  })

  t.test('it is part of the canonical user reads: one user, the list, a room\'s members', async (t) => {
    const { userId: _, ...status } = (await get(`/api/v1/users/${A}/status`)).json()
    const one = await get(`/api/v1/users/${A}`)
    const doc = await app.usersRepository.findById(ctx.id, A)
    t.same(one.json(), { id: A, name: 'ann', role: 'agent', createdAt: doc?.createdAt.toISOString(), status })
    const list = await get('/api/v1/users')
    t.same(list.json().data.map((user: { id: number, status: { state: string } }) => [user.id, user.status.state]), [[A, 'online'], [B, 'offline'], [C, 'offline']])
    const members = await get(`/api/v1/chatrooms/${ctx.rooms.ours}/members`)
    t.same(members.json().data[0].status, status)
  })

  t.test('a new status replaces the old one whole: no history, the text goes when omitted', async (t) => {
    for (const state of ['away', 'busy', 'offline', 'busy'] as const) t.equal((await put(A, { state }, ann)).statusCode, 200)
    const status = await stored(A)
    t.same([status.state, status.text], ['busy', undefined])
    t.same((await get(`/api/v1/users/${A}/status`)).json(), { userId: A, state: 'busy', text: null, updatedAt: status.updatedAt.toISOString(), expiresAt: null },
      'busy does not lapse')
    t.equal(await app.mongo.db.collection('users').countDocuments({ clientId: ctx.id }), 3, 'no document per update')
  })

  t.test('an online status not renewed for 5 minutes reads as offline; renewing it moves expiresAt on', async (t) => {
    const sixMinutesAgo = new Date(Date.now() - 360_000)
    await app.usersRepository.setStatus(ctx.id, C, { state: 'online', text: 'back soon' }, sixMinutesAgo)
    t.same((await get(`/api/v1/users/${C}/status`)).json(), { userId: C, state: 'offline', text: 'back soon', updatedAt: sixMinutesAgo.toISOString(), expiresAt: null })
    const fourMinutesAgo = new Date(Date.now() - 240_000)
    await app.usersRepository.setStatus(ctx.id, C, { state: 'online' }, fourMinutesAgo)
    t.same((await get(`/api/v1/users/${C}/status`)).json(),
      { userId: C, state: 'online', text: null, updatedAt: fourMinutesAgo.toISOString(), expiresAt: new Date(fourMinutesAgo.getTime() + 300_000).toISOString() })
  })

  t.test('of two updates, the later one stays: an update older than the stored status changes nothing', async (t) => {
    const now = new Date()
    const newer = await app.usersRepository.setStatus(ctx.id, B, { state: 'busy', text: 'newer' }, now)
    t.equal(newer?.applied, true)
    const late = await app.usersRepository.setStatus(ctx.id, B, { state: 'away', text: 'older' }, new Date(now.getTime() - 1))
    t.equal(late?.applied, false)
    t.same([late?.user.status?.state, late?.user.status?.text], ['busy', 'newer'], 'answers the stored status')
    t.same([(await stored(B)).state, (await stored(B)).text], ['busy', 'newer'])
    t.equal(await app.usersRepository.setStatus(ctx.id, 99, { state: 'online' }), null, 'an unknown user: null')
    const concurrent = await Promise.all(['online', 'away', 'busy', 'offline'].map((state) => put(B, { state }, bearer(ctx.bound.b.key))))
    t.same(concurrent.map((res) => res.statusCode), [200, 200, 200, 200])
    const latest = (await stored(B)).updatedAt.toISOString()
    t.ok(concurrent.every((res) => res.json().updatedAt <= latest), 'no answer is newer than the stored status')
    const winners = concurrent.filter((res) => res.json().updatedAt === latest).map((res) => res.json().state)
    t.ok(winners.includes((await stored(B)).state), `the stored state (${(await stored(B)).state}) is one of the latest updates (${winners.join(', ')})`)
  })

  t.test('identity: a bound key sets its own user\'s status only; an integration key needs admin; nothing changes when refused', async (t) => {
    const before = await stored(B)
    const cases: [number, { authorization: string }, number, string][] = [
      [B, ann, 403, 'userId names user 2, but this API key speaks for user 1 only; omit userId or name user 1'],
      [B, bearer(ctx.bound.aManager.key), 403, 'userId names user 2, but this API key speaks for user 1 only; omit userId or name user 1'],
      [B, bearer(ctx.keys.agent), 403, 'The messenger is private to its users: acting as the user in userId needs an API key bound to that user, or an admin integration key (this agent key is bound to no user)'],
      [B, bearer(ctx.keys.manager), 403, 'The messenger is private to its users: acting as the user in userId needs an API key bound to that user, or an admin integration key (this manager key is bound to no user)'],
      [99, ann, 403, 'userId names user 99, but this API key speaks for user 1 only; omit userId or name user 1']
    ]
    for (const [userId, key, statusCode, error] of cases) {
      const res = await put(userId, { state: 'away' }, key)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), { statusCode, code: 'FORBIDDEN', error })
    }
    t.same(await stored(B), before)
    const byAdmin = await put(B, { state: 'away', text: 'set by the admin' }, bearer(ctx.keys.admin))
    t.equal(byAdmin.statusCode, 200)
    t.same([byAdmin.json().state, byAdmin.json().text], ['away', 'set by the admin'])
    const unknown = await put(99, { state: 'away' }, bearer(ctx.keys.admin))
    t.same(unknown.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'User 99 not found' })
  })

  t.test('another client\'s user answers exactly like a missing one, to reads and writes', async (t) => {
    const read = await get(`/api/v1/users/${A}/status`, bearer(other.keys.admin))
    t.equal(read.statusCode, 200, 'their own user 1')
    t.same(read.json(), { userId: 1, ...NEVER })
    for (const [method, userId] of [['GET', 2], ['PUT', 2], ['GET', 3]] as const) {
      const res = await app.inject({ method, url: `/api/v1/users/${userId}/status`, headers: bearer(other.keys.admin), ...(method === 'PUT' ? { payload: { state: 'busy' } } : {}) })
      t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: `User ${userId} not found` })
    }
    t.equal((await stored(B)).text, 'set by the admin', 'ours is unchanged')
  })

  t.test('bad input is a 400 that changes nothing', async (t) => {
    const before = await stored(A)
    const validation = (field: string, message: string) => ({ field, message })
    const cases: [unknown, number, string, ReturnType<typeof validation>[]?][] = [
      [{ state: 'asleep' }, 400, 'body/state must be equal to one of the allowed values', [validation('body/state', 'must be equal to one of the allowed values')]],
      [{}, 400, 'body must have required property \'state\'', [validation('body/state', 'must have required property \'state\'')]],
      [{ state: 'online', text: '   ' }, 400, 'body/text must contain a visible character, not only spaces or invisible characters', [validation('body/text', 'must contain a visible character, not only spaces or invisible characters')]],
      [{ state: 'online', text: '' }, 400, 'body/text must NOT have fewer than 1 characters', [validation('body/text', 'must NOT have fewer than 1 characters')]],
      [{ state: 'online', text: 'x'.repeat(101) }, 400, 'body/text must NOT have more than 100 characters', [validation('body/text', 'must NOT have more than 100 characters')]],
      [{ state: 'online', text: null }, 400, 'body/text must NOT have fewer than 1 characters', [validation('body/text', 'must NOT have fewer than 1 characters')]],
      [{ state: 'online', since: 'now' }, 400, 'body must NOT have additional properties', [validation('body', 'must NOT have additional properties')]],
      [{ state: 'online', text: 'two\nlines' }, 400, 'text must be one line of text: no control characters (line breaks, tabs, NUL…)'],
      [{ state: 'online', text: 'tab\there' }, 400, 'text must be one line of text: no control characters (line breaks, tabs, NUL…)'],
      [{ state: 'online', text: 'nul\u0000' }, 400, 'text must be one line of text: no control characters (line breaks, tabs, NUL…)'],
      [{ state: 'online', text: 'sep\u2028' }, 400, 'text must be one line of text: no control characters (line breaks, tabs, NUL…)'],
      [{ state: 'online', text: '\u200b\u200b' }, 400, 'body/text must contain a visible character, not only spaces or invisible characters', [validation('body/text', 'must contain a visible character, not only spaces or invisible characters')]],
      [{ state: 'online', text: 'half \ud83d' }, 400, 'text is not valid Unicode text (a lone surrogate)']
    ]
    for (const [payload, statusCode, error, details] of cases) {
      const res = await put(A, payload)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), details ? { statusCode, code: 'VALIDATION_ERROR', error, details } : { statusCode, code: 'BAD_REQUEST', error })
    }
    const ok = await put(A, { state: 'online', text: 'x'.repeat(99) + '🎧' })
    t.equal(ok.statusCode, 200, '100 characters, an emoji counted as one')
    t.not((await stored(A)).updatedAt.getTime(), before.updatedAt.getTime())
    const badId = await app.inject({ method: 'PUT', url: '/api/v1/users/abc/status', headers: ann, payload: { state: 'online' } })
    t.equal(badId.statusCode, 400)
    const forged = await app.mongo.db.collection('users').updateOne({ clientId: ctx.id, userId: C }, { $set: { status: { state: 'asleep', updatedAt: new Date(), eventId: new ObjectId() } } })
      .then(() => 'stored', (error: { code?: number }) => error.code)
    t.equal(forged, 121, 'the database refuses a status the API would not write (migration 013)')
  })
})
