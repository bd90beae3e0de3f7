import { ObjectId, type Db } from 'mongodb'
import { hashKey } from '../src/domains/clients/api-keys-repository.js'
import type { Role } from '../src/domains/clients/schemas.js'

/** One demo client per source system, so each seed's figures stand on their own. */
export const demoClients = [
  { nickName: 'acme', name: 'Acme Contact Centre', about: 'agents, chats and customer interactions (seeds 000, 001, 003)' },
  { nickName: 'topbox', name: 'Topbox Demo', about: 'the engagement store example interaction (seed 002)' },
  { nickName: 'guild', name: 'Guild Messenger', about: 'users aaron, betty, carol and "my chatroom" (seed 004)' }
] as const

export type DemoClientNick = typeof demoClients[number]['nickName']
export const demoRoles: Role[] = ['admin', 'manager', 'agent']

/** Demo keys are fixed so the README's examples work; demo data is never loaded in production. */
export function demoKey (nickName: DemoClientNick, role: Role): string {
  return `sb_demo_${nickName}_${role}`
}

export interface DemoClient { id: ObjectId, nickName: DemoClientNick, name: string, about: string, keys: Record<Role, string> }

/** Creates the demo clients and their keys if missing; returns them with their ids. */
export async function seedDemoClients (db: Db): Promise<DemoClient[]> {
  const seeded: DemoClient[] = []
  for (const client of demoClients) {
    const saved = await db.collection('clients').findOneAndUpdate(
      { nickName: client.nickName },
      { $setOnInsert: { name: client.name, nickName: client.nickName, createdAt: new Date() } },
      { upsert: true, returnDocument: 'after' }
    )
    const id = saved?._id as ObjectId
    const keys = {} as Record<Role, string>
    for (const role of demoRoles) {
      const key = demoKey(client.nickName, role)
      keys[role] = key
      await db.collection('apiKeys').updateOne(
        { hash: hashKey(key) },
        { $setOnInsert: { clientId: id, name: `demo ${role}`, role, hash: hashKey(key), prefix: key.slice(0, 10), createdAt: new Date() } },
        { upsert: true }
      )
    }
    seeded.push({ id, nickName: client.nickName, name: client.name, about: client.about, keys })
  }
  return seeded
}
