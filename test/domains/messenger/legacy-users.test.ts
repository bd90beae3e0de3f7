import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { A, B, C, identityTenant } from '../../identity/fixtures.js'
import type { UserDocument } from '../../../src/domains/users/repository.js'

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)
const offline = { status: 'offline', status_text: null, status_updated_ts: null, status_expires_ts: null }
const seedUser = (doc: UserDocument) => ({ user_id: doc.userId, name: doc.name, role: doc.role, created_ts: seconds(doc.createdAt) })

t.test('the messenger seed\'s user routes: GET|POST /users, GET /users/<ID>/chatrooms', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'seed-users')
  const other = await createTenant(app, 'seed-users-other')
  await app.usersRepository.create(other.id, { name: 'outsider', role: 'manager' })
  const ann = bearer(ctx.bound.a.key)
  const call = (method: 'GET' | 'POST', url: string, key: { authorization: string } = ann, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...key, ...headers }, ...(payload ? { payload } : {}) })
  const users = () => app.mongo.db.collection<UserDocument>('users').find({ clientId: ctx.id }).sort({ userId: 1 }).toArray()

  t.test('GET /users lists the client\'s users in id order with their status, a page at a time', async (t) => {
    const [ann0, bob, cy] = await users() as [UserDocument, UserDocument, UserDocument]
    const first = await call('GET', '/users?limit=2')
    t.equal(first.statusCode, 200)
    t.same(first.json().data, [{ ...seedUser(ann0), ...offline }, { ...seedUser(bob), ...offline }])
    const rest = await call('GET', `/users?limit=2&cursor=${first.json().next_cursor}`)
    t.equal(rest.body, JSON.stringify({ data: [{ ...seedUser(cy), ...offline }], next_cursor: null }), 'exactly the documented fields, in order')
    for (const role of ['agent', 'manager', 'admin'] as const) {
      const res = await call('GET', '/users', bearer(ctx.keys[role]))
      t.same(res.json().data.map((user: { user_id: number }) => user.user_id), [A, B, C], `the ${role} integration key lists them too`)
    }
    const theirs = await call('GET', '/users', bearer(other.keys.agent))
    t.same(theirs.json().data.map((user: { name: string }) => user.name), ['outsider'], 'another client sees its own users only')
  })

  t.test('GET /users shows the status each user set, and an online status that lapsed as offline', async (t) => {
    const set = new Date(Date.now() - 60_000)
    const lapsed = new Date(Date.now() - 301_000)
    await app.usersRepository.setStatus(ctx.id, A, { state: 'online', text: 'here' }, lapsed)
    await app.usersRepository.setStatus(ctx.id, B, { state: 'busy', text: 'on a call' }, set)
    await app.usersRepository.setStatus(ctx.id, C, { state: 'online' }, set)
    const res = await call('GET', '/users')
    const [ann0, bob, cy] = await users() as [UserDocument, UserDocument, UserDocument]
    t.same(res.json(), {
      data: [
        { ...seedUser(ann0), status: 'offline', status_text: 'here', status_updated_ts: seconds(lapsed), status_expires_ts: null },
        { ...seedUser(bob), status: 'busy', status_text: 'on a call', status_updated_ts: seconds(set), status_expires_ts: null },
        { ...seedUser(cy), status: 'online', status_text: null, status_updated_ts: seconds(set), status_expires_ts: seconds(set) + 300 }
      ],
      next_cursor: null
    }, 'online for 5 minutes (then offline, status_updated_ts saying when the user was last seen); busy until changed')
    for (const userId of [A, B, C]) await app.usersRepository.setStatus(ctx.id, userId, { state: 'offline' })
  })

  t.test('GET /users refuses a bad limit or cursor in the seed\'s envelope', async (t) => {
    for (const [url, error] of [
      ['/users?limit=101', 'querystring.limit: must be <= 100'],
      ['/users?limit=abc', 'querystring.limit: must be integer'],
      ['/users?cursor=x', 'querystring.cursor: is not a cursor this API issued'],
      ['/users?role=agent', 'querystring: must NOT have additional properties']
    ]) {
      const res = await call('GET', url as string)
      t.equal(res.statusCode, 400, url)
      t.same(res.json(), { error })
    }
  })

  t.test('POST /users creates a user (admin role) with the client\'s next id, answered in the seed\'s style', async (t) => {
    const admin = bearer(ctx.keys.admin)
    const res = await call('POST', '/users', admin, { name: '  dave ' })
    t.equal(res.statusCode, 201)
    const dave = (await users())[3] as UserDocument
    t.same([dave.userId, dave.name, dave.role], [4, 'dave', 'agent'])
    t.equal(res.body, JSON.stringify({ data: { ...seedUser(dave), ...offline } }))
    const manager = await call('POST', '/users', admin, { name: 'erin', role: 'manager' })
    t.same(manager.json().data.role, 'manager')
    const twin = await call('GET', '/api/v1/users/4')
    t.same(twin.json(), { id: 4, name: 'dave', role: 'agent', createdAt: dave.createdAt.toISOString(), status: { state: 'offline', text: null, updatedAt: null, expiresAt: null } },
      'the canonical twin reads the same user')
    const seed000 = await call('GET', '/users/4')
    t.equal(seed000.body, '{"user_id":4,"name":"dave"}', 'GET /users/<ID> keeps the seed-000 contract')
  })

  t.test('POST /users refusals store nothing', async (t) => {
    const before = await users()
    const cases: [{ authorization: string }, object, number, string][] = [
      [ann, { name: 'x' }, 403, 'This route needs the admin role; this key has agent'],
      [bearer(ctx.bound.aManager.key), { name: 'x' }, 403, 'This route needs the admin role; this key has manager'],
      [bearer(ctx.keys.manager), { name: 'x' }, 403, 'This route needs the admin role; this key has manager'],
      [bearer(ctx.keys.admin), { name: '   ' }, 400, 'name: must contain a visible character, not only spaces or invisible characters'],
      [bearer(ctx.keys.admin), { name: 'x'.repeat(101) }, 400, 'name: must NOT have more than 100 characters'],
      [bearer(ctx.keys.admin), { name: 'x', role: 'owner' }, 400, 'role: must be equal to constant'],
      [bearer(ctx.keys.admin), { name: 'x', user_id: 9 }, 400, 'body: must NOT have additional properties'],
      [bearer(ctx.keys.admin), {}, 400, 'body: must have required property \'name\'']
    ]
    for (const [key, payload, statusCode, error] of cases) {
      const res = await call('POST', '/users', key, payload)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), { error })
    }
    t.same(await users(), before)
  })

  t.test('POST /users with an Idempotency-Key creates the user once', async (t) => {
    const headers = { 'idempotency-key': 'seed-user-1' }
    const first = await call('POST', '/users', bearer(ctx.keys.admin), { name: 'fay' }, headers)
    const retry = await call('POST', '/users', bearer(ctx.keys.admin), { name: 'fay' }, headers)
    t.equal(retry.body, first.body)
    t.equal((await users()).filter((user) => user.name === 'fay').length, 1)
  })

  t.test('GET /users/<ID>/chatrooms lists a user\'s own rooms; another user\'s are refused', async (t) => {
    const third = await app.chatroomsRepository.create(ctx.id, { name: 'third', createdBy: A, memberIds: [A] })
    const room = async (chatroomId: number) => {
      const doc = await app.chatroomsRepository.findById(ctx.id, chatroomId)
      return doc && { chatroom_id: doc.chatroomId, name: doc.name, created_by_user_id: doc.createdBy, member_count: doc.memberIds.length, created_ts: seconds(doc.createdAt) }
    }
    const first = await call('GET', `/users/${A}/chatrooms?limit=1`)
    t.equal(first.statusCode, 200)
    t.same(first.json().data, [await room(ctx.rooms.ours)])
    const rest = await call('GET', `/users/${A}/chatrooms?limit=1&cursor=${first.json().next_cursor}`)
    t.same(rest.json(), { data: [await room(third.chatroomId)], next_cursor: null })
    const asAdmin = await call('GET', `/users/${C}/chatrooms`, bearer(ctx.keys.admin))
    t.same(asAdmin.json(), { data: [await room(ctx.rooms.bobs)], next_cursor: null }, 'an admin integration key reads any user\'s rooms')

    const integration = (role: string) => 'The messenger is private to its users: acting as the user in user_id needs an API key bound to that user, ' +
      `or an admin integration key (this ${role} key is bound to no user)`
    const cases: [string, { authorization: string }, number, string][] = [
      [`/users/${B}/chatrooms`, ann, 403, 'user_id names user 2, but this API key speaks for user 1 only; omit user_id or name user 1'],
      [`/users/${A}/chatrooms`, bearer(ctx.keys.agent), 403, integration('agent')],
      [`/users/${A}/chatrooms`, bearer(ctx.keys.manager), 403, integration('manager')],
      ['/users/99/chatrooms', bearer(ctx.keys.admin), 404, 'user 99 not found'],
      ['/users/x/chatrooms', ann, 400, 'params.user_id: must be integer'],
      [`/users/${A}/chatrooms?limit=0`, ann, 400, 'querystring.limit: must be >= 1'],
      [`/users/${A}/chatrooms?cursor=${Buffer.from('{"chatroomId":{"$gt":1}}').toString('base64url')}`, ann, 400, 'querystring.cursor: is not a cursor this API issued']
    ]
    for (const [url, key, statusCode, error] of cases) {
      const res = await call('GET', url, key)
      t.equal(res.statusCode, statusCode, url)
      t.same(res.json(), { error })
    }
    const theirs = await call('GET', '/users/5/chatrooms', bearer(other.keys.admin))
    t.same(theirs.json(), { error: 'user 5 not found' }, 'our user 5 is invisible to another client')
  })

  t.test('the new /users routes leave /users/performance and /users/<ID> as they were', async (t) => {
    const performance = await call('GET', '/users/performance', bearer(ctx.keys.manager))
    t.equal(performance.statusCode, 200)
    t.same(Object.keys(performance.json()), ['data'])
    t.same(performance.json().data.map((row: { user_id: number }) => row.user_id), [1, 2, 3, 4, 5, 6])
    const one = await call('GET', '/users/2')
    t.equal(one.body, '{"user_id":2,"name":"bob"}', 'no status in seed 000\'s body')
    const missing = await call('GET', '/users/99')
    t.same(missing.json(), { error: 'User not found' })
  })
})
