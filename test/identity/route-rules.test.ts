import t from 'tap'
import { buildTestApp } from '../helper.js'
import { listOperations } from '../hardening/openapi-requests.js'
import { A, B, C, clientDigest, identityTenant, send, type Call, type IdentityTenant } from './fixtures.js'

type Build = (ctx: IdentityTenant) => Promise<Call> | Call

/**
 * The identity rule of a route:
 * - `messenger`: private to its users. A key bound to A acts as A; the `other` calls (as B, or into B's data) are 403;
 *   integration keys need the admin role (agent and manager: 403) and name the user.
 * - `client records`: no user acts or is read (the `reason` says why), so every key of the client may call it.
 * - `chat agent`: a bound key acts as its user; the `other` calls (naming or acting on B) are 403; integration keys
 *   keep the seed-000 contract (every role names the agent).
 * - `manager statistics`: client-wide figures or views for the manager role (A's manager-bound key, manager and admin keys).
 * - `client admin`: the client administrator's (creating users): the admin role, bound or not; A's agent- and
 *   manager-bound keys are 403, and so are the agent and manager integration keys.
 */
type Rule =
  | { rule: 'messenger', self: Build, other: Build[], named: Build, selfSees?: { only: string, check: (ctx: IdentityTenant, body: { data: Record<string, unknown>[] }) => boolean } }
  | { rule: 'client records', reason: string, self: Build, named: Build }
  | { rule: 'chat agent', self: Build, other: Build[], named: Build }
  | { rule: 'manager statistics', reason: string, self: Build, named: Build }
  | { rule: 'client admin', reason: string, self: Build, named: Build }

const text = 'hello'
const rules: Record<string, Rule> = {
  'POST /api/v1/direct-messages': {
    rule: 'messenger',
    self: () => ({ method: 'POST', url: '/api/v1/direct-messages', payload: { recipientId: B, text } }),
    other: [() => ({ method: 'POST', url: '/api/v1/direct-messages', payload: { senderId: B, recipientId: A, text } })],
    named: () => ({ method: 'POST', url: '/api/v1/direct-messages', payload: { senderId: A, recipientId: B, text } })
  },
  'GET /api/v1/users/{userId}/direct-messages': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: `/api/v1/users/${A}/direct-messages` }),
    selfSees: { only: 'the messages A received', check: (_ctx, body) => body.data.length > 0 && body.data.every((message) => message.recipientId === A) },
    other: [() => ({ method: 'GET', url: `/api/v1/users/${B}/direct-messages` }), () => ({ method: 'GET', url: `/api/v1/users/${B}/direct-messages?senderId=${A}` })],
    named: () => ({ method: 'GET', url: `/api/v1/users/${A}/direct-messages` })
  },
  'POST /api/v1/chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'POST', url: '/api/v1/chatrooms', payload: { name: 'mine', memberIds: [B] } }),
    other: [() => ({ method: 'POST', url: '/api/v1/chatrooms', payload: { name: 'as bob', createdBy: B } })],
    named: () => ({ method: 'POST', url: '/api/v1/chatrooms', payload: { name: 'for ann', createdBy: A } })
  },
  'GET /api/v1/chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: '/api/v1/chatrooms' }),
    other: [],
    selfSees: {
      only: 'A\'s own rooms, not B\'s',
      check: (ctx, body) => body.data.some((room) => room.id === ctx.rooms.ours) && !body.data.some((room) => room.id === ctx.rooms.bobs)
    },
    named: () => ({ method: 'GET', url: '/api/v1/chatrooms' })
  },
  'GET /api/v1/chatrooms/{chatroomId}': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}` }),
    other: [(ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}` })],
    named: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}` })
  },
  'POST /api/v1/chatrooms/{chatroomId}/members': {
    rule: 'messenger',
    self: async (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${await ctx.newRoom()}/members`, payload: { userIds: [3] } }),
    other: [
      (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.ours}/members`, payload: { invitedBy: B, userIds: [3] } }),
      (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/members`, payload: { userIds: [A] } })
    ],
    named: async (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${await ctx.newRoom()}/members`, payload: { invitedBy: A, userIds: [3] } })
  },
  'GET /api/v1/chatrooms/{chatroomId}/members': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/members` }),
    other: [(ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/members` })],
    named: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/members` })
  },
  'GET /api/v1/users/{userId}/chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: `/api/v1/users/${A}/chatrooms` }),
    other: [() => ({ method: 'GET', url: `/api/v1/users/${B}/chatrooms` })],
    named: () => ({ method: 'GET', url: `/api/v1/users/${A}/chatrooms` })
  },
  'POST /api/v1/chatrooms/{chatroomId}/messages': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, payload: { text } }),
    other: [
      (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, payload: { senderId: B, text } }),
      (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/messages`, payload: { text } })
    ],
    named: (ctx) => ({ method: 'POST', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages`, payload: { senderId: A, text } })
  },
  'GET /api/v1/chatrooms/{chatroomId}/messages': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages` }),
    other: [
      (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages?userId=${B}` }),
      (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/messages` }),
      (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/messages?userId=${B}` })
    ],
    named: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/messages?userId=${A}` })
  },
  'POST /chatrooms/{chatroom_id}/messages': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'POST', url: `/chatrooms/${ctx.rooms.ours}/messages`, payload: { data: [{ message_str: text, message_sent_ts: 1637029963 }] } }),
    other: [
      (ctx) => ({ method: 'POST', url: `/chatrooms/${ctx.rooms.ours}/messages`, payload: { data: [{ message_str: text, message_sent_ts: 1637029963, sender_user_id: A }, { message_str: text, message_sent_ts: 1637029963, sender_user_id: B }] } }),
      (ctx) => ({ method: 'POST', url: `/chatrooms/${ctx.rooms.bobs}/messages`, payload: { data: [{ message_str: text, message_sent_ts: 1637029963 }] } })
    ],
    named: (ctx) => ({ method: 'POST', url: `/chatrooms/${ctx.rooms.ours}/messages`, payload: { data: [{ message_str: text, message_sent_ts: 1637029963, sender_user_id: A }] } })
  },
  'GET /chatrooms/{chatroom_id}/messages': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages` }),
    other: [
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages?user_id=${B}` }),
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}/messages` }),
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}/messages?user_id=${B}` })
    ],
    named: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages?user_id=${A}` })
  },
  'GET /chatrooms/{chatroom_id}/messages/{sender_user_id}': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages/${B}` }),
    other: [
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages/${A}?user_id=${B}` }),
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}/messages/${B}` }),
      (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}/messages/${C}?user_id=${B}` })
    ],
    named: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}/messages/${B}?user_id=${A}` })
  },
  'GET /chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: '/chatrooms' }),
    other: [],
    selfSees: {
      only: 'A\'s own rooms, not B\'s',
      check: (ctx, body) => body.data.some((room) => room.chatroom_id === ctx.rooms.ours) && !body.data.some((room) => room.chatroom_id === ctx.rooms.bobs)
    },
    named: () => ({ method: 'GET', url: '/chatrooms' })
  },
  'POST /chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'POST', url: '/chatrooms', payload: { name: 'mine', member_user_ids: [B] } }),
    other: [() => ({ method: 'POST', url: '/chatrooms', payload: { name: 'as bob', created_by_user_id: B } })],
    named: () => ({ method: 'POST', url: '/chatrooms', payload: { name: 'for ann', created_by_user_id: A } })
  },
  'GET /chatrooms/{chatroom_id}': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.ours}` }),
    other: [(ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}` })],
    named: (ctx) => ({ method: 'GET', url: `/chatrooms/${ctx.rooms.bobs}` })
  },
  'POST /chatrooms/invite': {
    rule: 'messenger',
    self: async (ctx) => ({ method: 'POST', url: '/chatrooms/invite', payload: { chatroom_id: await ctx.newRoom(), user_ids: [C] } }),
    other: [
      (ctx) => ({ method: 'POST', url: '/chatrooms/invite', payload: { chatroom_id: ctx.rooms.ours, user_ids: [C], invited_by_user_id: B } }),
      (ctx) => ({ method: 'POST', url: '/chatrooms/invite', payload: { chatroom_id: ctx.rooms.bobs, user_ids: [A] } })
    ],
    named: async (ctx) => ({ method: 'POST', url: '/chatrooms/invite', payload: { chatroom_id: await ctx.newRoom(), user_ids: [C], invited_by_user_id: A } })
  },
  'GET /users': {
    rule: 'client records',
    reason: 'the client\'s user directory (names, roles, statuses) is shared within the client',
    self: () => ({ method: 'GET', url: '/users' }),
    named: () => ({ method: 'GET', url: '/users' })
  },
  'POST /users': {
    rule: 'client admin',
    reason: 'creating users is the client administrator\'s; no user acts',
    self: () => ({ method: 'POST', url: '/users', payload: { name: 'dee' } }),
    named: () => ({ method: 'POST', url: '/users', payload: { name: 'dee' } })
  },
  'GET /users/{user_id}/chatrooms': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: `/users/${A}/chatrooms` }),
    other: [() => ({ method: 'GET', url: `/users/${B}/chatrooms` })],
    named: () => ({ method: 'GET', url: `/users/${A}/chatrooms` })
  },
  'PUT /api/v1/users/{userId}/status': {
    rule: 'messenger',
    self: () => ({ method: 'PUT', url: `/api/v1/users/${A}/status`, payload: { state: 'busy', text: 'on a call' } }),
    other: [() => ({ method: 'PUT', url: `/api/v1/users/${B}/status`, payload: { state: 'away' } })],
    named: () => ({ method: 'PUT', url: `/api/v1/users/${A}/status`, payload: { state: 'online' } })
  },
  'GET /api/v1/users/{userId}/status': {
    rule: 'client records',
    reason: 'statuses are shared within the client: everyone reads everyone\'s',
    self: () => ({ method: 'GET', url: `/api/v1/users/${B}/status` }),
    named: () => ({ method: 'GET', url: `/api/v1/users/${B}/status` })
  },
  'GET /api/v1/user-statuses/events': {
    rule: 'client records',
    reason: 'statuses are shared within the client: everyone may listen',
    self: () => ({ method: 'GET', url: '/api/v1/user-statuses/events' }),
    named: () => ({ method: 'GET', url: '/api/v1/user-statuses/events' })
  },
  'GET /api/v1/users/{userId}/events': {
    rule: 'messenger',
    self: () => ({ method: 'GET', url: `/api/v1/users/${A}/events` }),
    other: [() => ({ method: 'GET', url: `/api/v1/users/${B}/events` })],
    named: () => ({ method: 'GET', url: `/api/v1/users/${A}/events` })
  },
  'GET /api/v1/chatrooms/{chatroomId}/events': {
    rule: 'messenger',
    self: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/events` }),
    other: [
      (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/events?userId=${B}` }),
      (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.bobs}/events` })
    ],
    named: (ctx) => ({ method: 'GET', url: `/api/v1/chatrooms/${ctx.rooms.ours}/events?userId=${A}` })
  },
  'POST /api/v1/chats': {
    rule: 'client records',
    reason: 'a chat opens for a customer; no user acts',
    self: () => ({ method: 'POST', url: '/api/v1/chats', payload: { customerName: 'Jim' } }),
    named: () => ({ method: 'POST', url: '/api/v1/chats', payload: { customerName: 'Jim' } })
  },
  'GET /api/v1/chats': {
    rule: 'client records',
    reason: 'chats are the client\'s records, not a user\'s private data (userId is a filter)',
    self: () => ({ method: 'GET', url: `/api/v1/chats?userId=${B}` }),
    named: () => ({ method: 'GET', url: `/api/v1/chats?userId=${B}` })
  },
  'GET /api/v1/chats/{chatId}': {
    rule: 'client records',
    reason: 'chats are the client\'s records',
    self: async (ctx) => ({ method: 'GET', url: `/api/v1/chats/${await ctx.openChat(B)}` }),
    named: async (ctx) => ({ method: 'GET', url: `/api/v1/chats/${await ctx.openChat(B)}` })
  },
  'GET /api/v1/chats/{chatId}/messages': {
    rule: 'client records',
    reason: 'chats are the client\'s records',
    self: async (ctx) => ({ method: 'GET', url: `/api/v1/chats/${await ctx.openChat(B)}/messages` }),
    named: async (ctx) => ({ method: 'GET', url: `/api/v1/chats/${await ctx.openChat(B)}/messages` })
  },
  'POST /api/v1/chats/{chatId}/assign': {
    rule: 'chat agent',
    self: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.queuedChat()}/assign`, payload: {} }),
    other: [
      async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.queuedChat()}/assign`, payload: { userId: B } }),
      async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(B)}/assign`, payload: { userId: A } })
    ],
    named: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.queuedChat()}/assign`, payload: { userId: A } })
  },
  'POST /api/v1/chats/{chatId}/close': {
    rule: 'chat agent',
    self: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(A)}/close` }),
    other: [async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(B)}/close` })],
    named: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(A)}/close` })
  },
  'POST /api/v1/chats/{chatId}/messages': {
    rule: 'chat agent',
    self: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(A)}/messages`, payload: { text } }),
    other: [
      async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(B)}/messages`, payload: { text, userId: B } }),
      async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(A)}/messages`, payload: { text, userId: B } })
    ],
    named: async (ctx) => ({ method: 'POST', url: `/api/v1/chats/${await ctx.openChat(A)}/messages`, payload: { text, userId: A } })
  },
  'POST /chats/{chat_id}/messages': {
    rule: 'chat agent',
    self: async (ctx) => ({ method: 'POST', url: `/chats/${await ctx.openChat(A)}/messages`, payload: { text } }),
    other: [
      async (ctx) => ({ method: 'POST', url: `/chats/${await ctx.openChat(B)}/messages`, payload: { text, user_id: B } }),
      async (ctx) => ({ method: 'POST', url: `/chats/${await ctx.openChat(A)}/messages`, payload: { text, user_id: B } })
    ],
    named: async (ctx) => ({ method: 'POST', url: `/chats/${await ctx.openChat(A)}/messages`, payload: { text, user_id: A } })
  },
  'GET /api/v1/chats/events': {
    rule: 'chat agent',
    self: () => ({ method: 'GET', url: '/api/v1/chats/events' }),
    other: [() => ({ method: 'GET', url: `/api/v1/chats/events?userId=${B}` })],
    named: () => ({ method: 'GET', url: `/api/v1/chats/events?userId=${A}` })
  },
  'GET /api/v1/chats/queue/events': {
    rule: 'manager statistics',
    reason: 'the client\'s chat queue, for managers; no user acts',
    self: () => ({ method: 'GET', url: '/api/v1/chats/queue/events' }),
    named: () => ({ method: 'GET', url: '/api/v1/chats/queue/events' })
  },
  'GET /users/performance': {
    rule: 'manager statistics',
    reason: 'client-wide figures of every user, for managers; no user acts',
    self: () => ({ method: 'GET', url: '/users/performance' }),
    named: () => ({ method: 'GET', url: '/users/performance' })
  }
}

/** What the integration keys of each role get from a rule's `named` call. */
const integrationStatus: Record<Rule['rule'], Record<'agent' | 'manager' | 'admin', 'ok' | 403>> = {
  messenger: { agent: 403, manager: 403, admin: 'ok' },
  'client records': { agent: 'ok', manager: 'ok', admin: 'ok' },
  'chat agent': { agent: 'ok', manager: 'ok', admin: 'ok' },
  'manager statistics': { agent: 403, manager: 'ok', admin: 'ok' },
  'client admin': { agent: 403, manager: 403, admin: 'ok' }
}

t.test('every messenger and chat route of the OpenAPI document follows its identity rule', async (t) => {
  const app = await buildTestApp(t)
  const ctx = await identityTenant(app, 'identity')
  // An admin key bound to A, for the client administrator's routes (a bound key may manage the client as its role allows).
  const aAdminKey = (await app.apiKeysRepository.create(ctx.id, 'ann admin', 'admin', { userId: A })).key
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const operations = listOperations(doc).filter((operation) => {
    const tags: string[] = doc.paths[operation.path][operation.method.toLowerCase()].tags ?? []
    return tags.includes('messenger') || tags.includes('chats')
  })
  t.same(operations.map((operation) => `${operation.method} ${operation.path}`).sort(), Object.keys(rules).sort(),
    'the table has a rule for exactly the documented messenger and chat routes (a new route needs one)')

  const undocumented = operations.filter((operation) => !/Identity: /.test(doc.paths[operation.path][operation.method.toLowerCase()].description ?? ''))
  t.same(undocumented.map((operation) => `${operation.method} ${operation.path}`), [], 'every one of them states its identity rule in the API docs')

  const ok = (status: number) => status >= 200 && status < 300
  for (const operation of operations) {
    const name = `${operation.method} ${operation.path}`
    const rule = rules[name]
    if (!rule) continue
    const call = async (build: Build, key: string) => send(app, await build(ctx), key, operation.streams)
    const refused = async (build: Build, key: string, label: string, statuses: number[]) => {
      const planned = await build(ctx)
      const before = await clientDigest(app, ctx.id)
      const res = await send(app, planned, key, operation.streams)
      t.ok(statuses.includes(res.statusCode), `${name} ${label} (${planned.method} ${planned.url} ${JSON.stringify(planned.payload ?? '')}): ${statuses.join(' or ')}, got ${res.statusCode} ${res.body.slice(0, 200)}`)
      t.equal(await clientDigest(app, ctx.id), before, `${name} ${label}: nothing stored or changed`)
    }

    const selfKey = rule.rule === 'manager statistics' ? ctx.bound.aManager.key : rule.rule === 'client admin' ? aAdminKey : ctx.bound.a.key
    const self = await call(rule.self, selfKey)
    t.ok(ok(self.statusCode), `${name}: the key bound to A acts as A (${self.statusCode} ${self.body.slice(0, 200)})`)
    if ('selfSees' in rule && rule.selfSees) t.ok(rule.selfSees.check(ctx, JSON.parse(self.body)), `${name}: A's key sees ${rule.selfSees.only}`)
    if (rule.rule === 'manager statistics' || rule.rule === 'client admin') await refused(rule.self, ctx.bound.a.key, 'with A\'s agent-role key', [403])
    if (rule.rule === 'client admin') await refused(rule.self, ctx.bound.aManager.key, 'with A\'s manager-role key', [403])
    if ('other' in rule) {
      for (const [index, other] of rule.other.entries()) await refused(other, ctx.bound.a.key, `as or into user B (#${index + 1})`, [403, 404])
    }
    for (const role of ['agent', 'manager', 'admin'] as const) {
      const expected = integrationStatus[rule.rule][role]
      if (expected === 'ok') {
        const res = await call(rule.named, ctx.keys[role])
        t.ok(ok(res.statusCode), `${name}: the ${role} integration key succeeds (${res.statusCode} ${res.body.slice(0, 200)})`)
      } else {
        await refused(rule.named, ctx.keys[role], `with the ${role} integration key`, [expected])
      }
    }
  }
})
