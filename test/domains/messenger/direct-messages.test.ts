import t from 'tap'
import { ObjectId } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import type { App } from '../../../src/app.js'

const DAY_MS = 24 * 60 * 60 * 1000
const WINDOW_MS = 30 * DAY_MS

async function newUser (app: App, clientId: ObjectId, name: string): Promise<number> {
  return (await app.usersRepository.create(clientId, { name, role: 'agent' })).userId
}

/** Stores direct messages straight in the database with the given send times. */
async function storeMessages (app: App, clientId: ObjectId, messages: { senderId: number, recipientId: number, sentAt: Date, text?: string }[]) {
  const docs = messages.map((message, index) => ({ _id: new ObjectId(), clientId, text: `message ${index}`, ...message }))
  await app.mongo.db.collection('directMessages').insertMany(docs)
  return docs
}

t.test('direct messages', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'dm')
  const other = await createTenant(app, 'dm-other')
  const admin = bearer(tenant.keys.admin)
  const aaron = await newUser(app, tenant.id, 'aaron')
  const betty = await newUser(app, tenant.id, 'betty')
  const carol = await newUser(app, tenant.id, 'carol')
  for (const name of ['o1', 'o2', 'o3', 'o4', 'o5']) await newUser(app, other.id, name)
  const othersOnlyUser = 5
  const count = (filter = {}) => app.mongo.db.collection('directMessages').countDocuments({ clientId: tenant.id, ...filter })
  const send = (payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: { ...admin, ...headers }, payload })

  t.test('sends a message from one user to another and stores it as sent', async (t) => {
    const before = Date.now()
    const res = await send({ senderId: aaron, recipientId: betty, text: '  hello betty ' })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.match(body, { senderId: aaron, recipientId: betty, text: '  hello betty ' })
    t.match(body.id, /^[0-9a-f]{24}$/)
    t.ok(Date.parse(body.sentAt) >= before - 1000 && Date.parse(body.sentAt) <= Date.now())
    const stored = await app.mongo.db.collection('directMessages').findOne({ _id: new ObjectId(body.id) })
    t.match(stored, { clientId: tenant.id, senderId: aaron, recipientId: betty, text: '  hello betty ' })
  })

  t.test('accepts exactly 1,000 characters and refuses 1,001 or whitespace only, storing nothing', async (t) => {
    t.equal((await send({ senderId: aaron, recipientId: carol, text: 'x'.repeat(1000) })).statusCode, 201)
    const stored = await count()
    const tooLong = await send({ senderId: aaron, recipientId: carol, text: 'x'.repeat(1001) })
    t.equal(tooLong.statusCode, 400)
    t.same(tooLong.json().details, [{ field: 'body/text', message: 'must NOT have more than 1000 characters' }])
    const blank = await send({ senderId: aaron, recipientId: carol, text: ' \n\t ' })
    t.equal(blank.statusCode, 400)
    t.same(blank.json().details, [{ field: 'body/text', message: 'must contain a visible character, not only spaces or invisible characters' }])
    const empty = await send({ senderId: aaron, recipientId: carol, text: '' })
    t.equal(empty.statusCode, 400)
    t.equal(await count(), stored)
  })

  t.test('refuses a message to oneself and unknown fields, storing nothing', async (t) => {
    const stored = await count()
    const self = await send({ senderId: aaron, recipientId: aaron, text: 'note to self' })
    t.equal(self.statusCode, 400)
    t.same(self.json(), { statusCode: 400, code: 'BAD_REQUEST', error: 'senderId and recipientId must be different users' })
    const extra = await send({ senderId: aaron, recipientId: betty, text: 'hi', sentAt: '2020-01-01T00:00:00Z' })
    t.equal(extra.statusCode, 400)
    t.equal(await count(), stored)
  })

  t.test('an unknown sender or recipient is a 404 that names which, storing nothing', async (t) => {
    const stored = await count()
    const sender = await send({ senderId: 99, recipientId: betty, text: 'hi' })
    t.equal(sender.statusCode, 404)
    t.same(sender.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Sender user 99 not found' })
    const recipient = await send({ senderId: aaron, recipientId: 98, text: 'hi' })
    t.same(recipient.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Recipient user 98 not found' })
    const both = await send({ senderId: 97, recipientId: 98, text: 'hi' })
    t.equal(both.json().error, 'Sender user 97 not found; Recipient user 98 not found')
    t.equal(await count(), stored)
  })

  t.test('another client\'s user ids are 404, as if they did not exist', async (t) => {
    const stored = await count()
    const res = await send({ senderId: aaron, recipientId: othersOnlyUser, text: 'hi' })
    t.equal(res.statusCode, 404)
    t.equal(res.json().error, `Recipient user ${othersOnlyUser} not found`)
    const read = await app.inject({ method: 'GET', url: `/api/v1/users/${othersOnlyUser}/direct-messages`, headers: admin })
    t.equal(read.statusCode, 404)
    t.equal(read.json().error, `User ${othersOnlyUser} not found`)
    const theirs = await app.inject({ method: 'GET', url: `/api/v1/users/${betty}/direct-messages`, headers: bearer(other.keys.admin) })
    t.equal(theirs.statusCode, 200)
    t.same(theirs.json(), { data: [], nextCursor: null })
    t.equal(await count(), stored)
  })

  t.test('a retry with the same Idempotency-Key returns the first message and stores one', async (t) => {
    const key = { 'idempotency-key': 'dm-retry-1' }
    const payload = { senderId: betty, recipientId: carol, text: 'only once' }
    const first = await send(payload, key)
    const retry = await send(payload, key)
    t.equal(first.statusCode, 201)
    t.equal(retry.statusCode, 201)
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.same(retry.json(), first.json())
    t.equal(await count({ text: 'only once' }), 1)
    const changed = await send({ ...payload, text: 'something else' }, key)
    t.equal(changed.statusCode, 422)
    t.equal(await count({ text: 'something else' }), 0)
  })
})

t.test('the API docs spell out the recent-messages rule and the event streams', async (t) => {
  const app = await buildTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const recent = doc.paths['/api/v1/users/{userId}/direct-messages'].get
  t.match(recent.description, /^Identity: a user's direct messages are private\. .* Returns the newest messages first: at most `limit` \(default and maximum 100\), and never any older than 30 days before the request/)
  t.same(recent.tags, ['messenger'])
  t.ok(doc.paths['/api/v1/users/{userId}/events'].get.responses[200].content['text/event-stream'])
  t.match(doc.paths['/chatrooms/{chatroom_id}/messages'].post.description, /answer at its own paths in the same style .*`POST \/chatrooms\/invite`/)
  t.same(doc.paths['/chatrooms/invite'].post.tags, ['seed contracts', 'messenger'], 'the seed\'s planned routes are documented at their own paths')
})

t.test('recent messages for a recipient', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'recent')
  const admin = bearer(tenant.keys.admin)
  const sender = await newUser(app, tenant.id, 'sender')
  const otherSender = await newUser(app, tenant.id, 'other sender')
  const recent = (userId: number, query = '') => app.inject({ method: 'GET', url: `/api/v1/users/${userId}/direct-messages${query}`, headers: admin })

  t.test('returns all 100 when there are 100, and the newest 100 of 101 with a cursor to the last one', async (t) => {
    const hundred = await newUser(app, tenant.id, 'has 100')
    const hundredOne = await newUser(app, tenant.id, 'has 101')
    const now = Date.now()
    const minutesAgo = (n: number) => new Date(now - n * 60_000)
    await storeMessages(app, tenant.id, Array.from({ length: 100 }, (_, i) => ({ senderId: sender, recipientId: hundred, sentAt: minutesAgo(i + 1) })))
    const docs = await storeMessages(app, tenant.id, Array.from({ length: 101 }, (_, i) => ({ senderId: sender, recipientId: hundredOne, sentAt: minutesAgo(i + 1) })))

    const all = await recent(hundred)
    t.equal(all.statusCode, 200)
    t.equal(all.json().data.length, 100)
    t.equal(all.json().nextCursor, null)

    const first = await recent(hundredOne)
    t.equal(first.json().data.length, 100)
    t.same(first.json().data.map((m: { id: string }) => m.id), docs.slice(0, 100).map((doc) => doc._id.toHexString()), 'newest first')
    t.type(first.json().nextCursor, 'string')
    const rest = await recent(hundredOne, `?cursor=${first.json().nextCursor}`)
    t.same(rest.json().data.map((m: { id: string }) => m.id), [docs[100]._id.toHexString()])
    t.equal(rest.json().nextCursor, null)
  })

  t.test('includes a message just inside 30 days and never one just outside', async (t) => {
    const recipient = await newUser(app, tenant.id, 'edges')
    const now = Date.now()
    const [inside] = await storeMessages(app, tenant.id, [
      { senderId: sender, recipientId: recipient, sentAt: new Date(now - WINDOW_MS + 60_000), text: 'a minute inside' },
      { senderId: sender, recipientId: recipient, sentAt: new Date(now - WINDOW_MS - 60 * DAY_MS), text: 'long ago' },
      { senderId: sender, recipientId: recipient, sentAt: new Date(now - WINDOW_MS - 1000), text: 'a second outside' }
    ])
    const res = await recent(recipient)
    t.same(res.json().data.map((m: { text: string }) => m.text), ['a minute inside'])
    t.equal(res.json().data[0].id, inside._id.toHexString())
  })

  t.test('the window is exact at 30 days minus and plus one second (repository, fixed now)', async (t) => {
    const recipient = await newUser(app, tenant.id, 'exact edges')
    const now = new Date('2024-03-31T12:00:00.000Z')
    await storeMessages(app, tenant.id, [
      { senderId: sender, recipientId: recipient, sentAt: new Date(now.getTime() - WINDOW_MS + 1000), text: '30 days minus a second' },
      { senderId: sender, recipientId: recipient, sentAt: new Date(now.getTime() - WINDOW_MS), text: 'exactly 30 days' },
      { senderId: sender, recipientId: recipient, sentAt: new Date(now.getTime() - WINDOW_MS - 1000), text: '30 days plus a second' }
    ])
    const docs = await app.directMessagesRepository.recent(tenant.id, { recipientId: recipient, limit: 100 }, now)
    t.same(docs.map((doc) => doc.text), ['30 days minus a second', 'exactly 30 days'])
    const later = await app.directMessagesRepository.recent(tenant.id, { recipientId: recipient, limit: 100 }, new Date(now.getTime() + 1000))
    t.same(later.map((doc) => doc.text), ['30 days minus a second'])
  })

  t.test('limit and since narrow the result; the cursor keeps to them', async (t) => {
    const recipient = await newUser(app, tenant.id, 'narrowed')
    const now = Date.now()
    await storeMessages(app, tenant.id, [1, 2, 3, 4, 5].map((hours) => ({
      senderId: sender, recipientId: recipient, sentAt: new Date(now - hours * 3_600_000), text: `${hours}h ago`
    })))
    const limited = await recent(recipient, '?limit=2')
    t.same(limited.json().data.map((m: { text: string }) => m.text), ['1h ago', '2h ago'])
    const since = new Date(now - 3.5 * 3_600_000).toISOString()
    const page = await recent(recipient, `?limit=2&since=${since}`)
    t.same(page.json().data.map((m: { text: string }) => m.text), ['1h ago', '2h ago'])
    const next = await recent(recipient, `?limit=2&since=${since}&cursor=${page.json().nextCursor}`)
    t.same(next.json().data.map((m: { text: string }) => m.text), ['3h ago'])
    t.equal(next.json().nextCursor, null)
  })

  t.test('since earlier than 30 days ago is a 400; a minute later than that is fine', async (t) => {
    const recipient = await newUser(app, tenant.id, 'since bounds')
    const tooEarly = new Date(Date.now() - WINDOW_MS - 1000).toISOString()
    const res = await recent(recipient, `?since=${tooEarly}`)
    t.equal(res.statusCode, 400)
    t.match(res.json().error, /^since may not be more than 30 days before now \(the earliest allowed is \d{4}-/)
    const fine = await recent(recipient, `?since=${new Date(Date.now() - WINDOW_MS + 60_000).toISOString()}`)
    t.equal(fine.statusCode, 200)
    t.equal((await recent(recipient, '?since=yesterday')).statusCode, 400)
  })

  t.test('senderId keeps only that sender\'s messages; without it, every sender\'s', async (t) => {
    const recipient = await newUser(app, tenant.id, 'two senders')
    const now = Date.now()
    await storeMessages(app, tenant.id, [
      { senderId: sender, recipientId: recipient, sentAt: new Date(now - 3000), text: 'from sender' },
      { senderId: otherSender, recipientId: recipient, sentAt: new Date(now - 2000), text: 'from other sender' },
      { senderId: recipient, recipientId: sender, sentAt: new Date(now - 1000), text: 'sent, not received' }
    ])
    const filtered = await recent(recipient, `?senderId=${sender}`)
    t.same(filtered.json().data.map((m: { text: string }) => m.text), ['from sender'])
    const all = await recent(recipient)
    t.same(all.json().data.map((m: { text: string }) => m.text), ['from other sender', 'from sender'])
    const unknown = await recent(recipient, '?senderId=999')
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().error, 'Sender user 999 not found')
  })

  t.test('limit is 1 to 100 and a forged cursor is a 400', async (t) => {
    t.same((await recent(sender, '?limit=101')).json().details, [{ field: 'querystring/limit', message: 'must be <= 100' }])
    t.equal((await recent(sender, '?limit=0')).statusCode, 400)
    const forged = Buffer.from(JSON.stringify({ sentAt: { $gt: 0 }, id: 'x' })).toString('base64url')
    t.equal((await recent(sender, `?cursor=${forged}`)).json().code, 'INVALID_CURSOR')
  })
})
