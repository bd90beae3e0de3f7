import t from 'tap'
import type { InjectOptions } from 'fastify'
import { ObjectId } from 'mongodb'
import type { App } from '../../src/app.js'
import { buildTestApp, bearer, PLATFORM_KEY } from '../helper.js'
import { multipart } from '../domains/imports/helper.js'
import { commandsDuring } from './commands.js'
import { eventually, startReceiver } from '../webhooks/receiver.js'
import { routes as benchRoutes } from '../../bench/http-routes.js'

/** Ids the requests below need, found at start or taken from earlier answers. */
interface Context {
  acme: string
  engagementId: string
  interactionId: string
  topboxInteractionId: string
  revocableKeyId: string
  importId?: string
  /** A local receiver the webhook routes register, and what they created. */
  webhookUrl: string
  webhookId?: string
  deliveryId?: string
  /** Makes an event the webhook subscribes to and waits until its delivery is delivered (outside the counted window). */
  delivered: () => Promise<void>
}

interface Budget {
  route: string
  /** The most database commands one valid request may make, with a warm key cache. */
  budget: number
  /** Why, where the budget is above one. */
  why?: string
  request: (ctx: Context) => InjectOptions | Promise<InjectOptions>
  stream?: boolean
}

const acme = { admin: bearer('sb_demo_acme_admin'), manager: bearer('sb_demo_acme_manager'), agent: bearer('sb_demo_acme_agent') }
const guild = bearer('sb_demo_guild_admin')
const topbox = bearer('sb_demo_topbox_agent')
const platform = bearer(PLATFORM_KEY)
const json = (method: 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object): InjectOptions =>
  ({ method, url, headers, ...(payload ? { payload } : {}) })
const get = (url: string, headers: Record<string, string> = {}): InjectOptions => ({ method: 'GET', url, headers })

/** What a write that records an event costs beyond its own write: the event appended (insert, head moved), the outbox cleared. */
const OUTBOX = 'the event is appended to the log (one insert, the log\'s head moved) and the record\'s outbox cleared'
/** An instance learns where a client's log ends from its first append for that client, then keeps it in memory. */
const FIRST_APPEND = 'the first append of a client on an instance reads its log\'s head'
/** A chat's announcement first stores any message the chat admitted that is not stored yet (one read; none missing here). */
const CHAT_OUTBOX = `the announcement checks that the chat's other admitted messages are stored (one read, only when there are any; none here), then ${OUTBOX}`
/** Streams of a client share one reader of its log per instance (src/domains/events/tail.ts): its reads are background work. */
const STREAM = 'the log is read by the client\'s shared reader on this instance, background work'

/** Every route of the OpenAPI document with its budget, in the order they are driven (later ones use earlier data). */
const budgets: Budget[] = [
  { route: 'GET /health', budget: 0, request: () => get('/health') },
  { route: 'GET /ready', budget: 1, request: () => get('/ready') },
  { route: 'POST /api/v1/clients', budget: 1, request: () => json('POST', '/api/v1/clients', platform, { name: 'Round trips', nickName: 'round-trips' }) },
  { route: 'GET /api/v1/clients', budget: 1, request: () => get('/api/v1/clients', platform) },
  { route: 'GET /api/v1/clients/{clientId}', budget: 1, request: (ctx) => get(`/api/v1/clients/${ctx.acme}`, platform) },
  { route: 'POST /api/v1/clients/{clientId}/api-keys', budget: 2, why: 'the client must exist (404), then the key is stored', request: (ctx) => json('POST', `/api/v1/clients/${ctx.acme}/api-keys`, platform, { name: 'extra', role: 'agent' }) },
  { route: 'GET /api/v1/clients/{clientId}/api-keys', budget: 2, why: 'the client must exist (404), then its keys', request: (ctx) => get(`/api/v1/clients/${ctx.acme}/api-keys`, acme.admin) },
  { route: 'DELETE /api/v1/clients/{clientId}/api-keys/{keyId}', budget: 1, request: (ctx) => json('DELETE', `/api/v1/clients/${ctx.acme}/api-keys/${ctx.revocableKeyId}`, acme.admin) },
  { route: 'GET /clients', budget: 1, request: () => get('/clients', acme.agent) },
  { route: 'GET /users/{user_id}', budget: 1, request: () => get('/users/1', acme.agent) },
  { route: 'GET /api/v1/users', budget: 1, request: () => get('/api/v1/users', acme.agent) },
  { route: 'POST /api/v1/users', budget: 2, why: 'the next user id of the client (an atomic counter), then the insert', request: () => json('POST', '/api/v1/users', acme.admin, { name: 'Round Trip' }) },
  { route: 'GET /api/v1/users/{userId}', budget: 1, request: () => get('/api/v1/users/1', acme.agent) },
  { route: 'POST /api/v1/direct-messages', budget: 6, why: `both users must exist (one read for the two), then the insert; ${OUTBOX}; ${FIRST_APPEND}`, request: () => json('POST', '/api/v1/direct-messages', guild, { senderId: 1, recipientId: 2, text: 'hi' }) },
  { route: 'GET /api/v1/users/{userId}/direct-messages', budget: 2, why: 'the recipient must exist (404), then its messages', request: () => get('/api/v1/users/2/direct-messages', guild) },
  { route: 'POST /api/v1/chatrooms', budget: 3, why: 'the members must exist, the next chatroom id, the insert', request: () => json('POST', '/api/v1/chatrooms', guild, { name: 'budgets', createdBy: 1 }) },
  { route: 'GET /api/v1/chatrooms', budget: 1, request: () => get('/api/v1/chatrooms', guild) },
  { route: 'GET /api/v1/chatrooms/{chatroomId}', budget: 1, request: () => get('/api/v1/chatrooms/1', guild) },
  { route: 'POST /api/v1/chatrooms/{chatroomId}/members', budget: 4, why: 'the room, the inviter, the invited users, then the conditional update', request: () => json('POST', '/api/v1/chatrooms/2/members', guild, { invitedBy: 1, userIds: [2] }) },
  { route: 'GET /api/v1/chatrooms/{chatroomId}/members', budget: 2, why: 'the room, then its members', request: () => get('/api/v1/chatrooms/1/members', guild) },
  { route: 'GET /api/v1/users/{userId}/chatrooms', budget: 2, why: 'the user must exist (404), then the rooms', request: () => get('/api/v1/users/1/chatrooms', guild) },
  { route: 'POST /api/v1/chatrooms/{chatroomId}/messages', budget: 7, why: `the room, the sender, the next message id, the insert; ${OUTBOX}`, request: () => json('POST', '/api/v1/chatrooms/1/messages', guild, { senderId: 1, text: 'hello' }) },
  { route: 'GET /api/v1/chatrooms/{chatroomId}/messages', budget: 3, why: 'the room, the reading member, the messages', request: () => get('/api/v1/chatrooms/1/messages?userId=1', guild) },
  {
    route: 'POST /chatrooms/{chatroom_id}/messages',
    budget: 7,
    why: `the room, the senders (one read), the ids of the batch (one counter update), the batch insert; ${OUTBOX} (one of each for the batch)`,
    request: () => json('POST', '/chatrooms/1/messages', guild, { data: [{ message_str: 'batch', message_sent_ts: 1637029963, sender_user_id: 2 }] })
  },
  { route: 'GET /api/v1/users/{userId}/events', budget: 1, why: STREAM, stream: true, request: () => get('/api/v1/users/2/events', guild) },
  { route: 'GET /api/v1/chatrooms/{chatroomId}/events', budget: 2, why: `the room, then the listening member; ${STREAM}`, stream: true, request: () => get('/api/v1/chatrooms/1/events?userId=3', guild) },
  { route: 'PUT /api/v1/users/{userId}/status', budget: 4, why: `the conditional update of the user; ${OUTBOX}`, request: () => ({ method: 'PUT', url: '/api/v1/users/1/status', headers: guild, payload: { state: 'busy', text: 'On a call' } }) },
  { route: 'GET /api/v1/users/{userId}/status', budget: 1, request: () => get('/api/v1/users/1/status', guild) },
  { route: 'GET /api/v1/user-statuses/events', budget: 0, why: STREAM, stream: true, request: () => get('/api/v1/user-statuses/events', guild) },
  { route: 'GET /users', budget: 1, request: () => get('/users', guild) },
  { route: 'POST /users', budget: 2, why: 'the next user id of the client (an atomic counter), then the insert', request: () => json('POST', '/users', guild, { name: 'dave' }) },
  { route: 'GET /users/{user_id}/chatrooms', budget: 2, why: 'the user must exist (404), then the rooms', request: () => get('/users/1/chatrooms', guild) },
  { route: 'GET /chatrooms', budget: 1, request: () => get('/chatrooms', guild) },
  { route: 'POST /chatrooms', budget: 3, why: 'the members must exist, the next chatroom id, the insert', request: () => json('POST', '/chatrooms', guild, { name: 'legacy budgets', created_by_user_id: 1 }) },
  { route: 'GET /chatrooms/{chatroom_id}', budget: 1, request: () => get('/chatrooms/1', guild) },
  { route: 'POST /chatrooms/invite', budget: 4, why: 'the room, the inviter, the invited users, then the conditional update', request: () => json('POST', '/chatrooms/invite', guild, { chatroom_id: 2, user_ids: [3], invited_by_user_id: 1 }) },
  { route: 'GET /chatrooms/{chatroom_id}/messages', budget: 3, why: 'the room, the reading member, the messages', request: () => get('/chatrooms/1/messages?user_id=1', guild) },
  { route: 'GET /chatrooms/{chatroom_id}/messages/{sender_user_id}', budget: 4, why: 'the room, the reading member, the sender (404), the messages', request: () => get('/chatrooms/1/messages/2?user_id=1', guild) },
  { route: 'POST /api/v1/engagements', budget: 2, why: 'the client\'s channels are counted (at most 1,000), then the insert', request: () => json('POST', '/api/v1/engagements', acme.admin, { name: 'Pigeon' }) },
  { route: 'GET /api/v1/engagements', budget: 1, request: () => get('/api/v1/engagements', acme.agent) },
  { route: 'GET /api/v1/engagements/{engagementId}', budget: 1, request: (ctx) => get(`/api/v1/engagements/${ctx.engagementId}`, acme.agent) },
  { route: 'POST /api/v1/customers', budget: 3, why: 'an existing inferred customer is completed, else inserted; the sequence is moved past an explicit id', request: () => json('POST', '/api/v1/customers', acme.admin, { customerId: 900, occupation: 'Tester' }) },
  { route: 'GET /api/v1/customers', budget: 1, request: () => get('/api/v1/customers', acme.agent) },
  { route: 'GET /api/v1/customers/{customerId}', budget: 1, request: () => get('/api/v1/customers/1', acme.agent) },
  { route: 'POST /api/v1/topics', budget: 2, why: 'the insert, then the interactions of that month are tagged', request: () => json('POST', '/api/v1/topics', acme.admin, { month: '2019-10', product: 'Budgets' }) },
  { route: 'GET /api/v1/topics', budget: 1, request: () => get('/api/v1/topics', acme.agent) },
  {
    route: 'POST /api/v1/interactions',
    budget: 5,
    why: 'the channel, the month\'s topics, the insert, the inferred customer, the customer sequence',
    request: (ctx) => json('POST', '/api/v1/interactions', acme.agent, { engagementId: ctx.engagementId, interactionDate: '2019-10-04T09:00:00.000Z', customerId: 1 })
  },
  { route: 'GET /api/v1/interactions', budget: 1, request: () => get('/api/v1/interactions', acme.agent) },
  { route: 'GET /api/v1/interactions/by-id/{interactionId}', budget: 1, request: (ctx) => get(`/api/v1/interactions/by-id/${ctx.interactionId}`, acme.agent) },
  { route: 'GET /api/v1/interactions/{customer_id}', budget: 1, request: () => get('/api/v1/interactions/1', acme.agent) },
  { route: 'GET /interactions/{interaction_id}', budget: 1, request: (ctx) => get(`/interactions/${ctx.topboxInteractionId}`, topbox) },
  { route: 'GET /api/v1/stats/customers/{customerId}/channels', budget: 3, why: 'the customer (404), the channels, the counts', request: () => get('/api/v1/stats/customers/1/channels', acme.manager) },
  { route: 'GET /api/v1/stats/customers/{customerId}/channel-topics', budget: 4, why: 'the customer (404), the channels, the calendar\'s products, the counts', request: () => get('/api/v1/stats/customers/1/channel-topics', acme.manager) },
  { route: 'GET /api/v1/stats/volume', budget: 2, why: 'the channels, then the counts', request: () => get('/api/v1/stats/volume?interval=month&from=2019-10-01&to=2020-03-31', acme.manager) },
  { route: 'GET /api/v1/stats/sentiment', budget: 2, why: 'the channels, then the counts', request: () => get('/api/v1/stats/sentiment?from=2019-10-01&to=2020-03-31', acme.manager) },
  { route: 'GET /api/v1/stats/interactions/{customer_id}', budget: 3, why: 'the customer (404), the channels, the counts', request: () => get('/api/v1/stats/interactions/1', acme.manager) },
  { route: 'GET /api/v1/stats/channels', budget: 2, why: 'the channels, then the counts', request: () => get('/api/v1/stats/channels', acme.manager) },
  { route: 'GET /api/v1/stats/customers', budget: 3, why: 'the channels, the counts, then the customers of the page', request: () => get('/api/v1/stats/customers', acme.manager) },
  { route: 'GET /api/v1/stats/topics', budget: 2, why: 'the channels, then the counts', request: () => get('/api/v1/stats/topics', acme.manager) },
  { route: 'GET /api/v1/stats/customer-types', budget: 2, why: 'the channels, then the counts', request: () => get('/api/v1/stats/customer-types', acme.manager) },
  { route: 'GET /api/v1/stats/customer-types/customers', budget: 2, why: 'the customers per type, then their counts', request: () => get('/api/v1/stats/customer-types/customers', acme.manager) },
  { route: 'GET /api/v1/interactions/export', budget: 2, why: 'the channels (names in the rows), then one batch of interactions (500 a batch)', request: () => get('/api/v1/interactions/export?format=ndjson', acme.manager) },
  { route: 'GET /users/performance', budget: 1, request: () => get('/users/performance', acme.manager) },
  { route: 'POST /api/v1/chats', budget: 6, why: `the next chat id, then the insert; ${OUTBOX}; ${FIRST_APPEND}`, request: () => json('POST', '/api/v1/chats', acme.agent, { customerName: 'Budget' }) },
  { route: 'GET /api/v1/chats', budget: 1, request: () => get('/api/v1/chats', acme.agent) },
  { route: 'GET /api/v1/chats/{chatId}', budget: 1, request: () => get('/api/v1/chats/2', acme.agent) },
  { route: 'POST /api/v1/chats/{chatId}/assign', budget: 6, why: `the chat, the agent, the conditional update; ${OUTBOX}`, request: () => json('POST', '/api/v1/chats/5/assign', acme.manager, { userId: 2 }) },
  { route: 'POST /api/v1/chats/{chatId}/close', budget: 4, why: `the conditional update; ${OUTBOX}`, request: () => json('POST', '/api/v1/chats/5/close', acme.manager) },
  { route: 'POST /chats/{chat_id}/messages', budget: 7, why: `the chat (its rules), the next message id, the chat admits the message (a conditional update: a closed chat takes no message; it records the message in the chat's outbox), the insert; ${CHAT_OUTBOX}`, request: () => json('POST', '/chats/2/messages', acme.agent, { text: 'Is my order on its way?' }) },
  { route: 'POST /api/v1/chats/{chatId}/messages', budget: 7, why: `the chat (its rules), the next message id, the chat admits the message (a conditional update), the insert; ${CHAT_OUTBOX}; the chat's own agent needs no user read`, request: () => json('POST', '/api/v1/chats/2/messages', acme.agent, { text: 'Still waiting', userId: 1 }) },
  { route: 'GET /api/v1/chats/{chatId}/messages', budget: 2, why: 'the chat (404), then its messages', request: () => get('/api/v1/chats/2/messages', acme.agent) },
  {
    route: 'POST /api/v1/imports',
    budget: 8,
    why: `a two-row file: the run, the channels, one bulk write per sheet, the sequence, the report, the rejects; the report's import-finished event: ${OUTBOX}`,
    request: async () => {
      const body = await multipart('customers.csv', 'Customer_Id,Occupation,Type\n1,Teacher,Retail\n950,Pilot,Business\n', { fields: { sheet: 'customers' } })
      return { method: 'POST', url: '/api/v1/imports', headers: { ...acme.admin, 'content-type': body.contentType }, payload: body.payload }
    }
  },
  { route: 'GET /api/v1/imports', budget: 1, request: () => get('/api/v1/imports', acme.manager) },
  { route: 'GET /api/v1/imports/{importId}', budget: 2, why: 'the run, then its first rejects', request: (ctx) => get(`/api/v1/imports/${ctx.importId}`, acme.manager) },
  { route: 'GET /api/v1/imports/{importId}/rejects.csv', budget: 2, why: 'the run (404), then its rejects', request: (ctx) => get(`/api/v1/imports/${ctx.importId}/rejects.csv`, acme.manager) },
  { route: 'GET /api/v1/chats/events', budget: 1, why: `the agent must exist (404); ${STREAM}`, stream: true, request: () => get('/api/v1/chats/events?userId=1', acme.manager) },
  { route: 'GET /api/v1/chats/queue/events', budget: 0, why: STREAM, stream: true, request: () => get('/api/v1/chats/queue/events', acme.manager) },
  {
    route: 'POST /api/v1/webhooks',
    budget: 5,
    why: 'the client\'s endpoints are counted (a bound), the log\'s head (where the endpoint starts), the insert; an endpoint alone moves the fan-out position to the head (a count, an update)',
    request: (ctx) => json('POST', '/api/v1/webhooks', acme.admin, { url: ctx.webhookUrl, eventTypes: ['chat-queued'] })
  },
  { route: 'GET /api/v1/webhooks', budget: 1, request: () => get('/api/v1/webhooks', acme.admin) },
  { route: 'GET /api/v1/webhooks/{webhookId}', budget: 1, request: (ctx) => get(`/api/v1/webhooks/${ctx.webhookId}`, acme.admin) },
  {
    route: 'PATCH /api/v1/webhooks/{webhookId}',
    budget: 2,
    why: 'the log\'s head (where a re-enabled endpoint starts), then the conditional update',
    request: (ctx) => ({ method: 'PATCH', url: `/api/v1/webhooks/${ctx.webhookId}`, headers: acme.admin, payload: { description: 'budgets' } })
  },
  {
    route: 'GET /api/v1/webhooks/{webhookId}/deliveries',
    budget: 2,
    why: 'the endpoint (404), then its deliveries',
    request: async (ctx) => { await ctx.delivered(); return get(`/api/v1/webhooks/${ctx.webhookId}/deliveries`, acme.admin) }
  },
  { route: 'GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}', budget: 2, why: 'the endpoint (404), then the delivery', request: (ctx) => get(`/api/v1/webhooks/${ctx.webhookId}/deliveries/${ctx.deliveryId}`, acme.admin) },
  {
    route: 'GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/attempts',
    budget: 3,
    why: 'the endpoint (404), the delivery (404), then its attempts',
    request: (ctx) => get(`/api/v1/webhooks/${ctx.webhookId}/deliveries/${ctx.deliveryId}/attempts`, acme.admin)
  },
  {
    route: 'POST /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
    budget: 2,
    why: 'the endpoint (404), then the conditional update (no attempt in flight)',
    request: (ctx) => json('POST', `/api/v1/webhooks/${ctx.webhookId}/deliveries/${ctx.deliveryId}/redeliver`, acme.admin)
  },
  {
    route: 'DELETE /api/v1/webhooks/{webhookId}',
    budget: 3,
    why: 'the endpoint, then its deliveries and their attempts',
    request: async (ctx) => { await ctx.delivered(); return json('DELETE', `/api/v1/webhooks/${ctx.webhookId}`, acme.admin) }
  }
]

function documentedRoutes (app: App): string[] {
  const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths
  return Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
}

/** Sends a request; a stream route is read until its headers arrive, then closed. */
async function drive (app: App, options: InjectOptions, stream: boolean): Promise<{ statusCode: number, body: string }> {
  if (!stream) {
    const res = await app.inject(options)
    return { statusCode: res.statusCode, body: res.body }
  }
  const address = app.listeningOrigin
  const controller = new AbortController()
  const res = await fetch(`${address}${String(options.url)}`, { headers: options.headers as Record<string, string>, signal: controller.signal })
  controller.abort()
  return { statusCode: res.status, body: '' }
}

t.test('every route stays within its database round-trip budget', async (t) => {
  const app = await buildTestApp(t, { seed: true, monitorCommands: true, env: { RATE_LIMIT_MAX: '1000000', WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8', WEBHOOK_POLL_MS: '50' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const db = app.mongo.db
  const clientIdOf = (nick: string) => app.demoClients?.find((client) => client.nickName === nick)?.id
  const acmeId = clientIdOf('acme')
  const engagement = await db.collection('engagements').findOne({ clientId: acmeId, name: 'Email' })
  const interaction = await db.collection('interactions').findOne({ clientId: acmeId })
  const topboxInteraction = await db.collection('interactions').findOne({ clientId: clientIdOf('topbox') })
  const revocable = await app.apiKeysRepository.create(acmeId!, 'to revoke', 'agent')
  const receiver = await startReceiver(t)
  const delivered = async () => {
    if (ctx.deliveryId) return
    t.equal((await app.inject(json('POST', '/api/v1/chats', acme.agent, { customerName: 'Hooked' }))).statusCode, 201)
    await eventually(async () => {
      const delivery = await db.collection('webhookDeliveries').findOne({ endpointId: new ObjectId(ctx.webhookId), state: 'delivered' })
      ctx.deliveryId = delivery?._id.toHexString()
      return delivery !== null
    }, 'the webhook\'s delivery delivered')
  }
  const ctx: Context = {
    webhookUrl: receiver.url,
    delivered,
    acme: String(acmeId),
    engagementId: String(engagement?._id),
    interactionId: String(interaction?._id),
    topboxInteractionId: String(topboxInteraction?._id),
    revocableKeyId: revocable.doc._id.toHexString()
  }

  t.test('the list names every route of the OpenAPI document, once', async (t) => {
    t.same(budgets.map((budget) => budget.route).sort(), documentedRoutes(app).sort())
  })

  // Warm-up: one request per key, so that every key below is in the cache.
  for (const headers of [acme.admin, acme.manager, acme.agent, guild, topbox]) {
    t.equal((await app.inject(get('/api/v1/users', headers))).statusCode, 200)
  }

  for (const { route, budget, request, stream } of budgets) {
    t.test(`${route}: at most ${budget} database command${budget === 1 ? '' : 's'}`, async (t) => {
      const options = await request(ctx)
      const { value: res, commands } = await commandsDuring(app, () => drive(app, options, stream ?? false))
      t.ok(res.statusCode >= 200 && res.statusCode < 300, `answers ${res.statusCode} ${res.body.slice(0, 200)}`)
      t.comment(`${route}: ${commands.length} — ${commands.join(', ')}`)
      t.ok(commands.length <= budget, `${commands.length} commands: ${commands.join(', ')}`)
      if (route === 'POST /api/v1/imports') ctx.importId = (JSON.parse(res.body) as { id: string }).id
      if (route === 'POST /api/v1/webhooks') ctx.webhookId = (JSON.parse(res.body) as { id: string }).id
    })
  }

  // bench:http bounds each route by the commands it makes: a count it got wrong would misstate what is within reach.
  for (const route of benchRoutes) {
    t.test(`bench:http's ${route.method} ${route.path} makes exactly the ${route.commands} command${route.commands === 1 ? '' : 's'} its bound counts`, async (t) => {
      const headers: Record<string, string> = route.key ? bearer(route.key) : {}
      if (route.body) headers['content-type'] = 'application/json'
      const options: InjectOptions = { method: route.method, url: route.path, headers, ...(route.body ? { payload: route.body } : {}) }
      const { value: res, commands } = await commandsDuring(app, () => app.inject(options))
      t.ok(res.statusCode >= 200 && res.statusCode < 300, `answers ${res.statusCode} ${res.body.slice(0, 200)}`)
      t.equal(commands.length, route.commands, commands.join(', '))
    })
  }
})
