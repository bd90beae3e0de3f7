import t, { type Test } from 'tap'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import type { App } from '../../src/app.js'

/** A client with two agents and a bound key for agent 1; chats are opened straight through the repositories. */
async function setup (app: App) {
  const tenant = await createTenant(app)
  const agent = (await app.usersRepository.create(tenant.id, { name: 'Agent One', role: 'agent' })).userId
  const otherAgent = (await app.usersRepository.create(tenant.id, { name: 'Agent Two', role: 'agent' })).userId
  const { key: agentKey, doc: agentKeyDoc } = await app.apiKeysRepository.create(tenant.id, 'agent one', 'agent', { userId: agent })
  const integration = bearer(tenant.keys.agent)
  async function openChat (): Promise<number> {
    const { chatId } = await app.chatsRepository.create(tenant.id, 'Customer', { created: new Date(Date.now() - 60_000) })
    await app.chatsRepository.assignQueued(tenant.id, chatId, agent, new Date(Date.now() - 30_000))
    return chatId
  }
  const close = (chatId: number) => app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/close`, headers: integration })
  const post = (chatId: number, text: string, extra: { user_id?: number, sent_at?: string } = {}, key = tenant.keys.agent) =>
    app.inject({ method: 'POST', url: `/chats/${chatId}/messages`, headers: bearer(key), payload: { text, ...extra } })
  const stored = (chatId: number) => app.mongo.db.collection('messages').find({ clientId: tenant.id, chatId }).toArray()
  const chat = (chatId: number) => app.chatsRepository.findById(tenant.id, chatId)
  return { tenant, agent, otherAgent, agentKey, agentKeyId: agentKeyDoc._id, integration, openChat, close, post, stored, chat }
}

type Setup = Awaited<ReturnType<typeof setup>>

/** Sends every post at once and the close when `after` of them have answered, so that the others are in flight around it. */
async function aroundClose<T> (posts: Promise<T>[], close: () => Promise<T>, after: number): Promise<{ closed: T, answers: T[] }> {
  let answered = 0
  let closing: Promise<T> | undefined
  const counted = posts.map((post) => post.then((answer) => {
    if (++answered === after) closing = close()
    return answer
  }))
  const answers = await Promise.all(counted)
  return { closed: await (closing ?? close()), answers }
}

/** Every 201 is stored exactly as answered, every refusal is a 409 that stored nothing, and no message is dated after the end. */
async function checkOutcome (t: Test, s: Setup, chatId: number, texts: string[], answers: { statusCode: number, body: string }[]) {
  const stored = await s.stored(chatId)
  const chat = await s.chat(chatId)
  t.equal(chat?.state, 'closed')
  const end = chat?.handleEnd as Date
  const accepted = texts.filter((_, index) => answers[index]?.statusCode === 201)
  const refused = texts.filter((_, index) => answers[index]?.statusCode !== 201)
  t.same(answers.filter((answer) => answer.statusCode !== 201).map((answer) => answer.statusCode), refused.map(() => 409), 'every refusal is a 409')
  t.same(stored.map((doc) => doc.text).filter((text) => texts.includes(text)).sort(), accepted.sort(), 'every 201 is stored and no refused message is')
  for (const [index, answer] of answers.entries()) {
    if (answer.statusCode !== 201) continue
    const body = JSON.parse(answer.body) as { message_id: number, sent_at: string }
    t.ok(stored.some((doc) => doc.messageId === body.message_id && doc.sentAt.toISOString() === body.sent_at && doc.text === texts[index]), `message ${body.message_id} stored as answered`)
  }
  const late = stored.filter((doc) => doc.sentAt > end)
  t.same(late.map((doc) => doc.sentAt.toISOString()), [], `no message is dated after the end (${end.toISOString()})`)
  t.ok(end >= (chat?.handleStart as Date), 'the end is not before the start')
}

t.test('no message is stored after its chat closes', async (t) => {
  const app = await buildTestApp(t)
  const s = await setup(app)

  t.test('30 concurrent posts around a close: each is stored before the end or refused', async (t) => {
    for (let round = 0; round < 4; round++) {
      const chatId = await s.openChat()
      const texts = Array.from({ length: 30 }, (_, index) => `round ${round} message ${index}`)
      const posts = texts.map((text, index) => index % 3 === 0 ? s.post(chatId, text) : s.post(chatId, text, { user_id: s.agent }))
      const { closed, answers } = await aroundClose(posts, () => s.close(chatId), 1 + round * 7)
      t.equal(closed.statusCode, 200)
      await checkOutcome(t, s, chatId, texts, answers)
      t.equal((await s.chat(chatId))?.handleEnd?.toISOString(), closed.json().handleEnd, 'the close answered the end it stored')
    }
  })

  t.test('posts dated up to 59 s ahead around a close: the end is never before one of them', async (t) => {
    for (let round = 0; round < 3; round++) {
      const chatId = await s.openChat()
      const texts = Array.from({ length: 20 }, (_, index) => `ahead ${round}.${index}`)
      const posts = texts.map((text, index) => s.post(chatId, text, { user_id: s.agent, sent_at: new Date(Date.now() + 1000 + index * 2900).toISOString() }))
      const { closed, answers } = await aroundClose(posts, () => s.close(chatId), 1 + round * 6)
      t.equal(closed.statusCode, 200)
      await checkOutcome(t, s, chatId, texts, answers)
    }
  })

  t.test('a message 55 s ahead, then a close: the chat ends at that message, and nothing more gets in', async (t) => {
    const chatId = await s.openChat()
    const ahead = new Date(Date.now() + 55_000)
    const early = await s.post(chatId, 'sent from a fast clock', { user_id: s.agent, sent_at: ahead.toISOString() })
    t.equal(early.statusCode, 201)
    const closed = await s.close(chatId)
    t.equal(closed.statusCode, 200)
    t.equal(closed.json().handleEnd, ahead.toISOString(), 'the end is the latest message, not the earlier clock time')
    const past = new Date(Date.now() - 5_000).toISOString()
    for (const extra of [{}, { user_id: s.agent }, { user_id: s.agent, sent_at: past }, { sent_at: past }]) {
      const res = await s.post(chatId, 'too late', extra)
      t.same([res.statusCode, res.json()], [409, { error: `Chat ${chatId} is closed; no more messages can be added` }], JSON.stringify(extra))
    }
    t.equal((await s.stored(chatId)).length, 1)
  })

  t.test('a close with no message, or only older ones, ends now', async (t) => {
    const chatId = await s.openChat()
    t.equal((await s.post(chatId, 'earlier', { sent_at: new Date(Date.now() - 20_000).toISOString() })).statusCode, 201)
    const before = Date.now()
    const closed = await s.close(chatId)
    t.ok(Date.parse(closed.json().handleEnd) >= before && Date.parse(closed.json().handleEnd) <= Date.now())
  })

  t.test('a reassignment racing the old agent\'s posts: the old agent\'s messages are stored while the chat is theirs, or refused', async (t) => {
    const chatId = await s.openChat()
    const texts = Array.from({ length: 20 }, (_, index) => `old agent ${index}`)
    const posts = texts.map((text) => s.post(chatId, text, {}, s.agentKey))
    const reassign = () => app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/assign`, headers: s.integration, payload: { userId: s.otherAgent } })
    const { closed: moved, answers } = await aroundClose(posts, reassign, 5)
    t.equal(moved.statusCode, 200)
    const stored = await s.stored(chatId)
    t.same(answers.filter((answer) => answer.statusCode !== 201).map((answer) => answer.statusCode), answers.filter((answer) => answer.statusCode !== 201).map(() => 409))
    t.same(stored.map((doc) => doc.text).sort(), texts.filter((_, index) => answers[index]?.statusCode === 201).sort())
    t.ok(stored.every((doc) => doc.userId === s.agent && s.agentKeyId.equals(doc.createdByKeyId)), 'written as the old agent, by its key')
    const after = await s.post(chatId, 'after the move', {}, s.agentKey)
    t.same(after.json(), { error: `User ${s.agent} is not the agent of chat ${chatId} (user ${s.otherAgent} is)` })
  })

  t.test('concurrent closes and posts through the canonical route keep the same rule', async (t) => {
    const chatId = await s.openChat()
    const texts = Array.from({ length: 20 }, (_, index) => `canonical ${index}`)
    const posts = texts.map((text) => app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/messages`, headers: bearer(s.agentKey), payload: { text } }))
    const closes = [s.close(chatId), s.close(chatId)]
    const [first, second, ...answers] = await Promise.all([...closes, ...posts])
    t.same([first?.statusCode, second?.statusCode].sort(), [200, 409], 'one close wins')
    const legacyShape = answers.map((answer) => answer.statusCode === 201
      ? { statusCode: 201, body: JSON.stringify({ message_id: answer.json().id, sent_at: answer.json().sentAt }) }
      : { statusCode: answer.statusCode, body: answer.body })
    await checkOutcome(t, s, chatId, texts, legacyShape)
  })
})
