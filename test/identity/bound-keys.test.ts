import t from 'tap'
import { buildTestApp, bearer, createTenant, PLATFORM_KEY } from '../helper.js'
import { A, B, C, identityTenant } from './fixtures.js'

t.test('creating, listing and revoking keys bound to a user', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'keys')
  const other = await createTenant(app, 'keys-other')
  for (const name of ['o1', 'o2', 'o3', 'o4', 'o5']) await app.usersRepository.create(other.id, { name, role: 'agent' })
  const url = `/api/v1/clients/${ctx.hexId}/api-keys`
  const create = (key: string, payload: object) => app.inject({ method: 'POST', url, headers: bearer(key), payload })
  const keyCount = () => app.mongo.db.collection('apiKeys').countDocuments({ clientId: ctx.id })

  t.test('the platform key and the client\'s admin key bind a key to a user; it then acts as that user', async (t) => {
    const byPlatform = await create(PLATFORM_KEY, { name: 'cy\'s phone', role: 'agent', userId: C })
    t.equal(byPlatform.statusCode, 201)
    t.match(byPlatform.json(), { name: 'cy\'s phone', role: 'agent', userId: C, revokedAt: null })
    const byAdmin = await create(ctx.keys.admin, { name: 'cy\'s laptop', role: 'agent', userId: C })
    t.equal(byAdmin.statusCode, 201)
    t.equal(byAdmin.json().userId, C)
    const stored = await app.mongo.db.collection('apiKeys').findOne({ prefix: byAdmin.json().prefix, clientId: ctx.id })
    t.equal(stored?.userId, C)

    const sent = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: bearer(byPlatform.json().key), payload: { recipientId: A, text: 'from cy' } })
    t.equal(sent.statusCode, 201)
    t.equal(sent.json().senderId, C, 'the key sends as its user')
    const inbox = await app.inject({ method: 'GET', url: `/api/v1/users/${A}/direct-messages`, headers: bearer(byAdmin.json().key) })
    t.equal(inbox.statusCode, 403, 'and reads nobody else\'s messages')
  })

  t.test('an integration key is created as before, and listed with userId null', async (t) => {
    const res = await create(ctx.keys.admin, { name: 'crm', role: 'manager' })
    t.equal(res.statusCode, 201)
    t.equal(res.json().userId, null)
  })

  t.test('a user the client does not have is a 422 naming it, and no key is stored', async (t) => {
    const before = await keyCount()
    const unknown = await create(ctx.keys.admin, { name: 'ghost', role: 'agent', userId: 99 })
    t.equal(unknown.statusCode, 422)
    t.same(unknown.json(), { statusCode: 422, code: 'UNPROCESSABLE_ENTITY', error: `userId: client ${ctx.hexId} has no user 99 to bind the key to` })
    const theirs = await create(PLATFORM_KEY, { name: 'theirs', role: 'agent', userId: 5 })
    t.equal(theirs.statusCode, 422, 'another client\'s user is not this client\'s')
    for (const userId of [0, -1, 2147483648, 'one', 1.5, null, { id: 1 }]) {
      t.equal((await create(ctx.keys.admin, { name: 'bad', role: 'agent', userId })).statusCode, 400, `userId ${JSON.stringify(userId)}`)
    }
    t.equal(await keyCount(), before)
  })

  t.test('a manager or agent key, even bound, cannot create keys', async (t) => {
    const before = await keyCount()
    for (const key of [ctx.keys.manager, ctx.bound.aManager.key, ctx.bound.a.key]) {
      t.equal((await create(key, { name: 'mine', role: 'admin', userId: A })).statusCode, 403)
    }
    t.equal(await keyCount(), before)
  })

  t.test('a user holds several keys; the list filters by user', async (t) => {
    const all = await app.inject({ method: 'GET', url, headers: bearer(ctx.keys.admin) })
    t.equal(all.statusCode, 200)
    const users = all.json().data.map((key: { userId: number | null }) => key.userId)
    t.same(users.filter((userId: number | null) => userId === null).length, 4, 'three integration keys from the fixture and one made above')
    const cys = await app.inject({ method: 'GET', url: `${url}?userId=${C}`, headers: bearer(PLATFORM_KEY) })
    t.same(cys.json().data.map((key: { name: string, userId: number }) => [key.name, key.userId]), [['cy\'s phone', C], ['cy\'s laptop', C]])
    const anns = await app.inject({ method: 'GET', url: `${url}?userId=${A}`, headers: bearer(ctx.keys.admin) })
    t.same(anns.json().data.map((key: { role: string }) => key.role), ['agent', 'manager'])
    const nobody = await app.inject({ method: 'GET', url: `${url}?userId=77`, headers: bearer(ctx.keys.admin) })
    t.same(nobody.json(), { data: [] })
    t.equal((await app.inject({ method: 'GET', url: `${url}?userId=x`, headers: bearer(ctx.keys.admin) })).statusCode, 400)
    const theirs = await app.inject({ method: 'GET', url: `/api/v1/clients/${other.hexId}/api-keys?userId=1`, headers: bearer(ctx.keys.admin) })
    t.equal(theirs.statusCode, 404, 'another client\'s keys stay invisible')
  })

  t.test('a revoked bound key stops working at once', async (t) => {
    const created = await create(ctx.keys.admin, { name: 'short-lived', role: 'agent', userId: B })
    const key = created.json().key
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/users/${B}/chatrooms`, headers: bearer(key) })).statusCode, 200)
    const revoked = await app.inject({ method: 'DELETE', url: `${url}/${created.json().id}`, headers: bearer(ctx.keys.admin) })
    t.equal(revoked.json().userId, B)
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/users/${B}/chatrooms`, headers: bearer(key) })).statusCode, 401)
  })
})

t.test('in the messenger an omitted user means the bound key\'s own; an admin integration key must name one', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'omitted')
  const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) => app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) })

  const dm = await as(ctx.bound.a.key, 'POST', '/api/v1/direct-messages', { recipientId: B, text: 'hi bob' })
  t.match(dm.json(), { senderId: A, recipientId: B, text: 'hi bob' })
  const room = await as(ctx.bound.a.key, 'POST', '/api/v1/chatrooms', { name: 'ann\'s', memberIds: [C] })
  t.match(room.json(), { createdBy: A, memberCount: 2 })
  const post = await as(ctx.bound.a.key, 'POST', `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, { senderId: A, text: 'naming myself is fine' })
  t.match(post.json(), { senderId: A })
  const toSelf = await as(ctx.bound.a.key, 'POST', '/api/v1/direct-messages', { recipientId: A, text: 'note' })
  t.same(toSelf.json(), { statusCode: 400, code: 'BAD_REQUEST', error: 'senderId and recipientId must be different users' })

  const asBob = await as(ctx.bound.a.key, 'POST', '/api/v1/direct-messages', { senderId: B, recipientId: C, text: 'forged' })
  t.same(asBob.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'senderId names user 2, but this API key speaks for user 1 only; omit senderId or name user 1' })
  const intoBobs = await as(ctx.bound.a.key, 'GET', `/api/v1/chatrooms/${ctx.rooms.bobs}/messages`)
  t.same(intoBobs.json(), { statusCode: 403, code: 'FORBIDDEN', error: `User 1 is not a member of chatroom ${ctx.rooms.bobs}` })
  const unknownRoom = await as(ctx.bound.a.key, 'GET', '/api/v1/chatrooms/999')
  t.equal(unknownRoom.statusCode, 404)

  const cases: [string, 'GET' | 'POST', string, object | undefined][] = [
    ['senderId', 'POST', '/api/v1/direct-messages', { recipientId: B, text: 'x' }],
    ['createdBy', 'POST', '/api/v1/chatrooms', { name: 'x' }],
    ['invitedBy', 'POST', `/api/v1/chatrooms/${ctx.rooms.ours}/members`, { userIds: [C] }],
    ['senderId', 'POST', `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, { text: 'x' }],
    ['userId', 'GET', `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, undefined],
    ['userId', 'GET', `/api/v1/chatrooms/${ctx.rooms.ours}/events`, undefined]
  ]
  for (const [field, method, url, payload] of cases) {
    const res = await as(ctx.keys.admin, method, url, payload)
    t.same(res.json(), { statusCode: 400, code: 'BAD_REQUEST', error: `${field} is required with an integration key: it names the user who acts` }, `${method} ${url}`)
    const agent = await as(ctx.keys.agent, method, url, payload)
    t.same(agent.json(), {
      statusCode: 403,
      code: 'FORBIDDEN',
      error: `The messenger is private to its users: acting as the user in ${field} needs an API key bound to that user, or an admin integration key (this agent key is bound to no user)`
    }, `${method} ${url} with an agent integration key`)
  }
  const list = await as(ctx.keys.manager, 'GET', '/api/v1/chatrooms')
  t.same(list.json().error, 'The messenger is private to its users: reading chatrooms needs an API key bound to that user, or an admin integration key (this manager key is bound to no user)')
  const everyRoom = await as(ctx.keys.admin, 'GET', '/api/v1/chatrooms')
  t.same(everyRoom.json().data.map((room: { id: number }) => room.id), [ctx.rooms.ours, ctx.rooms.bobs, room.json().id], 'an admin integration key reads every room')
})

t.test('in chats a bound key writes, assigns and closes as its user', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'chats')
  const as = (key: string, url: string, payload?: object) => app.inject({ method: 'POST', url, headers: bearer(key), ...(payload ? { payload } : {}) })
  const chat = async (chatId: number) => (await app.chatsRepository.findById(ctx.id, chatId))

  t.test('an omitted user_id is the key\'s own user, never the customer', async (t) => {
    const mine = await ctx.openChat(A)
    const res = await as(ctx.bound.a.key, `/chats/${mine}/messages`, { text: 'How can I help?' })
    t.equal(res.statusCode, 201)
    t.equal(res.json().user_id, A)
    const queued = await ctx.queuedChat()
    const early = await as(ctx.bound.a.key, `/chats/${queued}/messages`, { text: 'pretending to be the customer' })
    t.same(early.json(), { error: `Chat ${queued} is queued: no agent is handling it yet, so only the customer can write` })
    const bobs = await ctx.openChat(B)
    const notMine = await as(ctx.bound.a.key, `/api/v1/chats/${bobs}/messages`, { text: 'hi' })
    t.same(notMine.json(), { statusCode: 409, code: 'CONFLICT', error: `User 1 is not the agent of chat ${bobs} (user 2 is)` })
    const customer = await as(ctx.keys.agent, `/chats/${bobs}/messages`, { text: 'the widget writes for the customer' })
    t.equal(customer.json().user_id, null, 'an integration key still writes the customer\'s messages (seed 000)')
    t.equal(await app.mongo.db.collection('messages').countDocuments({ clientId: ctx.id }), 2)
  })

  t.test('an agent-role bound key takes queued chats for itself and closes only its own', async (t) => {
    const queued = await ctx.queuedChat()
    const taken = await as(ctx.bound.a.key, `/api/v1/chats/${queued}/assign`, {})
    t.match(taken.json(), { state: 'open', userId: A })
    const forBob = await ctx.queuedChat()
    const assignBob = await as(ctx.bound.a.key, `/api/v1/chats/${forBob}/assign`, { userId: B })
    t.same(assignBob.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'userId names user 2, but this API key speaks for user 1 only; omit userId or name user 1' })
    t.equal((await chat(forBob))?.state, 'queued')
    const bobs = await ctx.openChat(B)
    const takeOver = await as(ctx.bound.a.key, `/api/v1/chats/${bobs}/assign`, {})
    t.same(takeOver.json(), { statusCode: 403, code: 'FORBIDDEN', error: `Chat ${bobs} is user 2's: an agent key takes queued chats only; reassigning needs a manager key` })
    const closeBobs = await as(ctx.bound.a.key, `/api/v1/chats/${bobs}/close`)
    t.same(closeBobs.json(), { statusCode: 403, code: 'FORBIDDEN', error: `Chat ${bobs} is user 2's: an agent key closes its own user's chats only` })
    t.match(await chat(bobs), { state: 'open', userId: B })
    t.equal((await as(ctx.bound.a.key, `/api/v1/chats/${queued}/close`)).statusCode, 200)
    const again = await as(ctx.bound.a.key, `/api/v1/chats/${queued}/close`)
    t.same(again.json(), { statusCode: 409, code: 'CONFLICT', error: `Chat ${queued} is already closed` })
    const queuedClose = await as(ctx.bound.a.key, `/api/v1/chats/${forBob}/close`)
    t.equal(queuedClose.statusCode, 409, 'a queued chat is no one\'s yet: 409 as before')
  })

  t.test('a manager-role bound key assigns anyone and closes any chat', async (t) => {
    const queued = await ctx.queuedChat()
    const toBob = await as(ctx.bound.aManager.key, `/api/v1/chats/${queued}/assign`, { userId: B })
    t.match(toBob.json(), { state: 'open', userId: B })
    const toSelf = await as(ctx.bound.aManager.key, `/api/v1/chats/${queued}/assign`, {})
    t.match(toSelf.json(), { state: 'open', userId: A }, 'omitted: the key\'s own user')
    t.equal((await as(ctx.bound.aManager.key, `/api/v1/chats/${await ctx.openChat(C)}/close`)).statusCode, 200)
    const written = await as(ctx.bound.aManager.key, `/api/v1/chats/${await ctx.openChat(C)}/messages`, { text: 'x', userId: C })
    t.equal(written.statusCode, 403, 'but writes only as its own user')
  })

  t.test('an integration key must name the agent to assign', async (t) => {
    const queued = await ctx.queuedChat()
    const res = await as(ctx.keys.manager, `/api/v1/chats/${queued}/assign`, {})
    t.same(res.json(), { statusCode: 400, code: 'BAD_REQUEST', error: 'userId is required with an integration key: it names the agent to assign' })
    t.equal((await chat(queued))?.state, 'queued')
  })
})

t.test('Idempotency-Key records are kept per API key: two users of one client never replay each other\'s answers', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'idem')
  const post = (key: string) => app.inject({
    method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, headers: { ...bearer(key), 'idempotency-key': 'morning-hello' }, payload: { text: 'good morning' }
  })
  const ann = await post(ctx.bound.a.key)
  const bob = await post(ctx.bound.b.key)
  t.equal(ann.statusCode, 201)
  t.equal(bob.statusCode, 201)
  t.equal(bob.headers['idempotent-replayed'], undefined, 'bob\'s request is his own, not a replay of ann\'s')
  t.equal(ann.json().senderId, A)
  t.equal(bob.json().senderId, B)
  const annAgain = await post(ctx.bound.a.key)
  t.equal(annAgain.headers['idempotent-replayed'], 'true')
  t.same(annAgain.json(), ann.json())
  t.equal(await app.mongo.db.collection('chatroomMessages').countDocuments({ clientId: ctx.id, text: 'good morning' }), 2)
  const records = await app.mongo.db.collection('idempotencyKeys').find({ key: 'morning-hello' }).toArray()
  t.same(records.map((record) => record.keyId.toHexString()).sort(), [ctx.bound.a.id.toHexString(), ctx.bound.b.id.toHexString()].sort())
})
