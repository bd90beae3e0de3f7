import t, { type Test } from 'tap'
import type { InjectOptions } from 'fastify'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { chatTenant, countMessages } from './fixtures.js'

t.test('POST /chats/{chat_id}/messages and its canonical twin', async (t) => {
  const app = await buildTestApp(t)
  const acme = await chatTenant(app)
  const { headers, agent, otherAgent } = acme
  const open = await acme.assign((await acme.openChat('Jane')).id)
  const queued = await acme.openChat('Julia')
  const closed = await acme.close((await acme.assign((await acme.openChat('John')).id)).id)

  const post = (chatId: number | string, payload: unknown, extra: Partial<InjectOptions> = {}) =>
    app.inject({ method: 'POST', url: `/chats/${chatId}/messages`, headers, payload: payload as InjectOptions['payload'], ...extra })

  /** Sends a request that must be refused, and proves the refusal stored nothing. */
  async function refused (t: Test, request: Promise<{ statusCode: number, json(): unknown }>, statusCode: number, body: unknown) {
    const before = await countMessages(app)
    const res = await request
    t.equal(res.statusCode, statusCode)
    t.same(res.json(), body)
    t.equal(await countMessages(app), before, 'nothing stored')
  }

  t.test('stores a customer\'s message (no user_id) and answers 201 with it', async (t) => {
    const res = await post(open.id, { text: 'Your website is giving me an error.', sent_at: open.handleStart })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.same(body, { message_id: body.message_id, chat_id: open.id, text: 'Your website is giving me an error.', user_id: null, sent_at: open.handleStart })
    const stored = await app.mongo.db.collection('messages').findOne({ clientId: acme.tenant.id, messageId: body.message_id })
    t.match(stored, { chatId: open.id, text: 'Your website is giving me an error.', sentAt: new Date(open.handleStart as string) })
    t.notOk(stored && 'userId' in stored, 'a customer message has no userId')
  })

  t.test('stores the agent\'s message; sent_at defaults to now', async (t) => {
    const before = Date.now()
    const res = await post(open.id, { text: 'Sorry to hear that, what is the error?', user_id: agent })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.equal(body.user_id, agent)
    t.equal(body.text, 'Sorry to hear that, what is the error?')
    const sentAt = Date.parse(body.sent_at)
    t.ok(sentAt >= before && sentAt <= Date.now(), 'sent now')
  })

  t.test('the canonical route takes camelCase and answers the canonical message', async (t) => {
    const sentAt = new Date().toISOString()
    const res = await app.inject({ method: 'POST', url: `/api/v1/chats/${open.id}/messages`, headers, payload: { text: 'Thanks.', userId: agent, sentAt } })
    t.equal(res.statusCode, 201)
    t.same(res.json(), { id: res.json().id, chatId: open.id, text: 'Thanks.', userId: agent, sentAt })
  })

  t.test('a sent_at with an offset and microseconds is stored in UTC to the millisecond', async (t) => {
    const instant = Date.parse(open.handleStart as string) + 1000
    const withOffset = new Date(instant + 3_600_000).toISOString().slice(0, 23) + '957+01:00'
    const res = await post(open.id, { text: 'Still there?', sent_at: withOffset })
    t.equal(res.statusCode, 201)
    t.equal(res.json().sent_at, new Date(instant).toISOString())
  })

  t.test('a customer may write while the chat waits in the queue', async (t) => {
    const res = await post(queued.id, { text: 'Hello?' })
    t.equal(res.statusCode, 201)
  })

  t.test('text of exactly 5000 characters is accepted', async (t) => {
    const res = await post(open.id, { text: 'x'.repeat(5000) })
    t.equal(res.statusCode, 201)
  })

  t.test('rejects a message to an unknown chat (404)', (t) => refused(t, post(999, { text: 'Hi' }), 404, { error: 'Chat 999 not found' }))

  t.test('rejects a message to another client\'s chat exactly like an unknown one (404)', async (t) => {
    const other = await createTenant(app)
    await refused(t, post(open.id, { text: 'Hi' }, { headers: bearer(other.keys.agent) }), 404, { error: `Chat ${open.id} not found` })
  })

  t.test('rejects empty text (400)', (t) => refused(t, post(open.id, { text: '' }), 400, { error: 'body/text must NOT have fewer than 1 characters' }))

  t.test('rejects whitespace-only text (400)', (t) =>
    refused(t, post(open.id, { text: ' \n\t ' }), 400, { error: 'text must contain something other than whitespace' }))

  t.test('rejects text over 5000 characters (400)', (t) =>
    refused(t, post(open.id, { text: 'x'.repeat(5001) }), 400, { error: 'body/text must NOT have more than 5000 characters' }))

  t.test('rejects a missing text (400)', (t) => refused(t, post(open.id, { user_id: agent }), 400, { error: 'body must have required property \'text\'' }))

  t.test('rejects unknown fields (400)', (t) =>
    refused(t, post(open.id, { text: 'Hi', chat_id: 2 }), 400, { error: 'body must NOT have additional properties' }))

  t.test('rejects a $-prefixed field (400) so it never reaches a query', (t) =>
    refused(t, post(open.id, { text: 'Hi', $where: 'sleep(1000)' }), 400, { error: 'Field names may not start with "$" or contain ".": body.$where' }))

  t.test('rejects a user_id that is not a positive integer (400)', async (t) => {
    await refused(t, post(open.id, { text: 'Hi', user_id: 0 }), 400, { error: 'body/user_id must be >= 1' })
    await refused(t, post(open.id, { text: 'Hi', user_id: { $gt: 0 } }), 400, { error: 'Field names may not start with "$" or contain ".": body.user_id.$gt' })
  })

  t.test('rejects a sent_at that is not an ISO date-time (400)', (t) =>
    refused(t, post(open.id, { text: 'Hi', sent_at: '29/09/2020 09:00' }), 400, { error: 'body/sent_at must match format "date-time"' }))

  t.test('rejects a chat id that is not an integer (400)', (t) =>
    refused(t, post('abc', { text: 'Hi' }), 400, { error: 'params/chat_id must be integer' }))

  t.test('rejects an unknown user (422)', (t) => refused(t, post(open.id, { text: 'Hi', user_id: 99 }), 422, { error: 'User 99 does not exist' }))

  t.test('rejects a user who exists only in another client as unknown (422)', async (t) => {
    const other = await createTenant(app)
    let stranger = 0
    for (const name of ['One', 'Two', 'Three']) stranger = (await app.usersRepository.create(other.id, { name, role: 'agent' })).userId
    t.equal(await app.usersRepository.findById(acme.tenant.id, stranger), null, `user ${stranger} exists only in the other client`)
    await refused(t, post(open.id, { text: 'Hi', user_id: stranger }), 422, { error: `User ${stranger} does not exist` })
  })

  t.test('rejects a user who is not the chat\'s agent (409)', (t) =>
    refused(t, post(open.id, { text: 'Hi', user_id: otherAgent }), 409, { error: `User ${otherAgent} is not the agent of chat ${open.id} (user ${agent} is)` }))

  t.test('rejects an agent writing in a queued chat (409)', (t) =>
    refused(t, post(queued.id, { text: 'Hi', user_id: agent }), 409, { error: `Chat ${queued.id} is queued: no agent is handling it yet, so only the customer can write` }))

  t.test('rejects a message to a closed chat, from the customer or the agent (409)', async (t) => {
    const error = { error: `Chat ${closed.id} is closed; no more messages can be added` }
    await refused(t, post(closed.id, { text: 'One more thing' }), 409, error)
    await refused(t, post(closed.id, { text: 'Anything else?', user_id: agent }), 409, error)
  })

  t.test('rejects a sent_at in the future beyond 60 s of clock skew (422); within it is accepted', async (t) => {
    const future = new Date(Date.now() + 5 * 60_000).toISOString()
    await refused(t, post(open.id, { text: 'Hi', sent_at: future }), 422, { error: 'sent_at is in the future (more than 60 s ahead of the server clock)' })
    const skewed = await post(open.id, { text: 'Hi', sent_at: new Date(Date.now() + 30_000).toISOString() })
    t.equal(skewed.statusCode, 201)
  })

  t.test('rejects a sent_at before the chat was created (422)', (t) =>
    refused(t, post(open.id, { text: 'Hi', sent_at: '2020-09-29T09:00:20.540Z' }), 422, { error: `sent_at is before chat ${open.id} was created (${open.createdAt})` }))

  t.test('rejects an agent\'s sent_at before the chat\'s handling started (422)', async (t) => {
    const sentAt = new Date(Date.parse(open.handleStart as string) - 1).toISOString()
    t.ok(sentAt >= open.createdAt, 'after the chat was created')
    await refused(t, post(open.id, { text: 'Hi', user_id: agent, sent_at: sentAt }), 422, { error: `sent_at is before an agent started handling chat ${open.id} (${open.handleStart})` })
  })

  t.test('the canonical route refuses in the canonical envelope, naming its own field', async (t) => {
    const before = await countMessages(app)
    const res = await app.inject({ method: 'POST', url: `/api/v1/chats/${open.id}/messages`, headers, payload: { text: 'Hi', sentAt: '2000-01-01T00:00:00Z' } })
    t.equal(res.statusCode, 422)
    t.same(res.json(), { statusCode: 422, code: 'UNPROCESSABLE_ENTITY', error: `sentAt is before chat ${open.id} was created (${open.createdAt})` })
    const unknown = await app.inject({ method: 'POST', url: `/api/v1/chats/${open.id}/messages`, headers, payload: { text: 'Hi', user_id: agent } })
    t.equal(unknown.statusCode, 400)
    t.equal(unknown.json().code, 'VALIDATION_ERROR')
    t.equal(await countMessages(app), before)
  })

  t.test('needs an API key (401)', (t) => refused(t, post(open.id, { text: 'Hi' }, { headers: {} }), 401, { error: 'Missing API key: send "Authorization: Bearer <API key>"' }))
})
