import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'
import { chatTenant, type ChatBody } from './fixtures.js'

const isoNow = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('the chat lifecycle: queued → open → closed', async (t) => {
  const app = await buildTestApp(t)
  const acme = await chatTenant(app)
  const { headers, agent, otherAgent } = acme
  const chats = app.mongo.db.collection('chats')

  const assign = (chatId: number, payload: unknown) =>
    app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/assign`, headers, payload: payload as Record<string, unknown> })
  const close = (chatId: number) => app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/close`, headers })
  const stored = (chatId: number) => chats.findOne({ clientId: acme.tenant.id, chatId }, { projection: { _id: 0, clientId: 0 } })

  t.test('creates a queued chat for a customer', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/chats', headers, payload: { customerName: '  Jane  ' } })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.same(body, { id: body.id, customerName: 'Jane', state: 'queued', userId: null, createdAt: body.createdAt, handleStart: null, handleEnd: null })
    t.match(body.createdAt, isoNow)
    const get = await app.inject({ method: 'GET', url: `/api/v1/chats/${body.id}`, headers })
    t.same(get.json(), body)
  })

  t.test('refuses a blank customer name or unknown fields, storing nothing', async (t) => {
    const before = await chats.countDocuments()
    for (const payload of [{ customerName: '   ' }, { customerName: 'Jo', state: 'closed' }, {}]) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/chats', headers, payload })
      t.equal(res.statusCode, 400, JSON.stringify(payload))
    }
    t.equal(await chats.countDocuments(), before)
  })

  t.test('assigning a queued chat opens it: the handle starts now', async (t) => {
    const chat = await acme.openChat()
    const before = Date.now()
    const res = await assign(chat.id, { userId: agent })
    t.equal(res.statusCode, 200)
    const body: ChatBody = res.json()
    t.match(body, { id: chat.id, state: 'open', userId: agent, handleEnd: null })
    t.ok(Date.parse(body.handleStart as string) >= before)
  })

  t.test('reassigning an open chat changes the agent and keeps the handle start', async (t) => {
    const chat = await acme.assign((await acme.openChat()).id)
    const res = await assign(chat.id, { userId: otherAgent })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { ...chat, userId: otherAgent })
  })

  t.test('assigning the chat\'s own agent again is a 409', async (t) => {
    const chat = await acme.assign((await acme.openChat()).id)
    const res = await assign(chat.id, { userId: agent })
    t.equal(res.statusCode, 409)
    t.equal(res.json().error, `Chat ${chat.id} is already assigned to user ${agent}`)
  })

  t.test('assigning an unknown user is a 422 and changes nothing', async (t) => {
    const chat = await acme.openChat()
    const before = await stored(chat.id)
    const res = await assign(chat.id, { userId: 77 })
    t.equal(res.statusCode, 422)
    t.same(res.json(), { statusCode: 422, code: 'UNPROCESSABLE_ENTITY', error: 'User 77 does not exist' })
    t.same(await stored(chat.id), before)
  })

  t.test('closing an open chat ends its handle', async (t) => {
    const chat = await acme.assign((await acme.openChat()).id)
    const res = await close(chat.id)
    t.equal(res.statusCode, 200)
    const body: ChatBody = res.json()
    t.match(body, { state: 'closed', userId: agent, handleStart: chat.handleStart })
    t.ok((body.handleEnd as string) >= (chat.handleStart as string))
  })

  t.test('closing a queued chat is a 409: it cannot end before it started', async (t) => {
    const chat = await acme.openChat()
    const before = await stored(chat.id)
    const res = await close(chat.id)
    t.equal(res.statusCode, 409)
    t.same(res.json(), { statusCode: 409, code: 'CONFLICT', error: `Chat ${chat.id} is queued: it cannot end before an agent starts handling it; assign it first` })
    t.same(await stored(chat.id), before)
  })

  t.test('closing a closed chat, or reassigning it, is a 409 that changes nothing', async (t) => {
    const chat = await acme.close((await acme.assign((await acme.openChat()).id)).id)
    const before = await stored(chat.id)
    const again = await close(chat.id)
    t.equal(again.statusCode, 409)
    t.equal(again.json().error, `Chat ${chat.id} is already closed`)
    const reassign = await assign(chat.id, { userId: otherAgent })
    t.equal(reassign.statusCode, 409)
    t.equal(reassign.json().error, `Chat ${chat.id} is closed; a closed chat cannot be reassigned`)
    t.same(await stored(chat.id), before)
  })

  t.test('of 20 concurrent closes of one chat exactly one wins', async (t) => {
    const chat = await acme.assign((await acme.openChat()).id)
    const results = await Promise.all(Array.from({ length: 20 }, () => close(chat.id)))
    const winners = results.filter((res) => res.statusCode === 200)
    t.equal(winners.length, 1)
    t.same(results.filter((res) => res.statusCode === 409).length, 19)
    t.equal((await stored(chat.id))?.handleEnd.toISOString(), winners[0]?.json().handleEnd)
  })

  t.test('of 20 concurrent assignments of one queued chat exactly one opens it', async (t) => {
    const chat = await acme.openChat()
    const results = await Promise.all(Array.from({ length: 20 }, () => assign(chat.id, { userId: agent })))
    t.equal(results.filter((res) => res.statusCode === 200).length, 1)
    t.equal(results.filter((res) => res.statusCode === 409).length, 19)
    t.match(await stored(chat.id), { state: 'open', userId: agent })
  })

  t.test('an unknown chat, or another client\'s, is a 404 for every route', async (t) => {
    const chat = await acme.openChat()
    const other = bearer((await createTenant(app)).keys.agent)
    const requests = [
      { method: 'GET' as const, url: `/api/v1/chats/${chat.id}` },
      { method: 'POST' as const, url: `/api/v1/chats/${chat.id}/assign`, payload: { userId: 1 } },
      { method: 'POST' as const, url: `/api/v1/chats/${chat.id}/close` }
    ]
    for (const request of requests) {
      const res = await app.inject({ ...request, headers: other })
      t.equal(res.statusCode, 404, request.url)
      t.equal(res.json().error, `Chat ${chat.id} not found`)
      const missing = await app.inject({ ...request, url: request.url.replace(`/${chat.id}`, '/9999'), headers })
      t.equal(missing.statusCode, 404)
      t.equal(missing.json().error, 'Chat 9999 not found')
    }
    t.match(await stored(chat.id), { state: 'queued' })
  })
})

t.test('listing chats by state and agent, a page at a time', async (t) => {
  const app = await buildTestApp(t)
  const acme = await chatTenant(app)
  const { headers, agent, otherAgent } = acme
  const queued = await acme.openChat('Queued')
  const openByAgent = await acme.assign((await acme.openChat('Open')).id)
  const openByOther = await acme.assign((await acme.openChat('Other')).id, otherAgent)
  const closed = await acme.close((await acme.assign((await acme.openChat('Closed')).id)).id)
  const list = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/chats?${query}`, headers })
    t.equal(res.statusCode, 200, query)
    return res.json() as { data: ChatBody[], nextCursor: string | null }
  }
  const ids = (page: { data: ChatBody[] }) => page.data.map((chat) => chat.id)

  t.same(ids(await list('')), [queued.id, openByAgent.id, openByOther.id, closed.id])
  t.same(ids(await list('state=queued')), [queued.id])
  t.same(ids(await list('state=open')), [openByAgent.id, openByOther.id])
  t.same(ids(await list('state=closed')), [closed.id])
  t.same(ids(await list(`userId=${agent}`)), [openByAgent.id, closed.id])
  t.same(ids(await list(`userId=${agent}&state=open`)), [openByAgent.id])

  const first = await list('limit=3')
  t.same(ids(first), [queued.id, openByAgent.id, openByOther.id])
  const second = await list(`limit=3&cursor=${first.nextCursor}`)
  t.same(ids(second), [closed.id])
  t.equal(second.nextCursor, null)

  const bad = await app.inject({ method: 'GET', url: '/api/v1/chats?state=pending', headers })
  t.equal(bad.statusCode, 400)
  const forged = await app.inject({ method: 'GET', url: `/api/v1/chats?cursor=${Buffer.from('{"chatId":"1"}').toString('base64url')}`, headers })
  t.equal(forged.statusCode, 400)
  t.equal(forged.json().code, 'INVALID_CURSOR')

  const other = await app.inject({ method: 'GET', url: '/api/v1/chats', headers: bearer((await createTenant(app)).keys.agent) })
  t.same(other.json(), { data: [], nextCursor: null })
})
