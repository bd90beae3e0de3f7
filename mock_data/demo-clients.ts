import { ObjectId, type Db } from 'mongodb'
import { hashKey } from '../src/domains/clients/api-keys-repository.js'
import type { Role } from '../src/domains/clients/schemas.js'
import { demoUsers } from './seeders/users.js'

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

/** A demo key bound to one demo user (agent role): it acts as that user only. */
export interface DemoUserKey { userId: number, name: string, key: string }

/** `sb_demo_guild_aaron`, `sb_demo_acme_user1`: one bound key per demo user of the client (acme's users are "Test User N"). */
export function demoUserKey (nickName: DemoClientNick, user: { userId: number, name: string }): string {
  return `sb_demo_${nickName}_${/^Test User \d+$/.test(user.name) ? `user${user.userId}` : user.name}`
}

export function demoUserKeys (nickName: DemoClientNick): DemoUserKey[] {
  const users: readonly { userId: number, name: string }[] = nickName in demoUsers ? demoUsers[nickName as keyof typeof demoUsers] : []
  return users.map((user) => ({ userId: user.userId, name: user.name, key: demoUserKey(nickName, user) }))
}

/** The stored id of a client's demo key, for what the seeders store "as created by" it. */
export async function demoKeyId (db: Db, clientId: ObjectId, key: string): Promise<ObjectId> {
  const stored = await db.collection('apiKeys').findOne({ hash: hashKey(key), clientId }, { projection: { _id: 1 } })
  if (!stored) throw new Error(`demo key ${key} is not stored for client ${clientId.toHexString()}: seed its keys first`)
  return stored._id
}

export interface DemoClient {
  id: ObjectId
  nickName: DemoClientNick
  name: string
  about: string
  keys: Record<Role, string>
  /** Keys bound to the client's demo users (stored with the users, by the users seeder). */
  userKeys: DemoUserKey[]
}

/** Stores a demo key unless it is stored already (demo keys are fixed strings). */
export async function storeDemoKey (db: Db, clientId: ObjectId, key: string, fields: { name: string, role: Role, userId?: number }): Promise<void> {
  await db.collection('apiKeys').updateOne(
    { hash: hashKey(key) },
    { $setOnInsert: { clientId, ...fields, hash: hashKey(key), prefix: key.slice(0, 10), createdAt: new Date() } },
    { upsert: true }
  )
}

/** Creates the demo clients and their integration keys (one per role) if missing; returns them with their ids. */
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
      keys[role] = demoKey(client.nickName, role)
      await storeDemoKey(db, id, keys[role], { name: `demo ${role}`, role })
    }
    seeded.push({ id, nickName: client.nickName, name: client.name, about: client.about, keys, userKeys: demoUserKeys(client.nickName) })
  }
  return seeded
}
