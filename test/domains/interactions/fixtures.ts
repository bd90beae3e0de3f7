import type { App } from '../../../src/app.js'
import { createTenant, type Tenant } from '../../helper.js'
import { interactionsSeeder } from '../../../mock_data/seeders/interactions.js'

export interface SeededTenants { acme: Tenant, topbox: Tenant, empty: Tenant }

/** Two tenants loaded with the interaction seeder (spreadsheet data, engagement-store data) and one with nothing. */
export async function seedTenants (app: App): Promise<SeededTenants> {
  const acme = await createTenant(app)
  const topbox = await createTenant(app)
  const empty = await createTenant(app)
  await interactionsSeeder.seed({ db: app.mongo.db, clients: { acme: acme.id, topbox: topbox.id, guild: empty.id } })
  return { acme, topbox, empty }
}

/** How many documents each collection of the domain holds, to prove a rejection stored nothing. */
export async function counts (app: App): Promise<Record<string, number>> {
  const names = ['engagements', 'interactions', 'customers', 'topics']
  const values = await Promise.all(names.map((name) => app.mongo.db.collection(name).countDocuments()))
  return Object.fromEntries(names.map((name, index) => [name, values[index]!]))
}
