import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { ObjectId, type Collection, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertNew, insertOnce } from '../../db/insert-once.js'
import type { Interaction, SourceValue } from './schemas.js'
import { monthInstants } from '../../lib/dates.js'
import type { InstantRange } from './periods.js'
import { createInteractionStats, type InteractionStats } from './stats.js'

export type TopicSource = 'explicit' | 'calendar'

export interface InteractionDocument {
  _id: ObjectId
  clientId: ObjectId
  engagementId: ObjectId
  customerId?: number
  agentName?: string
  userId?: number
  interactionDate: Date
  sentiment?: string
  topics: string[]
  topicSource: TopicSource
  custom: Record<string, SourceValue>
  contentKey: string
  createdAt: Date
}

/** What a source says about one interaction, before topics and keys are settled. */
export interface InteractionFacts {
  engagementId: ObjectId
  customerId?: number
  agentName?: string
  userId?: number
  interactionDate: Date
  sentiment?: string
  custom?: Record<string, SourceValue>
}

export interface InteractionFilter extends InstantRange {
  engagementId?: ObjectId
  customerId?: number
  agentName?: string
  sentiment?: string
  topic?: string
}

export interface InteractionPosition { date: Date, id: ObjectId }

/**
 * The natural key of an interaction within its client: a hash of its channel, customer, date, agent, user,
 * sentiment and raw source fields. Storing the same facts twice (a re-import, a retried request) finds the first copy.
 */
export function contentKey (facts: InteractionFacts): string {
  const custom = Object.entries(facts.custom ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const material = [
    facts.engagementId.toHexString(), facts.customerId ?? null, facts.interactionDate.toISOString(),
    facts.agentName ?? null, facts.userId ?? null, facts.sentiment ?? null, custom
  ]
  return createHash('sha256').update(JSON.stringify(material)).digest('hex')
}

/** The calendar month (UTC) an interaction belongs to, YYYY-MM: the key of the products-of-discussion calendar. */
export function monthOf (date: Date): string {
  return date.toISOString().slice(0, 7)
}

export function toInteraction (doc: InteractionDocument): Interaction {
  return {
    id: doc._id.toHexString(),
    engagementId: doc.engagementId.toHexString(),
    customerId: doc.customerId ?? null,
    agentName: doc.agentName ?? null,
    userId: doc.userId ?? null,
    interactionDate: doc.interactionDate.toISOString(),
    sentiment: doc.sentiment ?? null,
    topics: doc.topics,
    topicSource: doc.topicSource,
    custom: doc.custom,
    createdAt: doc.createdAt.toISOString()
  }
}

export function interactionQuery (clientId: ObjectId, filter: InteractionFilter): Filter<InteractionDocument> {
  const query: Filter<InteractionDocument> = { clientId }
  if (filter.engagementId) query.engagementId = filter.engagementId
  if (filter.customerId !== undefined) query.customerId = filter.customerId
  if (filter.agentName !== undefined) query.agentName = filter.agentName
  if (filter.sentiment !== undefined) query.sentiment = filter.sentiment
  if (filter.topic !== undefined) query.topics = filter.topic
  if (filter.start || filter.end) {
    query.interactionDate = { ...(filter.start ? { $gte: filter.start } : {}), ...(filter.end ? { $lt: filter.end } : {}) }
  }
  return query
}

export function createInteractionsRepository (collection: Collection<InteractionDocument>) {
  const newestFirst = { interactionDate: -1, _id: -1 } as const

  return {
    /** Stores an interaction; an earlier attempt's interaction with the same `_id` is returned as stored, the same facts stored before are a 409. */
    async insert (doc: InteractionDocument): Promise<InteractionDocument> {
      return insertOnce(collection, doc)
    },

    /** Stores interactions not stored yet (natural key: clientId + contentKey); existing ones are left as they are. */
    async upsertMany (docs: InteractionDocument[]): Promise<{ inserted: number, existing: number }> {
      return insertNew(collection, docs, { index: 'clientId_contentKey_unique', fields: ['clientId', 'contentKey'] })
    },

    async findById (clientId: ObjectId, id: ObjectId): Promise<InteractionDocument | null> {
      return collection.findOne({ _id: id, clientId })
    },

    /** Newest first; `after` continues from the last item of the previous page. */
    async list (clientId: ObjectId, filter: InteractionFilter, { limit, after }: { limit: number, after?: InteractionPosition }): Promise<InteractionDocument[]> {
      const query = interactionQuery(clientId, filter)
      if (after) query.$or = [{ interactionDate: { $lt: after.date } }, { interactionDate: after.date, _id: { $lt: after.id } }]
      return collection.find(query).sort(newestFirst).limit(limit).toArray()
    },

    /** Every matching interaction, newest first, read from the database as the consumer asks for more. */
    stream (clientId: ObjectId, filter: InteractionFilter) {
      return collection.find(interactionQuery(clientId, filter)).sort(newestFirst).batchSize(500)
    },

    /** Adds a product to the calendar-derived topics of the client's interactions in that month (UTC). */
    async tagCalendarMonth (clientId: ObjectId, month: string, product: string): Promise<number> {
      const { start, end } = monthInstants(month)
      const result = await collection.updateMany(
        { clientId, topicSource: 'calendar', interactionDate: { $gte: start, $lt: end } },
        { $addToSet: { topics: product } }
      )
      return result.modifiedCount
    }
  }
}

export type InteractionsRepository = ReturnType<typeof createInteractionsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    interactionsRepository: InteractionsRepository
    interactionStats: InteractionStats
  }
}

export default fp(async function interactionsRepositoryPlugin (app: FastifyInstance) {
  const collection = app.mongo.db.collection<InteractionDocument>('interactions')
  app.decorate('interactionsRepository', createInteractionsRepository(collection))
  app.decorate('interactionStats', createInteractionStats(collection, app.mongo.db.collection('customers')))
}, { name: 'interactions-repository', dependencies: ['mongo'] })
