import fp from 'fastify-plugin'
import type { Collection, Document, ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { UserDocument } from '../users/repository.js'
import type { Period } from './period.js'

export interface AgentPerformance {
  userId: number
  name: string
  chatsHandled: number
  chatsCompleted: number
  averageHandlingTimeS: number | null
  medianHandlingTimeS: number | null
  p90HandlingTimeS: number | null
  averageFirstResponseTimeS: number | null
  messagesSent: number
}

function within (period: Period): Document {
  const range: Document = {}
  if (period.from) range.$gte = period.from
  if (period.to) range.$lt = period.to
  return range
}

const secondsBetween = (start: unknown, end: unknown): Document => ({ $divide: [{ $subtract: [end, start] }, 1000] })
const isDate = (value: unknown): Document => ({ $eq: [{ $type: value }, 'date'] })
const earliestSentAt = (messages: string, cond: Document): Document =>
  ({ $min: { $map: { input: { $filter: { input: messages, cond } }, in: '$$this.sentAt' } } })

/**
 * Nearest-rank percentile of an ascending array: the element at 1-based rank ⌈p·n⌉ (the smallest value with at least
 * p of the values at or below it), null when the array is empty. This is the discrete definition MongoDB's own
 * `$percentile` uses for arrays, spelled out so that every server answers exactly the same.
 */
export function nearestRank (sortedArray: string, p: number): Document {
  const size = { $size: sortedArray }
  const index = { $toInt: { $max: [0, { $subtract: [{ $ceil: { $multiply: [size, p] } }, 1] }] } }
  return { $cond: [{ $eq: [size, 0] }, null, { $arrayElemAt: [sortedArray, index] }] }
}

/** A handled chat's handling time and first response time, from the chat and its messages. */
function handledChatsPipeline (clientId: ObjectId, period: Period): Document[] {
  const handleStart = period.from || period.to ? within(period) : { $exists: true }
  return [
    { $match: { clientId, handleStart } },
    {
      $lookup: {
        from: 'messages',
        localField: 'chatId',
        foreignField: 'chatId',
        pipeline: [
          { $match: { clientId } },
          { $project: { _id: 0, userId: 1, sentAt: 1 } }
        ],
        as: 'messages'
      }
    },
    { $addFields: { firstCustomerAt: earliestSentAt('$messages', { $eq: [{ $ifNull: ['$$this.userId', null] }, null] }) } },
    {
      $addFields: {
        firstReplyAt: earliestSentAt('$messages', { $and: [{ $eq: ['$$this.userId', '$userId'] }, { $gte: ['$$this.sentAt', '$firstCustomerAt'] }] })
      }
    },
    {
      $project: {
        _id: 0,
        handlingTimeS: { $cond: [isDate('$handleEnd'), secondsBetween('$handleStart', '$handleEnd'), null] },
        firstResponseTimeS: {
          $cond: [{ $and: [isDate('$firstCustomerAt'), isDate('$firstReplyAt')] }, secondsBetween('$firstCustomerAt', '$firstReplyAt'), null]
        }
      }
    },
    { $sort: { handlingTimeS: 1 } }
  ]
}

/**
 * Every user of the client with the chats they handled (by handle start) and messages they sent (by sent time) in the
 * period. Each lookup joins on its equality field (`localField`/`foreignField`) and its pipeline's `$match` adds the
 * client and the period: together the prefix of the index it reads (chats: clientId, userId, handleStart; messages:
 * clientId, chatId, sentAt and clientId, userId, sentAt).
 */
function agentPerformancePipeline (clientId: ObjectId, period: Period): Document[] {
  const sentAt = period.from || period.to ? { sentAt: within(period) } : {}
  const nonNull = (values: string) => ({ $filter: { input: values, cond: { $ne: ['$$this', null] } } })
  return [
    { $match: { clientId } },
    { $project: { _id: 0, userId: 1, name: 1 } },
    { $sort: { userId: 1 } },
    { $lookup: { from: 'chats', localField: 'userId', foreignField: 'userId', pipeline: handledChatsPipeline(clientId, period), as: 'chats' } },
    {
      $lookup: {
        from: 'messages',
        localField: 'userId',
        foreignField: 'userId',
        pipeline: [{ $match: { clientId, ...sentAt } }, { $count: 'count' }],
        as: 'sent'
      }
    },
    { $addFields: { handlingTimes: nonNull('$chats.handlingTimeS'), firstResponseTimes: nonNull('$chats.firstResponseTimeS') } },
    {
      $project: {
        _id: 0,
        userId: 1,
        name: 1,
        chatsHandled: { $size: '$chats' },
        chatsCompleted: { $size: '$handlingTimes' },
        averageHandlingTimeS: { $avg: '$handlingTimes' },
        medianHandlingTimeS: nearestRank('$handlingTimes', 0.5),
        p90HandlingTimeS: nearestRank('$handlingTimes', 0.9),
        averageFirstResponseTimeS: { $avg: '$firstResponseTimes' },
        messagesSent: { $ifNull: [{ $first: '$sent.count' }, 0] }
      }
    }
  ]
}

function createChatStats (users: Collection<UserDocument>) {
  return {
    /** Agent performance of every user of the client, zero rows included, computed in one aggregation. */
    async agentPerformance (clientId: ObjectId, period: Period = {}): Promise<AgentPerformance[]> {
      return users.aggregate<AgentPerformance>(agentPerformancePipeline(clientId, period)).toArray()
    }
  }
}

export type ChatStats = ReturnType<typeof createChatStats>

declare module 'fastify' {
  interface FastifyInstance {
    chatStats: ChatStats
  }
}

export default fp(async function chatStatsPlugin (app: FastifyInstance) {
  app.decorate('chatStats', createChatStats(app.mongo.db.collection<UserDocument>('users')))
}, { name: 'chat-stats', dependencies: ['mongo'] })
