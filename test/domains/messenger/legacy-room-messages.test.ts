import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { A, B, C, identityTenant } from '../../identity/fixtures.js'

const TS = 1637029963

t.test('the seed\'s example data answers GET /chatrooms/1/messages[/<sender>] in the seed\'s style', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const carol = bearer('sb_demo_guild_carol')
  const all = await app.inject({ method: 'GET', url: '/chatrooms/1/messages', headers: carol })
  t.equal(all.statusCode, 200)
  const at = 1610283670 // 2021-01-10 13:01:10, the example setup's send time
  t.equal(all.body, JSON.stringify({
    data: [
      { message_id: 1, chatroom_id: 1, sender_user_id: 1, message_str: 'hello', message_sent_ts: at },
      { message_id: 2, chatroom_id: 1, sender_user_id: 2, message_str: 'hi. how are you?', message_sent_ts: at },
      { message_id: 3, chatroom_id: 1, sender_user_id: 1, message_str: 'im well', message_sent_ts: at },
      { message_id: 4, chatroom_id: 1, sender_user_id: 1, message_str: 'how r u?', message_sent_ts: at },
      { message_id: 5, chatroom_id: 1, sender_user_id: 2, message_str: 'great!', message_sent_ts: at }
    ],
    next_cursor: null
  }))
  const betty = await app.inject({ method: 'GET', url: '/chatrooms/1/messages/2', headers: carol })
  t.equal(betty.body, JSON.stringify({
    data: [
      { message_id: 2, chatroom_id: 1, sender_user_id: 2, message_str: 'hi. how are you?', message_sent_ts: at },
      { message_id: 5, chatroom_id: 1, sender_user_id: 2, message_str: 'great!', message_sent_ts: at }
    ],
    next_cursor: null
  }))
  const agent = await app.inject({ method: 'GET', url: '/chatrooms/1/messages', headers: bearer('sb_demo_guild_agent') })
  t.equal(agent.statusCode, 403)
})

t.test('GET /chatrooms/<id>/messages and /messages/<sender_user_id>', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'seed-messages')
  const other = await createTenant(app, 'seed-messages-other')
  for (const name of ['o1', 'o2']) await app.usersRepository.create(other.id, { name, role: 'agent' })
  const theirRoom = await app.chatroomsRepository.create(other.id, { name: 'theirs', createdBy: 1, memberIds: [1, 2] })
  const ann = bearer(ctx.bound.a.key)
  const get = (url: string, key: { authorization: string } = ann) => app.inject({ method: 'GET', url, headers: key })
  const post = (chatroomId: number, items: [number, string][], key: string) => app.inject({
    method: 'POST',
    url: `/chatrooms/${chatroomId}/messages`,
    headers: bearer(key),
    payload: { data: items.map(([sender, text], index) => ({ message_str: text, message_sent_ts: TS + index, sender_user_id: sender })) }
  })
  // Room "ours" (A, B): five messages, 1 to 5; bob's room (B, C): two; another client's room: one, with ids of its own.
  t.equal((await post(ctx.rooms.ours, [[A, 'a1'], [B, 'b1'], [A, 'a2'], [B, 'b2'], [A, 'a3']], ctx.keys.admin)).statusCode, 201)
  t.equal((await post(ctx.rooms.bobs, [[B, 'secret'], [C, 'reply']], ctx.keys.admin)).statusCode, 201)
  t.equal((await post(theirRoom.chatroomId, [[1, 'elsewhere']], other.keys.admin)).statusCode, 201)
  const message = (id: number, sender: number, text: string) =>
    ({ message_id: id, chatroom_id: ctx.rooms.ours, sender_user_id: sender, message_str: text, message_sent_ts: TS + id - 1 })
  const ours = [message(1, A, 'a1'), message(2, B, 'b1'), message(3, A, 'a2'), message(4, B, 'b2'), message(5, A, 'a3')]

  t.test('a member reads the room oldest first, a page at a time, with next_cursor until the last page', async (t) => {
    const first = await get(`/chatrooms/${ctx.rooms.ours}/messages?limit=2`)
    t.equal(first.statusCode, 200)
    t.same(first.json().data, ours.slice(0, 2))
    const second = await get(`/chatrooms/${ctx.rooms.ours}/messages?limit=2&cursor=${first.json().next_cursor}`)
    t.same(second.json().data, ours.slice(2, 4))
    const last = await get(`/chatrooms/${ctx.rooms.ours}/messages?limit=2&cursor=${second.json().next_cursor}`)
    t.same(last.json(), { data: ours.slice(4), next_cursor: null })
    const whole = await get(`/chatrooms/${ctx.rooms.ours}/messages`)
    t.same(whole.json(), { data: ours, next_cursor: null }, 'the default page (20) holds all five')
  })

  t.test('order=desc reads newest first; the cursor carries on in that order', async (t) => {
    const first = await get(`/chatrooms/${ctx.rooms.ours}/messages?order=desc&limit=3`)
    t.same(first.json().data, [...ours].reverse().slice(0, 3))
    const rest = await get(`/chatrooms/${ctx.rooms.ours}/messages?order=desc&limit=3&cursor=${first.json().next_cursor}`)
    t.same(rest.json(), { data: [...ours].reverse().slice(3), next_cursor: null })
  })

  t.test('/messages/<sender_user_id> holds that sender\'s messages only, paged the same way', async (t) => {
    const first = await get(`/chatrooms/${ctx.rooms.ours}/messages/${A}?limit=2`)
    t.same(first.json().data, [ours[0], ours[2]])
    const rest = await get(`/chatrooms/${ctx.rooms.ours}/messages/${A}?limit=2&cursor=${first.json().next_cursor}`)
    t.same(rest.json(), { data: [ours[4]], next_cursor: null })
    const bobs = await get(`/chatrooms/${ctx.rooms.ours}/messages/${B}`, bearer(ctx.bound.b.key))
    t.same(bobs.json(), { data: [ours[1], ours[3]], next_cursor: null }, 'bob reads it with his own key')
    const silent = await get(`/chatrooms/${ctx.rooms.ours}/messages/${C}`)
    t.same(silent.json(), { data: [], next_cursor: null }, 'a user with no message in the room: an empty page')
  })

  t.test('an admin integration key reads as the member it names in user_id', async (t) => {
    const res = await get(`/chatrooms/${ctx.rooms.bobs}/messages/${C}?user_id=${B}`, bearer(ctx.keys.admin))
    t.same(res.json(), { data: [{ message_id: 7, chatroom_id: ctx.rooms.bobs, sender_user_id: C, message_str: 'reply', message_sent_ts: TS + 1 }], next_cursor: null })
  })

  t.test('refusals: another user\'s reading, non-members, integration keys, unknown and another client\'s rooms, bad input', async (t) => {
    const integration = (role: string) => 'The messenger is private to its users: acting as the user in user_id needs an API key bound to that user, ' +
      `or an admin integration key (this ${role} key is bound to no user)`
    const cases: [string, { authorization: string }, number, string][] = [
      [`/chatrooms/${ctx.rooms.ours}/messages?user_id=${B}`, ann, 403, 'user_id names user 2, but this API key speaks for user 1 only; omit user_id or name user 1'],
      [`/chatrooms/${ctx.rooms.ours}/messages/${B}?user_id=${B}`, ann, 403, 'user_id names user 2, but this API key speaks for user 1 only; omit user_id or name user 1'],
      [`/chatrooms/${ctx.rooms.bobs}/messages`, ann, 403, 'user 1 is not a member of chatroom 2'],
      [`/chatrooms/${ctx.rooms.bobs}/messages/${B}`, ann, 403, 'user 1 is not a member of chatroom 2'],
      [`/chatrooms/${ctx.rooms.bobs}/messages?user_id=${A}`, bearer(ctx.keys.admin), 403, 'user 1 is not a member of chatroom 2'],
      [`/chatrooms/${ctx.rooms.ours}/messages?user_id=${A}`, bearer(ctx.keys.agent), 403, integration('agent')],
      [`/chatrooms/${ctx.rooms.ours}/messages/${A}?user_id=${A}`, bearer(ctx.keys.manager), 403, integration('manager')],
      [`/chatrooms/${ctx.rooms.ours}/messages`, bearer(ctx.keys.admin), 400, 'user_id is required with an integration key: it names the user who acts'],
      [`/chatrooms/${ctx.rooms.ours}/messages?user_id=9`, bearer(ctx.keys.admin), 404, 'user 9 not found'],
      [`/chatrooms/${ctx.rooms.ours}/messages/9`, ann, 404, 'user 9 not found'],
      ['/chatrooms/99/messages', ann, 404, 'chatroom 99 not found'],
      ['/chatrooms/99/messages/1', ann, 404, 'chatroom 99 not found'],
      [`/chatrooms/${ctx.rooms.ours}/messages?limit=101`, ann, 400, 'querystring.limit: must be <= 100'],
      [`/chatrooms/${ctx.rooms.ours}/messages?limit=0`, ann, 400, 'querystring.limit: must be >= 1'],
      [`/chatrooms/${ctx.rooms.ours}/messages?order=newest`, ann, 400, 'querystring.order: must be equal to one of the allowed values'],
      [`/chatrooms/${ctx.rooms.ours}/messages?cursor=abc`, ann, 400, 'querystring.cursor: is not a cursor this API issued'],
      [`/chatrooms/${ctx.rooms.ours}/messages?senderId=1`, ann, 400, 'querystring: must NOT have additional properties'],
      [`/chatrooms/${ctx.rooms.ours}/messages/abc`, ann, 400, 'params.sender_user_id: must be integer'],
      [`/chatrooms/${ctx.rooms.ours}/messages/0`, ann, 400, 'params.sender_user_id: must be >= 1'],
      ['/chatrooms/x/messages', ann, 400, 'params.chatroom_id: must be integer']
    ]
    for (const [url, key, statusCode, error] of cases) {
      const res = await get(url, key)
      t.equal(res.statusCode, statusCode, url)
      t.same(res.json(), { error }, url)
    }
  })

  t.test('another client\'s room answers exactly like a missing one, and its messages never show', async (t) => {
    const own = await get(`/chatrooms/${theirRoom.chatroomId}/messages?user_id=1`, bearer(other.keys.admin))
    t.same(own.json().data.map((m: { message_id: number, message_str: string }) => [m.message_id, m.message_str]), [[1, 'elsewhere']],
      'the other client\'s room 1 is its own, with ids of its own')
    const theirs = await get('/chatrooms/2/messages?user_id=1', bearer(other.keys.admin))
    const missing = await get('/chatrooms/3/messages?user_id=1', bearer(other.keys.admin))
    t.same(theirs.json(), { error: 'chatroom 2 not found' })
    t.equal(missing.body, theirs.body.replace('2', '3'))
    const texts = (await get(`/chatrooms/${ctx.rooms.ours}/messages?limit=100`)).json().data.map((m: { message_str: string }) => m.message_str)
    t.notOk(texts.includes('elsewhere'))
  })
})
