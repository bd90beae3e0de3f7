import t, { type Test } from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer } from '../helper.js'
import { A, B, identityTenant } from './fixtures.js'

t.test('every stored message records the API key that created it, and no answer shows it', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'traced')
  const db = app.mongo.db
  const post = (key: string, url: string, payload: object) => app.inject({ method: 'POST', url, headers: bearer(key), payload })
  const keyIds = [ctx.bound.a.id, ctx.integrationIds.agent, ctx.integrationIds.admin].map((id) => id.toHexString())
  const hidesKeys = (t: Test, body: string, what: string) => {
    t.notOk(body.includes('createdByKeyId'), `${what}: no createdByKeyId in the answer`)
    t.notOk(keyIds.some((id) => body.includes(id)), `${what}: no key id in the answer`)
  }

  t.test('chat messages, through the seed contract and the canonical route', async (t) => {
    const chatId = await ctx.openChat(A)
    const seed = await post(ctx.bound.a.key, `/chats/${chatId}/messages`, { text: 'written by ann\'s key' })
    t.equal(seed.statusCode, 201)
    t.same(Object.keys(seed.json()), ['message_id', 'chat_id', 'text', 'user_id', 'sent_at'], 'the seed contract\'s fields, no more')
    hidesKeys(t, seed.body, 'POST /chats/{chat_id}/messages')
    const canonical = await post(ctx.keys.agent, `/api/v1/chats/${chatId}/messages`, { text: 'written by the widget' })
    t.same(Object.keys(canonical.json()), ['id', 'chatId', 'text', 'userId', 'sentAt'])
    hidesKeys(t, canonical.body, 'POST /api/v1/chats/{chatId}/messages')
    const stored = await db.collection('messages').find({ clientId: ctx.id, chatId }).sort({ messageId: 1 }).toArray()
    t.same(stored.map((doc) => [doc.text, doc.userId ?? null, doc.createdByKeyId]), [
      ['written by ann\'s key', A, ctx.bound.a.id],
      ['written by the widget', null, ctx.integrationIds.agent]
    ])
    t.ok(stored.every((doc) => doc.createdByKeyId instanceof ObjectId), 'stored as ObjectIds')
    hidesKeys(t, (await app.inject({ method: 'GET', url: `/api/v1/chats/${chatId}/messages`, headers: bearer(ctx.keys.agent) })).body, 'the chat\'s message list')
  })

  t.test('direct messages', async (t) => {
    const bound = await post(ctx.bound.a.key, '/api/v1/direct-messages', { recipientId: B, text: 'dm by ann\'s key' })
    const integration = await post(ctx.keys.admin, '/api/v1/direct-messages', { senderId: B, recipientId: A, text: 'dm by the admin integration' })
    t.same(Object.keys(bound.json()), ['id', 'senderId', 'recipientId', 'text', 'sentAt'])
    hidesKeys(t, bound.body + integration.body, 'POST /api/v1/direct-messages')
    const stored = await db.collection('directMessages').find({ _id: { $in: [new ObjectId(bound.json().id as string), new ObjectId(integration.json().id as string)] } }).sort({ _id: 1 }).toArray()
    t.same(stored.map((doc) => doc.createdByKeyId), [ctx.bound.a.id, ctx.integrationIds.admin])
    hidesKeys(t, (await app.inject({ method: 'GET', url: `/api/v1/users/${A}/direct-messages`, headers: bearer(ctx.bound.a.key) })).body, 'the inbox')
  })

  t.test('chatroom messages, through the canonical route and the seed batch', async (t) => {
    const one = await post(ctx.bound.a.key, `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, { text: 'room post by ann\'s key' })
    t.same(Object.keys(one.json()), ['id', 'chatroomId', 'senderId', 'text', 'sentAt'])
    const batch = await post(ctx.keys.admin, `/chatrooms/${ctx.rooms.ours}/messages`, {
      data: [{ message_str: 'batch 1', message_sent_ts: 1637029963, sender_user_id: A }, { message_str: 'batch 2', message_sent_ts: 1637029963, sender_user_id: B }]
    })
    t.equal(batch.statusCode, 201)
    t.same(batch.json(), { data: [{ message_id: one.json().id + 1 }, { message_id: one.json().id + 2 }] }, 'the seed contract\'s body, exactly')
    hidesKeys(t, one.body + batch.body, 'chatroom posts')
    const stored = await db.collection('chatroomMessages').find({ clientId: ctx.id, chatroomId: ctx.rooms.ours }).sort({ messageId: 1 }).toArray()
    t.same(stored.map((doc) => [doc.text, doc.createdByKeyId]), [
      ['room post by ann\'s key', ctx.bound.a.id],
      ['batch 1', ctx.integrationIds.admin],
      ['batch 2', ctx.integrationIds.admin]
    ])
    hidesKeys(t, (await app.inject({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, headers: bearer(ctx.bound.a.key) })).body, 'the room\'s messages')
  })

  t.test('the validators take createdByKeyId only as an ObjectId', async (t) => {
    const base = { _id: new ObjectId(), clientId: ctx.id, text: 'x', sentAt: new Date() }
    const docs: Record<string, object> = {
      messages: { ...base, chatId: 1, messageId: 999 },
      directMessages: { ...base, senderId: A, recipientId: B },
      chatroomMessages: { ...base, chatroomId: 1, messageId: 999, senderId: A, createdAt: new Date() }
    }
    for (const [name, doc] of Object.entries(docs)) {
      await t.rejects(db.collection(name).insertOne({ ...doc, createdByKeyId: ctx.bound.a.id.toHexString() }), { code: 121 }, `${name} refuses a string`)
      const ok = await db.collection(name).insertOne({ ...doc, _id: new ObjectId(), createdByKeyId: ctx.bound.a.id })
      t.ok(ok.acknowledged, `${name} takes an ObjectId`)
      await db.collection(name).deleteOne({ _id: ok.insertedId })
    }
  })
})
