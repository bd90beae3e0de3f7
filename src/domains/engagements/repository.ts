import fp from 'fastify-plugin'
import { ObjectId, type Collection } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertOnce } from '../../db/insert-once.js'
import type { CreateEngagementBody, Engagement } from './schemas.js'

export interface EngagementDocument {
  _id: ObjectId
  clientId: ObjectId
  name: string
  source?: string
  createdAt: Date
}

export interface EngagementPosition { createdAt: Date, id: ObjectId }

export function toEngagement (doc: EngagementDocument): Engagement {
  return { id: doc._id.toHexString(), name: doc.name, source: doc.source ?? null, createdAt: doc.createdAt.toISOString() }
}

/** The most channels one client can have; the zero-filled statistics list them all. */
export const MAX_ENGAGEMENTS = 1000

/** Channels are listed in creation order (first appearance in the source data), ties broken by id. */
export function createEngagementsRepository (collection: Collection<EngagementDocument>) {
  return {
    /**
     * Stores a channel; an earlier attempt's channel with the same `_id` is returned as stored, another with its name is
     * a 409, and so is a channel beyond MAX_ENGAGEMENTS (the statistics list every channel).
     */
    async create (clientId: ObjectId, body: CreateEngagementBody, _id = new ObjectId()): Promise<EngagementDocument> {
      if (await collection.countDocuments({ clientId }, { limit: MAX_ENGAGEMENTS }) >= MAX_ENGAGEMENTS) {
        const earlier = await collection.findOne({ _id, clientId })
        if (earlier) return earlier
        throw Object.assign(new Error(`The client has ${MAX_ENGAGEMENTS} channels, the most it can have`), { statusCode: 409, code: 'TOO_MANY_CHANNELS' })
      }
      return insertOnce(collection, { _id, clientId, name: body.name, ...(body.source ? { source: body.source } : {}), createdAt: new Date() })
    },

    /** Creates the channels that do not exist yet (natural key: name), in the order given; returns every one by name. */
    async upsertByNames (clientId: ObjectId, channels: { name: string, source?: string, id?: ObjectId }[]): Promise<Map<string, EngagementDocument>> {
      if (channels.length > 0) {
        const now = Date.now()
        await collection.bulkWrite(channels.map((channel, index) => ({
          updateOne: {
            filter: { clientId, name: channel.name },
            // One millisecond apart, so the channels keep the order given whatever their ids.
            update: { $setOnInsert: { _id: channel.id ?? new ObjectId(), createdAt: new Date(now + index), ...(channel.source ? { source: channel.source } : {}) } },
            upsert: true
          }
        })), { ordered: true })
      }
      const docs = await collection.find({ clientId, name: { $in: channels.map((channel) => channel.name) } }).toArray()
      return new Map(docs.map((doc) => [doc.name, doc]))
    },

    async findById (clientId: ObjectId, id: ObjectId): Promise<EngagementDocument | null> {
      return collection.findOne({ _id: id, clientId })
    },

    async list (clientId: ObjectId, { limit, after }: { limit: number, after?: EngagementPosition }): Promise<EngagementDocument[]> {
      const filter = after
        ? { clientId, $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }] }
        : { clientId }
      return collection.find(filter).sort({ createdAt: 1, _id: 1 }).limit(limit).toArray()
    },

    /** Every channel of the client in the stable order, for zero-filled statistics. */
    async listAll (clientId: ObjectId): Promise<EngagementDocument[]> {
      return collection.find({ clientId }).sort({ createdAt: 1, _id: 1 }).limit(MAX_ENGAGEMENTS).toArray()
    }
  }
}

export type EngagementsRepository = ReturnType<typeof createEngagementsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    engagementsRepository: EngagementsRepository
  }
}

export default fp(async function engagementsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('engagementsRepository', createEngagementsRepository(app.mongo.db.collection<EngagementDocument>('engagements')))
}, { name: 'engagements-repository', dependencies: ['mongo'] })
