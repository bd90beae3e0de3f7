import type { Db, ObjectId } from 'mongodb'
import { createEngagementsRepository, type EngagementDocument } from '../../src/domains/engagements/repository.js'
import { createCustomersRepository } from '../../src/domains/customers/repository.js'
import { createTopicsRepository, type TopicDocument } from '../../src/domains/topics/repository.js'
import { createInteractionsRepository, type InteractionDocument } from '../../src/domains/interactions/repository.js'
import { prepareInteractions, type NewInteraction } from '../../src/domains/interactions/prepare.js'
import { monthFirstToMonth, parseDayFirst, spreadsheetCustomers, spreadsheetInteractions, spreadsheetProducts } from '../interactions/spreadsheet.js'
import { generateTopboxInteractions, topboxChannels, topboxCustomers, topboxExample } from '../interactions/topbox.js'
import type { Seeder } from './types.js'

function repositories (db: Db) {
  return {
    engagements: createEngagementsRepository(db.collection<EngagementDocument>('engagements')),
    customers: createCustomersRepository(db),
    topics: createTopicsRepository(db.collection<TopicDocument>('topics')),
    interactions: createInteractionsRepository(db.collection<InteractionDocument>('interactions'))
  }
}

type Repositories = ReturnType<typeof repositories>

async function store (repos: Repositories, clientId: ObjectId, inputs: NewInteraction[]): Promise<void> {
  const docs = await prepareInteractions(repos.topics, clientId, inputs)
  await repos.interactions.upsertMany(docs)
  await repos.customers.ensureExist(clientId, docs.flatMap((doc) => (doc.customerId === undefined ? [] : [doc.customerId])))
}

/** Seed 001: channels in order of first appearance (Email, Call, Bird); customer 4 exists only through its interactions. */
async function seedSpreadsheet (repos: Repositories, clientId: ObjectId): Promise<void> {
  const source = 'spreadsheet: External interactions'
  const channels = [...new Set(spreadsheetInteractions.map((row) => row.interaction))]
  const engagements = await repos.engagements.upsertByNames(clientId, channels.map((name) => ({ name, source })))
  await repos.topics.upsertMany(clientId, spreadsheetProducts.map((row) => ({ month: monthFirstToMonth(row.date), product: row.product })))
  await repos.customers.upsertMany(clientId, spreadsheetCustomers)
  await store(repos, clientId, spreadsheetInteractions.map((row) => ({
    engagementId: engagements.get(row.interaction)!._id,
    customerId: row.customers,
    interactionDate: parseDayFirst(row.dateStart),
    custom: { 'Date Start': row.dateStart, Interaction: row.interaction, Customers: row.customers }
  })))
}

/** Seed 002: five channels, the example interaction with its exact ids, and a few hundred generated ones. */
async function seedEngagementStore (repos: Repositories, clientId: ObjectId): Promise<void> {
  const engagements = await repos.engagements.upsertByNames(clientId, topboxChannels.map((name) => ({
    name, source: 'engagement store', ...(name === topboxExample.engagement.name ? { id: topboxExample.engagement.id } : {})
  })))
  await repos.customers.upsertMany(clientId, topboxCustomers)
  const { id, engagement, ...example } = topboxExample
  await store(repos, clientId, [
    { id, engagementId: engagements.get(engagement.name)!._id, ...example },
    ...generateTopboxInteractions().map(({ channel, ...facts }) => ({ engagementId: engagements.get(channel)!._id, ...facts }))
  ])
}

export const interactionsSeeder: Seeder = {
  name: 'interactions',
  async seed ({ db, clients }) {
    const repos = repositories(db)
    await seedSpreadsheet(repos, clients.acme)
    await seedEngagementStore(repos, clients.topbox)
  }
}
