import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { chatTenant, countMessages } from './fixtures.js'

interface MessageBody { id: number, chatId: number, text: string, userId: number | null, sentAt: string }

t.test('a chat\'s messages: concurrency, idempotent retries, ordered listing', async (t) => {
  const app = await buildTestApp(t)
  const acme = await chatTenant(app)
  const { headers } = acme

  async function listAll (chatId: number, limit: number): Promise<{ pages: number, messages: MessageBody[] }> {
    const messages: MessageBody[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor ? `limit=${limit}&cursor=${cursor}` : `limit=${limit}`
      const res = await app.inject({ method: 'GET', url: `/api/v1/chats/${chatId}/messages?${query}`, headers })
      if (res.statusCode !== 200) throw new Error(`listing answered ${res.statusCode}: ${res.body}`)
      messages.push(...res.json().data)
      cursor = res.json().nextCursor
      pages++
    } while (cursor)
    return { pages, messages }
  }

  t.test('200 parallel posts to one chat are each stored once and listed in order of sent_at', async (t) => {
    const chat = await acme.openChat('Busy customer')
    const created = Date.parse(chat.createdAt)
    const offsets = Array.from({ length: 200 }, (_, i) => (i * 7919) % 200)
    const before = await countMessages(app)
    const responses = await Promise.all(offsets.map((offset) => app.inject({
      method: 'POST',
      url: `/chats/${chat.id}/messages`,
      headers,
      payload: { text: `message ${offset}`, sent_at: new Date(created + offset).toISOString() }
    })))
    t.same(responses.map((res) => res.statusCode), offsets.map(() => 201))
    t.equal(await countMessages(app), before + 200)
    t.equal(new Set(responses.map((res) => res.json().message_id)).size, 200, 'every message got its own id')

    const { pages, messages } = await listAll(chat.id, 100)
    t.equal(pages, 2)
    t.same(messages.map((message) => message.text), offsets.slice().sort((a, b) => a - b).map((offset) => `message ${offset}`))
  })

  t.test('messages are listed by sent_at, and those sent at the same time by id', async (t) => {
    const chat = await acme.openChat()
    const sentAt = new Date(Date.parse(chat.createdAt) + 5).toISOString()
    for (const text of ['first', 'second', 'third']) {
      await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/messages`, headers, payload: { text, sentAt } })
    }
    await app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/messages`, headers, payload: { text: 'earlier', sentAt: chat.createdAt } })
    const { pages, messages } = await listAll(chat.id, 1)
    t.equal(pages, 4)
    t.same(messages.map((message) => message.text), ['earlier', 'first', 'second', 'third'])
    t.same(messages.slice(1).map((message) => message.sentAt), [sentAt, sentAt, sentAt])
    t.ok(messages[1].id < messages[2].id && messages[2].id < messages[3].id, 'ties in id order')
  })

  t.test('a retry with the same Idempotency-Key answers the first response and stores one message', async (t) => {
    const chat = await acme.openChat()
    const request = {
      method: 'POST' as const,
      url: `/chats/${chat.id}/messages`,
      headers: { ...headers, 'idempotency-key': 'retry-me-1' },
      payload: { text: 'Are you there?' }
    }
    const first = await app.inject(request)
    t.equal(first.statusCode, 201)
    const before = await countMessages(app)
    const retry = await app.inject(request)
    t.equal(retry.statusCode, 201)
    t.equal(retry.body, first.body)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(await countMessages(app), before, 'the retry stored nothing')

    const changed = await app.inject({ ...request, payload: { text: 'Something else' } })
    t.equal(changed.statusCode, 422)
    t.same(changed.json(), { error: 'This Idempotency-Key was already used with a different request' })
    t.equal(await countMessages(app), before)
  })

  t.test('listing a chat of another client answers 404', async (t) => {
    const chat = await acme.openChat()
    const other = await createTenant(app)
    const res = await app.inject({ method: 'GET', url: `/api/v1/chats/${chat.id}/messages`, headers: bearer(other.keys.agent) })
    t.equal(res.statusCode, 404)
    t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: `Chat ${chat.id} not found` })
  })

  t.test('a cursor the API did not issue, or one of another list, is a 400', async (t) => {
    const chat = await acme.openChat()
    const chatsPage = await app.inject({ method: 'GET', url: '/api/v1/chats?limit=1', headers })
    for (const cursor of ['garbage', chatsPage.json().nextCursor, Buffer.from('{"sentAt":{"$date":"x"},"messageId":1}').toString('base64url')]) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/chats/${chat.id}/messages?cursor=${cursor}`, headers })
      t.equal(res.statusCode, 400, cursor)
      t.equal(res.json().code, 'INVALID_CURSOR')
    }
  })
})
