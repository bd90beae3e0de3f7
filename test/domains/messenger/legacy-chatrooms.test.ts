import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { A, B, C, identityTenant } from '../../identity/fixtures.js'

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

t.test('the messenger seed\'s chatroom routes: GET|POST /chatrooms, GET /chatrooms/<ID>, POST /chatrooms/invite', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'seed-rooms')
  const other = await createTenant(app, 'seed-rooms-other')
  await app.usersRepository.create(other.id, { name: 'outsider', role: 'agent' })
  const theirRoom = await app.chatroomsRepository.create(other.id, { name: 'theirs', createdBy: 1, memberIds: [1] })
  const ann = bearer(ctx.bound.a.key)
  const call = (method: 'GET' | 'POST', url: string, key: { authorization: string } = ann, payload?: object) =>
    app.inject({ method, url, headers: key, ...(payload ? { payload } : {}) })
  const rooms = () => app.mongo.db.collection('chatrooms').find({ clientId: ctx.id }).sort({ chatroomId: 1 }).toArray()
  const stored = async (chatroomId: number) => {
    const room = await app.chatroomsRepository.findById(ctx.id, chatroomId)
    if (!room) throw new Error(`room ${chatroomId} is not stored`)
    return room
  }
  const summary = async (chatroomId: number) => {
    const room = await stored(chatroomId)
    return { chatroom_id: room.chatroomId, name: room.name, created_by_user_id: room.createdBy, member_count: room.memberIds.length, created_ts: seconds(room.createdAt) }
  }

  t.test('POST /chatrooms creates a room as the key\'s user, with the listed members, and answers it in the seed\'s style', async (t) => {
    const res = await call('POST', '/chatrooms', ann, { name: 'my chatroom', member_user_ids: [C, B] })
    t.equal(res.statusCode, 201)
    const room = await stored(3)
    t.same(room.memberIds, [A, C, B], 'stored on the canonical chatrooms collection')
    t.equal(res.body, JSON.stringify({
      data: { chatroom_id: 3, name: 'my chatroom', created_by_user_id: A, member_count: 3, created_ts: seconds(room.createdAt), member_user_ids: [A, B, C] }
    }))
    const twin = await call('GET', '/api/v1/chatrooms/3')
    t.same(twin.json(), { id: 3, name: 'my chatroom', createdBy: A, memberCount: 3, createdAt: room.createdAt.toISOString() }, 'the canonical twin reads the same room')
  })

  t.test('POST /chatrooms: an admin integration key names the creator; the creator listed again is a member once', async (t) => {
    const res = await call('POST', '/chatrooms', bearer(ctx.keys.admin), { name: 'cy\'s', created_by_user_id: C, member_user_ids: [C] })
    t.equal(res.statusCode, 201)
    t.same(res.json().data.member_user_ids, [C])
    t.equal(res.json().data.created_by_user_id, C)
  })

  t.test('POST /chatrooms refusals store nothing: identity 403s, unknown users 404, bad input 400 in the seed\'s envelope', async (t) => {
    const before = await rooms()
    const cases: [{ authorization: string }, object, number, string][] = [
      [ann, { name: 'as bob', created_by_user_id: B }, 403, `created_by_user_id names user 2, but this API key speaks for user 1 only; omit created_by_user_id or name user 1`],
      [bearer(ctx.keys.agent), { name: 'x', created_by_user_id: A }, 403,
        'The messenger is private to its users: acting as the user in created_by_user_id needs an API key bound to that user, or an admin integration key (this agent key is bound to no user)'],
      [bearer(ctx.keys.admin), { name: 'x' }, 400, 'created_by_user_id is required with an integration key: it names the user who acts'],
      [bearer(ctx.keys.admin), { name: 'x', created_by_user_id: 9 }, 404, 'created_by_user_id: user 9 not found'],
      [ann, { name: 'x', member_user_ids: [B, 9] }, 404, 'member_user_ids[1]: user 9 not found'],
      [ann, { name: '   ' }, 400, 'name: must contain a visible character, not only spaces or invisible characters'],
      [ann, { name: 'x'.repeat(101) }, 400, 'name: must NOT have more than 100 characters'],
      [ann, { name: 'x', member_user_ids: [B, B] }, 400, 'member_user_ids: must NOT have duplicate items (items ## 1 and 0 are identical)'],
      [ann, { name: 'x', member_user_ids: [] }, 400, 'member_user_ids: must NOT have fewer than 1 items'],
      [ann, { name: 'x', member_user_ids: [0] }, 400, 'member_user_ids[0]: must be >= 1'],
      [ann, { name: 'x', memberIds: [B] }, 400, 'body: must NOT have additional properties'],
      [ann, {}, 400, 'body: must have required property \'name\'']
    ]
    for (const [key, payload, statusCode, error] of cases) {
      const res = await call('POST', '/chatrooms', key, payload)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), { error })
    }
    t.same(await rooms(), before)
  })

  t.test('POST /chatrooms with an Idempotency-Key creates one room however often it is retried', async (t) => {
    const headers = { ...ann, 'idempotency-key': 'seed-room-1' }
    const first = await app.inject({ method: 'POST', url: '/chatrooms', headers, payload: { name: 'once' } })
    const retry = await app.inject({ method: 'POST', url: '/chatrooms', headers, payload: { name: 'once' } })
    t.equal(first.statusCode, 201)
    t.equal(retry.body, first.body)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal((await rooms()).filter((room) => room.name === 'once').length, 1)
    const changed = await app.inject({ method: 'POST', url: '/chatrooms', headers, payload: { name: 'twice' } })
    t.equal(changed.statusCode, 422)
    t.same(changed.json(), { error: 'This Idempotency-Key was already used with a different request' })
  })

  t.test('GET /chatrooms lists a bound key\'s own rooms, every room for an admin integration key, in id order with next_cursor', async (t) => {
    const own = await call('GET', '/chatrooms?limit=2')
    t.equal(own.statusCode, 200)
    const annsRooms = (await rooms()).filter((room) => room.memberIds.includes(A)).map((room) => room.chatroomId)
    t.same(annsRooms, [ctx.rooms.ours, 3, 5])
    t.same(own.json().data, [await summary(ctx.rooms.ours), await summary(3)])
    t.type(own.json().next_cursor, 'string')
    const rest = await call('GET', `/chatrooms?limit=2&cursor=${own.json().next_cursor}`)
    t.same(rest.json(), { data: [await summary(5)], next_cursor: null })
    t.notOk([...own.json().data, ...rest.json().data].some((room: { chatroom_id: number }) => room.chatroom_id === ctx.rooms.bobs), 'never bob\'s room')

    const all = await call('GET', '/chatrooms?limit=100', bearer(ctx.keys.admin))
    t.same(all.json().data.map((room: { chatroom_id: number }) => room.chatroom_id), [1, 2, 3, 4, 5], 'the admin integration key sees every room of its client only')
    t.equal(all.json().next_cursor, null)
  })

  t.test('GET /chatrooms refuses agent and manager integration keys, a bad limit and a cursor it did not issue', async (t) => {
    for (const role of ['agent', 'manager'] as const) {
      const res = await call('GET', '/chatrooms', bearer(ctx.keys[role]))
      t.equal(res.statusCode, 403)
      t.same(res.json(), { error: `The messenger is private to its users: reading chatrooms needs an API key bound to that user, or an admin integration key (this ${role} key is bound to no user)` })
    }
    const cases: [string, string][] = [
      ['/chatrooms?limit=0', 'querystring.limit: must be >= 1'],
      ['/chatrooms?limit=101', 'querystring.limit: must be <= 100'],
      ['/chatrooms?cursor=nonsense', 'querystring.cursor: is not a cursor this API issued'],
      [`/chatrooms?cursor=${Buffer.from('{"chatroomId":"2"}').toString('base64url')}`, 'querystring.cursor: is not a cursor this API issued'],
      ['/chatrooms?order=desc', 'querystring: must NOT have additional properties']
    ]
    for (const [url, error] of cases) {
      const res = await call('GET', url)
      t.equal(res.statusCode, 400, url)
      t.same(res.json(), { error })
    }
  })

  t.test('GET /chatrooms/<ID> answers a member the room with its members; others are refused', async (t) => {
    const res = await call('GET', `/chatrooms/${ctx.rooms.ours}`)
    t.equal(res.statusCode, 200)
    t.same(res.json(), { data: { ...await summary(ctx.rooms.ours), member_user_ids: [A, B] } })
    const asAdmin = await call('GET', `/chatrooms/${ctx.rooms.bobs}`, bearer(ctx.keys.admin))
    t.same(asAdmin.json(), { data: { ...await summary(ctx.rooms.bobs), member_user_ids: [B, C] } })

    const cases: [{ authorization: string }, string, number, string][] = [
      [ann, `/chatrooms/${ctx.rooms.bobs}`, 403, 'user 1 is not a member of chatroom 2'],
      [ann, '/chatrooms/99', 404, 'chatroom 99 not found'],
      [bearer(ctx.keys.manager), `/chatrooms/${ctx.rooms.ours}`, 403,
        'The messenger is private to its users: reading chatrooms needs an API key bound to that user, or an admin integration key (this manager key is bound to no user)'],
      [ann, '/chatrooms/abc', 400, 'params.chatroom_id: must be integer'],
      [ann, '/chatrooms/0', 400, 'params.chatroom_id: must be >= 1']
    ]
    for (const [key, url, statusCode, error] of cases) {
      const res = await call('GET', url, key)
      t.equal(res.statusCode, statusCode, url)
      t.same(res.json(), { error })
    }
  })

  t.test('our rooms are invisible to another client: 404, exactly like a missing room, and nothing changes', async (t) => {
    const ours = await app.inject({ method: 'GET', url: '/chatrooms/5', headers: bearer(other.keys.admin) })
    const missing = await app.inject({ method: 'GET', url: '/chatrooms/6', headers: bearer(other.keys.admin) })
    t.equal(ours.statusCode, 404)
    t.same(ours.json(), { error: 'chatroom 5 not found' })
    t.equal(missing.body, ours.body.replace('5', '6'))
    const invite = await app.inject({ method: 'POST', url: '/chatrooms/invite', headers: bearer(other.keys.admin), payload: { chatroom_id: 5, user_ids: [1], invited_by_user_id: 1 } })
    t.equal(invite.statusCode, 404)
    t.same(invite.json(), { error: 'chatroom 5 not found' })
    t.same((await stored(5)).memberIds, [A], 'our room 5 is unchanged')
    const theirs = await app.inject({ method: 'GET', url: '/chatrooms?limit=100', headers: bearer(other.keys.admin) })
    t.same(theirs.json().data.map((room: { name: string }) => room.name), [theirRoom.name], 'their list holds their room only')
  })

  t.test('POST /chatrooms/invite: a member adds users; repeating it changes nothing', async (t) => {
    const room = await ctx.newRoom()
    const res = await call('POST', '/chatrooms/invite', ann, { chatroom_id: room, user_ids: [C] })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { data: { ...await summary(room), member_user_ids: [A, B, C] } })
    const again = await call('POST', '/chatrooms/invite', ann, { chatroom_id: room, user_ids: [C, B] })
    t.equal(again.statusCode, 200)
    t.equal(again.body, res.body)
    t.same((await stored(room)).memberIds, [A, B, C])
    const named = await call('POST', '/chatrooms/invite', bearer(ctx.keys.admin), { chatroom_id: room, user_ids: [C], invited_by_user_id: B })
    t.equal(named.statusCode, 200, 'an admin integration key invites as the member it names')
  })

  t.test('POST /chatrooms/invite refusals add nobody', async (t) => {
    const room = await ctx.newRoom()
    const before = await rooms()
    const cases: [{ authorization: string }, object, number, string][] = [
      [ann, { chatroom_id: room, user_ids: [C], invited_by_user_id: B }, 403,
        'invited_by_user_id names user 2, but this API key speaks for user 1 only; omit invited_by_user_id or name user 1'],
      [ann, { chatroom_id: ctx.rooms.bobs, user_ids: [A] }, 403, 'user 1 is not a member of chatroom 2'],
      [bearer(ctx.keys.agent), { chatroom_id: room, user_ids: [C], invited_by_user_id: A }, 403,
        'The messenger is private to its users: acting as the user in invited_by_user_id needs an API key bound to that user, or an admin integration key (this agent key is bound to no user)'],
      [bearer(ctx.keys.manager), { chatroom_id: room, user_ids: [C], invited_by_user_id: A }, 403,
        'The messenger is private to its users: acting as the user in invited_by_user_id needs an API key bound to that user, or an admin integration key (this manager key is bound to no user)'],
      [bearer(ctx.keys.admin), { chatroom_id: room, user_ids: [C] }, 400, 'invited_by_user_id is required with an integration key: it names the user who acts'],
      [bearer(ctx.keys.admin), { chatroom_id: room, user_ids: [C], invited_by_user_id: 9 }, 404, 'user 9 not found'],
      [ann, { chatroom_id: 99, user_ids: [C] }, 404, 'chatroom 99 not found'],
      [ann, { chatroom_id: room, user_ids: [C, 9] }, 404, 'user_ids[1]: user 9 not found'],
      [ann, { chatroom_id: room, user_ids: [] }, 400, 'user_ids: must NOT have fewer than 1 items'],
      [ann, { chatroom_id: room, user_ids: Array.from({ length: 101 }, (_, i) => i + 1) }, 400, 'user_ids: must NOT have more than 100 items'],
      [ann, { chatroom_id: room, user_ids: ['three'] }, 400, 'user_ids[0]: must be integer'],
      [ann, { chatroom_id: 'one', user_ids: [C] }, 400, 'chatroom_id: must be integer'],
      [ann, { user_ids: [C] }, 400, 'body: must have required property \'chatroom_id\''],
      [ann, { chatroom_id: room, userIds: [C] }, 400, 'body: must have required property \'user_ids\'']
    ]
    for (const [key, payload, statusCode, error] of cases) {
      const res = await call('POST', '/chatrooms/invite', key, payload)
      t.equal(res.statusCode, statusCode, error)
      t.same(res.json(), { error })
    }
    t.same(await rooms(), before)
  })

  t.test('a full room takes nobody more, even when two invitations race for its last place', async (t) => {
    const nearlyFull = [A, ...Array.from({ length: 998 }, (_, i) => 1000 + i)]
    const room = await app.chatroomsRepository.create(ctx.id, { name: 'nearly full', createdBy: A, memberIds: nearlyFull })
    for (let userId = 4; userId <= 5; userId++) await app.usersRepository.create(ctx.id, { name: `user ${userId}`, role: 'agent' })
    const invite = (userId: number) => call('POST', '/chatrooms/invite', ann, { chatroom_id: room.chatroomId, user_ids: [userId] })
    const answers = await Promise.all([invite(4), invite(5)])
    t.same(answers.map((res) => res.statusCode).sort(), [200, 409], 'each fits alone; together they would not: one is refused')
    const refused = answers.find((res) => res.statusCode === 409)
    t.same(refused?.json(), { error: `chatroom ${room.chatroomId} would have more than 1000 members` })
    const members = (await stored(room.chatroomId)).memberIds
    t.equal(members.length, 1000)
    t.equal(members.filter((userId) => userId === 4 || userId === 5).length, 1, 'only the accepted invitation\'s user is in')
    t.equal(await app.chatroomsRepository.addMembers(ctx.id, room.chatroomId, [6], 999), null, 'the conditional write refuses a room past its size')
    t.equal((await stored(room.chatroomId)).memberIds.length, 1000)
  })
})
