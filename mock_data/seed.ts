import type { Db } from 'mongodb'
import { seedDemoClients, type DemoClient, type DemoClientNick } from './demo-clients.js'
import { seeders } from './seeders/index.js'

export type SeedProgress = (done: number, total: number, step: string) => void

/** Loads all demo data (idempotent): the demo clients and keys, then every domain's seeder. */
export async function seedDemo (db: Db, progress: SeedProgress = () => {}): Promise<DemoClient[]> {
  const total = seeders.length + 1
  progress(0, total, 'demo clients and keys')
  const clients = await seedDemoClients(db)
  const ids = Object.fromEntries(clients.map((client) => [client.nickName, client.id])) as Record<DemoClientNick, DemoClient['id']>
  for (const [index, seeder] of seeders.entries()) {
    progress(index + 1, total, seeder.name)
    await seeder.seed({ db, clients: ids })
  }
  progress(total, total, 'done')
  return clients
}

/** The lines printed once at start-up so a person can try the API straight away. */
export function describeDemoClients (clients: DemoClient[]): string {
  return clients.map((client) =>
    `  ${client.nickName.padEnd(7)} ${client.name} — ${client.about}\n` +
    `          admin: ${client.keys.admin}   manager: ${client.keys.manager}   agent: ${client.keys.agent}` +
    (client.userKeys.length === 0
      ? ''
      : `\n          bound to a user: ${client.userKeys.map((user) => `${user.userId} ${user.name}: ${user.key}`).join('   ')}`)
  ).join('\n')
}
