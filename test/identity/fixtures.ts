import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Document, ObjectId } from 'mongodb'
import type { App } from '../../src/app.js'
import type { Role } from '../../src/domains/clients/schemas.js'
import { bearer, createTenant, type Tenant } from '../helper.js'

/** Users of the identity tenant: A (ann) holds the bound keys under test, B (bob) is the other user, C (cy) a third. */
export const A = 1
export const B = 2
export const C = 3

export interface BoundKey { key: string, id: ObjectId }

export interface IdentityTenant extends Tenant {
  app: App
  /** Keys bound to A (agent and manager roles) and to B (agent). */
  bound: { a: BoundKey, aManager: BoundKey, b: BoundKey }
  /** Integration keys' ids by role. */
  integrationIds: Record<Role, ObjectId>
  /** Room `ours` has A and B; room `bobs` has B and C, not A. */
  rooms: { ours: number, bobs: number }
  /** A new room with A and B. */
  newRoom(): Promise<number>
  queuedChat(): Promise<number>
  /** A new chat, open with `agent` as its agent. */
  openChat(agent: number): Promise<number>
}

async function bindKey (app: App, clientId: ObjectId, role: Role, userId: number): Promise<BoundKey> {
  const { doc, key } = await app.apiKeysRepository.create(clientId, `user ${userId} ${role}`, role, { userId })
  return { key, id: doc._id }
}

/** A client with users A, B, C, keys bound to A and B, integration keys of every role, two rooms and some direct messages. */
export async function identityTenant (app: App, nickName: string): Promise<IdentityTenant> {
  const tenant = await createTenant(app, nickName)
  for (const name of ['ann', 'bob', 'cy']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const bound = { a: await bindKey(app, tenant.id, 'agent', A), aManager: await bindKey(app, tenant.id, 'manager', A), b: await bindKey(app, tenant.id, 'agent', B) }
  const integrationIds = {} as Record<Role, ObjectId>
  for (const doc of await app.apiKeysRepository.list(tenant.id)) if (doc.userId === undefined) integrationIds[doc.role] = doc._id
  const room = async (memberIds: number[]) => (await app.chatroomsRepository.create(tenant.id, { name: `room of ${memberIds.join('+')}`, createdBy: memberIds[0] as number, memberIds })).chatroomId
  const rooms = { ours: await room([A, B]), bobs: await room([B, C]) }
  for (const [senderId, recipientId] of [[C, B], [A, B], [B, A]] as const) {
    await app.directMessagesRepository.send(tenant.id, { senderId, recipientId, text: `from ${senderId} to ${recipientId}`, createdByKeyId: integrationIds.admin })
  }
  const queuedChat = async () => (await app.chatsRepository.create(tenant.id, 'A customer')).chatId
  return {
    ...tenant,
    app,
    bound,
    integrationIds,
    rooms,
    newRoom: () => room([A, B]),
    queuedChat,
    async openChat (agent) {
      const chatId = await queuedChat()
      await app.chatsRepository.assignQueued(tenant.id, chatId, agent, new Date(Date.now() - 1000))
      return chatId
    }
  }
}

/** Everything a client owns, as one digest: a refused call must leave it unchanged. */
export async function clientDigest (app: App, clientId: ObjectId): Promise<string> {
  const hash = createHash('sha256')
  const names = (await app.mongo.db.listCollections({}, { nameOnly: true }).toArray()).map(({ name }) => name).sort()
  for (const name of names.filter((name) => name !== 'idempotencyKeys' && name !== 'migrations')) {
    const docs: Document[] = await app.mongo.db.collection(name).find(name === 'clients' ? { _id: clientId } : { clientId }).sort({ _id: 1 }).toArray()
    hash.update(`${name}:${JSON.stringify(docs)}`)
  }
  return hash.digest('hex')
}

export interface Call { method: 'GET' | 'POST' | 'PUT', url: string, payload?: object }
export interface Answer { statusCode: number, body: string }

/** Sends a call with a key: through `inject`, or for an event stream over a real socket, reading only the status line. */
export async function send (app: App, call: Call, key: string, stream: boolean): Promise<Answer> {
  if (!stream) {
    const res = await app.inject({ method: call.method, url: call.url, headers: bearer(key), ...(call.payload ? { payload: call.payload } : {}) })
    return { statusCode: res.statusCode, body: res.body }
  }
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' })
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 10_000)
  try {
    const res = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}${call.url}`, { headers: bearer(key), signal: controller.signal })
    const body = res.status === 200 ? '' : await res.text()
    return { statusCode: res.status, body }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}
