import type { Collection, Document, ObjectId } from 'mongodb'
import { aggregateFirst } from '../../db/find-one.js'
import { MAX_ENGAGEMENTS } from '../engagements/repository.js'
import { interactionQuery, type InteractionDocument, type InteractionFilter } from './repository.js'
import type { BucketUnit } from './periods.js'

export interface ChannelCount { engagementId: ObjectId, count: number }
export interface ChannelTopicCount { engagementId: ObjectId, topic: string | null, count: number }
export interface BucketCount { bucket: string, engagementId: ObjectId, count: number }
export interface SentimentCount { engagementId: ObjectId, sentiment: string | null, count: number }
export interface CustomerChannels { channels: Array<{ _id: ObjectId, name: string }>, counts: ChannelCount[] }

/**
 * Statistics over a client's interactions, each one aggregation pipeline run by the database: a leading `$match` whose
 * first field is `clientId` (the prefix of every interactions index; `interactionQuery` keeps that order), then only
 * the fields the `$group` reads.
 */
export function createInteractionStats (collection: Collection<InteractionDocument>, customers: Collection<Document>) {
  return {
    /**
     * A customer's interactions per channel, with every channel of the client in creation order, in one command (the
     * customer, then two lookups with constant filters); null when the client has no such customer.
     */
    async customerChannelCounts (clientId: ObjectId, customerId: number, filter: InteractionFilter): Promise<CustomerChannels | null> {
      return aggregateFirst<CustomerChannels>(customers, [
        { $match: { clientId, customerId } },
        { $limit: 1 },
        { $project: { _id: 0, customerId: 1 } },
        {
          $lookup: {
            from: 'engagements',
            pipeline: [{ $match: { clientId } }, { $sort: { createdAt: 1, _id: 1 } }, { $limit: MAX_ENGAGEMENTS }, { $project: { name: 1 } }],
            as: 'channels'
          }
        },
        {
          $lookup: {
            from: 'interactions',
            pipeline: [
              { $match: interactionQuery(clientId, { ...filter, customerId }) },
              { $project: { _id: 0, engagementId: 1 } },
              { $group: { _id: '$engagementId', count: { $sum: 1 } } },
              { $project: { _id: 0, engagementId: '$_id', count: 1 } }
            ],
            as: 'counts'
          }
        }
      ])
    },

    /** How many interactions match on each channel (channels without any are absent). */
    async channelCounts (clientId: ObjectId, filter: InteractionFilter): Promise<ChannelCount[]> {
      return collection.aggregate<ChannelCount>([
        { $match: interactionQuery(clientId, filter) },
        { $project: { _id: 0, engagementId: 1 } },
        { $group: { _id: '$engagementId', count: { $sum: 1 } } },
        { $project: { _id: 0, engagementId: '$_id', count: 1 } }
      ]).toArray()
    },

    /** Channel × topic: an interaction counts once for each topic it was about; one without topics counts under null. At most `limit` rows. */
    async channelTopicCounts (clientId: ObjectId, filter: InteractionFilter, limit: number): Promise<ChannelTopicCount[]> {
      return collection.aggregate<ChannelTopicCount>([
        { $match: interactionQuery(clientId, filter) },
        { $project: { _id: 0, engagementId: 1, topics: 1 } },
        { $unwind: { path: '$topics', preserveNullAndEmptyArrays: true } },
        { $group: { _id: { engagementId: '$engagementId', topic: { $ifNull: ['$topics', null] } }, count: { $sum: 1 } } },
        { $limit: limit },
        { $project: { _id: 0, engagementId: '$_id.engagementId', topic: '$_id.topic', count: 1 } }
      ]).toArray()
    },

    /** Interaction volume per channel in day, week (from Monday) or month buckets of local time in `timezone`. */
    async volume (clientId: ObjectId, filter: InteractionFilter, unit: BucketUnit, timezone: string): Promise<BucketCount[]> {
      const bucketStart = { $dateTrunc: { date: '$interactionDate', unit, timezone, startOfWeek: 'monday' } }
      return collection.aggregate<BucketCount>([
        { $match: interactionQuery(clientId, filter) },
        { $project: { _id: 0, engagementId: 1, interactionDate: 1 } },
        { $group: { _id: { bucket: { $dateToString: { date: bucketStart, format: '%Y-%m-%d', timezone } }, engagementId: '$engagementId' }, count: { $sum: 1 } } },
        { $project: { _id: 0, bucket: '$_id.bucket', engagementId: '$_id.engagementId', count: 1 } },
        { $sort: { bucket: 1 } }
      ]).toArray()
    },

    /** How many interactions of each sentiment every channel had; interactions without one count under null. At most `limit` rows. */
    async sentimentCounts (clientId: ObjectId, filter: InteractionFilter, limit: number): Promise<SentimentCount[]> {
      return collection.aggregate<SentimentCount>([
        { $match: interactionQuery(clientId, filter) },
        { $project: { _id: 0, engagementId: 1, sentiment: 1 } },
        { $group: { _id: { engagementId: '$engagementId', sentiment: { $ifNull: ['$sentiment', null] } }, count: { $sum: 1 } } },
        { $limit: limit },
        { $project: { _id: 0, engagementId: '$_id.engagementId', sentiment: '$_id.sentiment', count: 1 } }
      ]).toArray()
    }
  }
}

export type InteractionStats = ReturnType<typeof createInteractionStats>
