import type { App } from '../../../src/app.js'
import { bearer, createTenant, type Tenant } from '../../helper.js'

/**
 * A client whose figures are worked out by hand in client-stats.test.ts.
 *
 * Channels, in creation order: Email, Call, Chat (Chat has no interaction).
 * Customers: 1 Gold, 2 Silver, 3 Gold (no interaction), 5 recorded without a type, 6 Bronze (no interaction),
 * 7 inferred (only an interaction names it).
 * Products calendar: 2023-12 Kites (no interaction that month), 2024-01 Boat, 2024-02 Sand.
 *
 * | label | channel | customer | instant (UTC)       | topics                          |
 * |-------|---------|----------|---------------------|---------------------------------|
 * | a     | Email   | 1        | 2024-01-10 10:00    | calendar: Boat                  |
 * | b     | Call    | 1        | 2024-01-20 10:00    | explicit: Sand, Boat            |
 * | c     | Email   | 2        | 2024-02-05 10:00    | calendar: Sand                  |
 * | d     | Email   | 7        | 2024-02-06 10:00    | explicit: none                  |
 * | e     | Call    | 7        | 2024-02-29 23:30    | calendar: Sand (1 March in Tokyo) |
 * | f     | Call    | none     | 2024-02-10 10:00    | explicit: Refunds               |
 * | g     | Email   | 5        | 2024-03-15 10:00    | calendar: none (no product)     |
 */
export const handFacts = [
  { label: 'a', channel: 'Email', customerId: 1, at: '2024-01-10T10:00:00Z' },
  { label: 'b', channel: 'Call', customerId: 1, at: '2024-01-20T10:00:00Z', topics: ['Sand', 'Boat'] },
  { label: 'c', channel: 'Email', customerId: 2, at: '2024-02-05T10:00:00Z' },
  { label: 'd', channel: 'Email', customerId: 7, at: '2024-02-06T10:00:00Z', topics: [] },
  { label: 'e', channel: 'Call', customerId: 7, at: '2024-02-29T23:30:00Z' },
  { label: 'f', channel: 'Call', at: '2024-02-10T10:00:00Z', topics: ['Refunds'] },
  { label: 'g', channel: 'Email', customerId: 5, at: '2024-03-15T10:00:00Z' }
]

export interface HandClient { tenant: Tenant, channels: Record<string, string> }

async function post (app: App, key: string, url: string, payload: object): Promise<{ id?: string }> {
  const res = await app.inject({ method: 'POST', url, payload, headers: bearer(key) })
  if (res.statusCode !== 201) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** Stores the client above through the API. */
export async function handClient (app: App): Promise<HandClient> {
  const tenant = await createTenant(app)
  const key = tenant.keys.manager
  const channels: Record<string, string> = {}
  for (const name of ['Email', 'Call', 'Chat']) channels[name] = (await post(app, key, '/api/v1/engagements', { name })).id!
  for (const customer of [{ customerId: 1, type: 'Gold' }, { customerId: 2, type: 'Silver' }, { customerId: 3, type: 'Gold' }, { customerId: 5, occupation: 'Pilot' }, { customerId: 6, type: 'Bronze' }]) {
    await post(app, key, '/api/v1/customers', customer)
  }
  for (const [month, product] of [['2023-12', 'Kites'], ['2024-01', 'Boat'], ['2024-02', 'Sand']]) await post(app, key, '/api/v1/topics', { month, product })
  for (const { label, channel, at, ...rest } of handFacts) {
    await post(app, tenant.keys.agent, '/api/v1/interactions', { engagementId: channels[channel], interactionDate: at, custom: { label }, ...rest })
  }
  return { tenant, channels }
}

/** Another client with look-alike data (customer 1 Gold, an Email channel, a February product): none of it may show in the first one's figures. */
export async function neighbourClient (app: App): Promise<Tenant> {
  const tenant = await createTenant(app)
  const key = tenant.keys.manager
  const email = (await post(app, key, '/api/v1/engagements', { name: 'Email' })).id!
  await post(app, key, '/api/v1/customers', { customerId: 1, type: 'Gold' })
  await post(app, key, '/api/v1/customers', { customerId: 9, type: 'Platinum' })
  await post(app, key, '/api/v1/topics', { month: '2024-02', product: 'Secret' })
  for (const [customerId, at] of [[1, '2024-02-01T09:00:00Z'], [1, '2024-02-02T09:00:00Z'], [9, '2024-02-03T09:00:00Z'], [8, '2024-01-15T09:00:00Z']] as const) {
    await post(app, tenant.keys.agent, '/api/v1/interactions', { engagementId: email, customerId, interactionDate: at })
  }
  return tenant
}
