import type { App } from '../../../src/app.js'
import { bearer, createTenant, type Tenant } from '../../helper.js'

export interface ChatBody { id: number, customerName: string, state: string, userId: number | null, createdAt: string, handleStart: string | null, handleEnd: string | null }

/** A client with two agents (users 1 and 2) and helpers to drive its chats through the API. */
export async function chatTenant (app: App) {
  const tenant: Tenant = await createTenant(app)
  const headers = bearer(tenant.keys.agent)
  const agent = await app.usersRepository.create(tenant.id, { name: 'Agent One', role: 'agent' })
  const otherAgent = await app.usersRepository.create(tenant.id, { name: 'Agent Two', role: 'agent' })

  async function openChat (customerName = 'Customer'): Promise<ChatBody> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/chats', headers, payload: { customerName } })
    if (res.statusCode !== 201) throw new Error(`creating a chat answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  async function assign (chatId: number, userId = agent.userId): Promise<ChatBody> {
    const res = await app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/assign`, headers, payload: { userId } })
    if (res.statusCode !== 200) throw new Error(`assigning chat ${chatId} answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  async function close (chatId: number): Promise<ChatBody> {
    const res = await app.inject({ method: 'POST', url: `/api/v1/chats/${chatId}/close`, headers })
    if (res.statusCode !== 200) throw new Error(`closing chat ${chatId} answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  return { tenant, headers, agent: agent.userId, otherAgent: otherAgent.userId, openChat, assign, close }
}

export function countMessages (app: App): Promise<number> {
  return app.mongo.db.collection('messages').countDocuments()
}
