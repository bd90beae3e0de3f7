import fp from 'fastify-plugin'
import type { Collection, Db, Document, ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { CustomerDocument } from '../customers/repository.js'
import { createCustomerTypeStats } from '../customers/type-stats.js'
import { aggregateFirst } from '../../db/find-one.js'
import { interactionQuery, type InteractionDocument } from './repository.js'
import type { InstantRange } from './periods.js'
import { concatChannels, selectAndSummarise, sumIf, type ChannelCount, type Ranked, type RowSelection, type SortOrder } from './ranking.js'

export interface ChannelReach { engagementId: ObjectId, count: number, customers: number }
export interface CustomerRow { customerId: number, total: number, channels: ChannelCount<ObjectId>[] }
export interface CustomerPosition { total: number, customerId: number }
export interface CustomerSummary { customers: number, interactions: number, withoutCustomer: number }
export interface TopicRow { topic: string, total: number, explicit: number, channels: ChannelCount<ObjectId>[] }
export interface TopicPosition { total: number, topic: string }
export interface TopicSummary { topics: number, untagged: number }

export const customerOrder: SortOrder = [['total', -1], ['customerId', 1]]
export const topicOrder: SortOrder = [['total', -1], ['topic', 1]]

const missingAsNull = (path: string) => ({ $ifNull: [path, null] })

/** Client-wide statistics over the interactions of one client, each one aggregation pipeline run by the database. */
export function createClientStats (db: Db) {
  const interactions: Collection<InteractionDocument> = db.collection<InteractionDocument>('interactions')
  const customers: Collection<CustomerDocument> = db.collection<CustomerDocument>('customers')

  async function ranked<R, S> (pipeline: Document[], emptySummary: S): Promise<Ranked<R, S>> {
    const result = await aggregateFirst<{ rows: R[], summary: S[] }>(interactions, pipeline)
    return { rows: result?.rows ?? [], summary: result?.summary[0] ?? emptySummary }
  }

  return {
    /** Interactions and distinct customers per channel in the period (channels without any are absent), and distinct customers overall. */
    async channelReach (clientId: ObjectId, range: InstantRange): Promise<{ channels: ChannelReach[], customers: number }> {
      const result = await aggregateFirst<{ channels: ChannelReach[], reach: { customers: number }[] }>(interactions, [
        { $match: interactionQuery(clientId, range) },
        { $group: { _id: { engagementId: '$engagementId', customerId: missingAsNull('$customerId') }, count: { $sum: 1 } } },
        {
          $facet: {
            channels: [
              { $group: { _id: '$_id.engagementId', count: { $sum: '$count' }, customers: sumIf({ $ne: ['$_id.customerId', null] }) } },
              { $project: { _id: 0, engagementId: '$_id', count: 1, customers: 1 } }
            ],
            reach: [{ $match: { '_id.customerId': { $ne: null } } }, { $group: { _id: '$_id.customerId' } }, { $count: 'customers' }]
          }
        }
      ])
      return { channels: result?.channels ?? [], customers: result?.reach[0]?.customers ?? 0 }
    },

    /**
     * Customers ranked by their interactions in the period (most first, then by id), each with its count per channel.
     * Only customers with an interaction are ranked; the summary also counts the interactions that name no customer.
     */
    async customerRanking (clientId: ObjectId, range: InstantRange, selection: RowSelection<CustomerPosition, number>): Promise<Ranked<CustomerRow, CustomerSummary>> {
      return ranked([
        { $match: interactionQuery(clientId, range) },
        { $group: { _id: { customerId: missingAsNull('$customerId'), engagementId: '$engagementId' }, count: { $sum: 1 } } },
        { $group: { _id: '$_id.customerId', total: { $sum: '$count' }, channels: { $push: { engagementId: '$_id.engagementId', count: '$count' } } } },
        { $project: { _id: 0, customerId: '$_id', total: 1, channels: 1 } },
        selectAndSummarise(selection, customerOrder, { customerId: { $ne: null } }, (customerId) => ({ customerId }), {
          customers: sumIf({ $ne: ['$customerId', null] }),
          interactions: { $sum: '$total' },
          withoutCustomer: sumIf({ $eq: ['$customerId', null] }, '$total')
        })
      ], { customers: 0, interactions: 0, withoutCustomer: 0 })
    },

    /** The type and inferred flag of the customers on a page. */
    async customerDetails (clientId: ObjectId, customerIds: number[]): Promise<Pick<CustomerDocument, 'customerId' | 'type' | 'inferred'>[]> {
      if (customerIds.length === 0) return []
      return customers.find({ clientId, customerId: { $in: customerIds } }, { projection: { _id: 0, customerId: 1, type: 1, inferred: 1 } }).toArray()
    },

    /**
     * Topics ranked by the interactions about them in the period, as the other statistics count topics: an interaction
     * counts once for each of its topics, whether explicit or from the products calendar (`explicit` says how many were
     * explicit). Every product of the calendar is ranked, at zero when no interaction was about it; the summary counts
     * the interactions about no topic.
     */
    async topicRanking (clientId: ObjectId, range: InstantRange, selection: RowSelection<TopicPosition, string>): Promise<Ranked<TopicRow, TopicSummary>> {
      const calendarAtZero = [
        { $match: { clientId } },
        { $group: { _id: '$product' } },
        { $project: { _id: 0, topic: '$_id', total: { $literal: 0 }, explicit: { $literal: 0 }, channels: { $literal: [] } } }
      ]
      return ranked([
        { $match: interactionQuery(clientId, range) },
        { $unwind: { path: '$topics', preserveNullAndEmptyArrays: true } },
        {
          $group: {
            _id: { topic: missingAsNull('$topics'), engagementId: '$engagementId' },
            count: { $sum: 1 },
            explicit: sumIf({ $eq: ['$topicSource', 'explicit'] })
          }
        },
        {
          $group: {
            _id: '$_id.topic',
            total: { $sum: '$count' },
            explicit: { $sum: '$explicit' },
            channels: { $push: { engagementId: '$_id.engagementId', count: '$count' } }
          }
        },
        { $project: { _id: 0, topic: '$_id', total: 1, explicit: 1, channels: 1 } },
        { $unionWith: { coll: 'topics', pipeline: calendarAtZero } },
        { $group: { _id: '$topic', total: { $sum: '$total' }, explicit: { $sum: '$explicit' }, channels: { $push: '$channels' } } },
        { $project: { _id: 0, topic: '$_id', total: 1, explicit: 1, channels: concatChannels } },
        selectAndSummarise(selection, topicOrder, { topic: { $ne: null } }, (topic) => ({ topic }), {
          topics: sumIf({ $ne: ['$topic', null] }),
          untagged: sumIf({ $eq: ['$topic', null] }, '$total')
        })
      ], { topics: 0, untagged: 0 })
    },

    ...createCustomerTypeStats(interactions, customers)
  }
}

export type ClientStats = ReturnType<typeof createClientStats>

declare module 'fastify' {
  interface FastifyInstance {
    clientStats: ClientStats
  }
}

export default fp(async function clientStatsPlugin (app: FastifyInstance) {
  app.decorate('clientStats', createClientStats(app.mongo.db))
}, { name: 'client-stats', dependencies: ['mongo'] })
