import type { Collection, Document, ObjectId } from 'mongodb'
import { aggregateFirst } from '../../db/find-one.js'
import { interactionQuery, type InteractionDocument } from '../interactions/repository.js'
import type { InstantRange } from '../interactions/periods.js'
import { concatChannels, selectAndSummarise, sumIf, type ChannelCount, type Ranked, type RowSelection, type SortOrder } from '../interactions/ranking.js'
import type { CustomerDocument } from './repository.js'

/** 0: recorded customers of a type; 1: recorded customers without a type; 2: inferred customers (known only from interactions). */
export type TypeCategory = 0 | 1 | 2
export interface TypeKey { category: TypeCategory, type: string | null }
export interface TypePosition extends TypeKey { total: number }
export interface TypeInteractionsRow extends TypeKey { total: number, channels: ChannelCount<ObjectId>[] }
export interface TypeInteractionsSummary { types: number, interactions: number, withoutCustomer: number }
export interface CustomerCountPosition extends TypeKey { customers: number }
export interface TypeCustomersRow extends TypeKey { customers: number }
export interface TypeCustomersSummary { types: number, customers: number }
export interface ActiveRow extends TypeKey { active: number }

export const typeOrder: SortOrder = [['total', -1], ['category', 1], ['type', 1]]
export const customerCountOrder: SortOrder = [['customers', -1], ['category', 1], ['type', 1]]

/** The category of the customer document at `path`; a missing document (an interaction's customer never stored) is inferred. */
function categoryOf (path: string): Document {
  return {
    $switch: {
      branches: [
        { case: { $eq: [{ $ifNull: [path, null] }, null] }, then: 2 },
        { case: { $eq: [`${path}.inferred`, true] }, then: 2 },
        { case: { $eq: [{ $ifNull: [`${path}.type`, null] }, null] }, then: 1 }
      ],
      default: 0
    }
  }
}

/** The type of the customer at `path` once `category` is set: named types only, null for the other categories. */
const typeOf = (path: string) => ({ $cond: [{ $eq: ['$category', 0] }, `${path}.type`, null] })

const keyMatch = ({ category, type }: TypeKey) => ({ category, type })

/** Per customer type: interactions (with their channels), customers, and customers active in a period. */
export function createCustomerTypeStats (interactions: Collection<InteractionDocument>, customers: Collection<CustomerDocument>) {
  /** Each customer's own document, as `customer` (null when none is stored), with its category set. */
  const withCustomer = (clientId: ObjectId, customerIdPath: string): Document[] => [
    {
      $lookup: {
        from: 'customers',
        let: { customerId: customerIdPath },
        pipeline: [{ $match: { clientId, $expr: { $eq: ['$customerId', '$$customerId'] } } }, { $project: { _id: 0, type: 1, inferred: 1 } }],
        as: 'customer'
      }
    },
    { $set: { customer: { $ifNull: [{ $arrayElemAt: ['$customer', 0] }, null] } } },
    { $set: { category: categoryOf('$customer') } }
  ]

  async function run<R, S, D extends Document> (collection: Collection<D>, pipeline: Document[], emptySummary: S): Promise<Ranked<R, S>> {
    const result = await aggregateFirst<{ rows: R[], summary: S[] }>(collection, pipeline)
    return { rows: result?.rows ?? [], summary: result?.summary[0] ?? emptySummary }
  }

  return {
    /**
     * Interactions in the period per customer type, with their count per channel, most first. Every type the client's
     * customers have is ranked, at zero when none of its customers had an interaction; inferred customers and recorded
     * ones without a type are categories of their own. The summary counts the interactions that name no customer.
     */
    async interactionsByType (clientId: ObjectId, range: InstantRange, selection: RowSelection<TypePosition, TypeKey>): Promise<Ranked<TypeInteractionsRow, TypeInteractionsSummary>> {
      const typesAtZero = [
        { $match: { clientId } },
        { $set: { category: categoryOf('$$ROOT') } },
        { $group: { _id: { category: '$category', type: typeOf('$$ROOT') } } },
        { $project: { _id: 0, category: '$_id.category', type: '$_id.type', total: { $literal: 0 }, channels: { $literal: [] } } }
      ]
      return run(interactions, [
        { $match: interactionQuery(clientId, range) },
        { $group: { _id: { customerId: { $ifNull: ['$customerId', null] }, engagementId: '$engagementId' }, count: { $sum: 1 } } },
        { $group: { _id: '$_id.customerId', channels: { $push: { engagementId: '$_id.engagementId', count: '$count' } } } },
        ...withCustomer(clientId, '$_id'),
        { $set: { category: { $cond: [{ $eq: ['$_id', null] }, null, '$category'] } } },
        { $unwind: '$channels' },
        { $group: { _id: { category: '$category', type: typeOf('$customer'), engagementId: '$channels.engagementId' }, count: { $sum: '$channels.count' } } },
        { $group: { _id: { category: '$_id.category', type: '$_id.type' }, total: { $sum: '$count' }, channels: { $push: { engagementId: '$_id.engagementId', count: '$count' } } } },
        { $project: { _id: 0, category: '$_id.category', type: '$_id.type', total: 1, channels: 1 } },
        { $unionWith: { coll: 'customers', pipeline: typesAtZero } },
        { $group: { _id: { category: '$category', type: '$type' }, total: { $sum: '$total' }, channels: { $push: '$channels' } } },
        { $project: { _id: 0, category: '$_id.category', type: '$_id.type', total: 1, channels: concatChannels } },
        selectAndSummarise(selection, typeOrder, { category: { $ne: null } }, keyMatch, {
          types: sumIf({ $ne: ['$category', null] }),
          interactions: { $sum: '$total' },
          withoutCustomer: sumIf({ $eq: ['$category', null] }, '$total')
        })
      ], { types: 0, interactions: 0, withoutCustomer: 0 })
    },

    /** How many customers the client has of each type (not dated: a customer record has no business date), most first. */
    async customersByType (clientId: ObjectId, selection: RowSelection<CustomerCountPosition, TypeKey>): Promise<Ranked<TypeCustomersRow, TypeCustomersSummary>> {
      return run(customers, [
        { $match: { clientId } },
        { $set: { category: categoryOf('$$ROOT') } },
        { $group: { _id: { category: '$category', type: typeOf('$$ROOT') }, customers: { $sum: 1 } } },
        { $project: { _id: 0, category: '$_id.category', type: '$_id.type', customers: 1 } },
        selectAndSummarise(selection, customerCountOrder, {}, keyMatch, { types: { $sum: 1 }, customers: { $sum: '$customers' } })
      ], { types: 0, customers: 0 })
    },

    /** How many distinct customers of each of the given types had at least one interaction in the period, and of all types. */
    async activeByType (clientId: ObjectId, range: InstantRange, keys: TypeKey[]): Promise<Ranked<ActiveRow, { active: number }>> {
      return run(interactions, [
        { $match: interactionQuery(clientId, range) },
        { $group: { _id: '$customerId' } },
        { $match: { _id: { $ne: null } } },
        ...withCustomer(clientId, '$_id'),
        { $group: { _id: { category: '$category', type: typeOf('$customer') }, active: { $sum: 1 } } },
        { $project: { _id: 0, category: '$_id.category', type: '$_id.type', active: 1 } },
        selectAndSummarise({ keys }, customerCountOrder, {}, keyMatch, { active: { $sum: '$active' } })
      ], { active: 0 })
    }
  }
}

export type CustomerTypeStats = ReturnType<typeof createCustomerTypeStats>
