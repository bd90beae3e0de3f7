import type { Db, ObjectId } from 'mongodb'
import { advanceSequence } from '../../src/db/sequences.js'
import type { Seeder } from './types.js'
import { demoUserKeys, storeDemoKey, type DemoClientNick } from '../demo-clients.js'

/** The agent-chat seed's three agents (client acme) and the messenger seed's three users (client guild). */
export const demoUsers = {
  acme: [
    { userId: 1, name: 'Test User 1' },
    { userId: 2, name: 'Test User 2' },
    { userId: 3, name: 'Test User 3' }
  ],
  guild: [
    { userId: 1, name: 'aaron' },
    { userId: 2, name: 'betty' },
    { userId: 3, name: 'carol' }
  ]
} as const

async function seedUsers (db: Db, clientId: ObjectId, users: readonly { userId: number, name: string }[]): Promise<void> {
  for (const user of users) {
    await db.collection('users').updateOne(
      { clientId, userId: user.userId },
      { $setOnInsert: { clientId, userId: user.userId, name: user.name, role: 'agent', createdAt: new Date() } },
      { upsert: true }
    )
  }
  await advanceSequence(db, clientId, 'users', Math.max(...users.map((user) => user.userId)))
}

/** One agent key bound to each demo user: it acts as that user only. */
async function seedUserKeys (db: Db, clientId: ObjectId, nickName: DemoClientNick): Promise<void> {
  for (const { userId, name, key } of demoUserKeys(nickName)) await storeDemoKey(db, clientId, key, { name: `demo ${name}`, role: 'agent', userId })
}

export const usersSeeder: Seeder = {
  name: 'users',
  async seed ({ db, clients }) {
    await seedUsers(db, clients.acme, demoUsers.acme)
    await seedUsers(db, clients.guild, demoUsers.guild)
    await seedUserKeys(db, clients.acme, 'acme')
    await seedUserKeys(db, clients.guild, 'guild')
  }
}
