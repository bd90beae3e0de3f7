import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertOnce } from '../../db/insert-once.js'
import type { CreateTopicBody, Topic } from './schemas.js'

export interface TopicDocument {
  _id: ObjectId
  clientId: ObjectId
  month: string
  product: string
  createdAt: Date
}

export interface TopicPosition { month: string, product: string }

export function toTopic (doc: TopicDocument): Topic {
  return { id: doc._id.toHexString(), month: doc.month, product: doc.product, createdAt: doc.createdAt.toISOString() }
}

/** The products-of-discussion calendar: which product each month of a client was about. */
export function createTopicsRepository (collection: Collection<TopicDocument>) {
  return {
    /** Stores a calendar entry; an earlier attempt's entry with the same `_id` is returned as stored, another for its month and product is a 409. */
    async create (clientId: ObjectId, body: CreateTopicBody, _id = new ObjectId()): Promise<TopicDocument> {
      return insertOnce(collection, { _id, clientId, month: body.month, product: body.product, createdAt: new Date() })
    },

    /** Upserts calendar entries on their natural key (month, product); returns how many were new. */
    async upsertMany (clientId: ObjectId, entries: CreateTopicBody[]): Promise<number> {
      if (entries.length === 0) return 0
      const createdAt = new Date()
      const result = await collection.bulkWrite(entries.map((entry) => ({
        updateOne: {
          filter: { clientId, month: entry.month, product: entry.product },
          update: { $setOnInsert: { _id: new ObjectId(), createdAt } },
          upsert: true
        }
      })), { ordered: false })
      return result.upsertedCount
    },

    /** The products registered for each of the given months. */
    async productsByMonth (clientId: ObjectId, months: string[]): Promise<Map<string, string[]>> {
      const docs = await collection.find({ clientId, month: { $in: [...new Set(months)] } }).sort({ month: 1, product: 1 }).toArray()
      const byMonth = new Map<string, string[]>()
      for (const doc of docs) byMonth.set(doc.month, [...(byMonth.get(doc.month) ?? []), doc.product])
      return byMonth
    },

    /** The products the client's calendar names, alphabetically: at most `limit` of them. */
    async products (clientId: ObjectId, limit = 10_000): Promise<string[]> {
      const rows = await collection.aggregate<{ _id: string }>([
        { $match: { clientId } }, { $group: { _id: '$product' } }, { $sort: { _id: 1 } }, { $limit: limit }
      ]).toArray()
      return rows.map((row) => row._id)
    },

    async list (clientId: ObjectId, { limit, after, month }: { limit: number, after?: TopicPosition, month?: string }): Promise<TopicDocument[]> {
      const filter: Filter<TopicDocument> = { clientId }
      if (month) filter.month = month
      if (after) filter.$or = [{ month: { $gt: after.month } }, { month: after.month, product: { $gt: after.product } }]
      return collection.find(filter).sort({ month: 1, product: 1 }).limit(limit).toArray()
    }
  }
}

export type TopicsRepository = ReturnType<typeof createTopicsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    topicsRepository: TopicsRepository
  }
}

export default fp(async function topicsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('topicsRepository', createTopicsRepository(app.mongo.db.collection<TopicDocument>('topics')))
}, { name: 'topics-repository', dependencies: ['mongo'] })
