import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { EngagementDocument } from '../engagements/repository.js'
import type { InteractionFilter } from './repository.js'
import { bucketLabels, type BucketUnit, type Period } from './periods.js'

/** Shapes the pipelines' rows for the API: every channel of the client, in its stable order, with zeros where nothing was counted. */

export interface ChannelCell { engagementId: string, name: string, count: number }

function countsFor (engagements: Array<Pick<EngagementDocument, '_id' | 'name'>>, rows: { engagementId: ObjectId, count: number }[]): ChannelCell[] {
  const counts = new Map<string, number>()
  for (const row of rows) counts.set(row.engagementId.toHexString(), (counts.get(row.engagementId.toHexString()) ?? 0) + row.count)
  return engagements.map((engagement) => ({
    engagementId: engagement._id.toHexString(), name: engagement.name, count: counts.get(engagement._id.toHexString()) ?? 0
  }))
}

/** A customer's `{"Email": 1, "Call": 0, …}` (the seed contract's shape) in one database command; null for an unknown customer. */
export async function customerChannelCountsByName (app: FastifyInstance, clientId: ObjectId, customerId: number, filter: InteractionFilter): Promise<Record<string, number> | null> {
  const found = await app.interactionStats.customerChannelCounts(clientId, customerId, filter)
  if (!found) return null
  return Object.fromEntries(countsFor(found.channels, found.counts).map((cell) => [cell.name, cell.count]))
}

export async function channelCounts (app: FastifyInstance, clientId: ObjectId, filter: InteractionFilter): Promise<ChannelCell[]> {
  const [engagements, rows] = await Promise.all([app.engagementsRepository.listAll(clientId), app.interactionStats.channelCounts(clientId, filter)])
  return countsFor(engagements, rows)
}

export interface TopicRow { engagementId: string, name: string, untagged: number, topics: { topic: string, count: number }[] }

/** Channel × topic: columns are the calendar's products and every topic found, alphabetically. */
export async function channelTopicMatrix (app: FastifyInstance, clientId: ObjectId, filter: InteractionFilter): Promise<{ topics: string[], channels: TopicRow[] }> {
  const [engagements, products, rows] = await Promise.all([
    app.engagementsRepository.listAll(clientId), app.topicsRepository.products(clientId), app.interactionStats.channelTopicCounts(clientId, filter)
  ])
  const topics = [...new Set([...products, ...rows.flatMap((row) => (row.topic === null ? [] : [row.topic]))])].sort()
  const channels = engagements.map((engagement) => {
    const mine = rows.filter((row) => row.engagementId.equals(engagement._id))
    const count = (topic: string | null) => mine.find((row) => row.topic === topic)?.count ?? 0
    return { engagementId: engagement._id.toHexString(), name: engagement.name, untagged: count(null), topics: topics.map((topic) => ({ topic, count: count(topic) })) }
  })
  return { topics, channels }
}

export interface VolumeBucket { start: string, total: number, channels: ChannelCell[] }

/** Every bucket overlapping the period, oldest first, each with every channel. */
export async function volumeBuckets (app: FastifyInstance, clientId: ObjectId, filter: InteractionFilter, period: Period, unit: BucketUnit, tz: string): Promise<VolumeBucket[]> {
  const [engagements, rows] = await Promise.all([app.engagementsRepository.listAll(clientId), app.interactionStats.volume(clientId, filter, unit, tz)])
  return bucketLabels(period, unit).map((start) => {
    const channels = countsFor(engagements, rows.filter((row) => row.bucket === start))
    return { start, total: channels.reduce((sum, cell) => sum + cell.count, 0), channels }
  })
}

export interface SentimentRow { engagementId: string, name: string, total: number, sentiments: { sentiment: string | null, count: number }[] }

/** Per channel, the count of each sentiment seen in the period (sentiment null: none recorded, listed last). */
export async function sentimentBreakdown (app: FastifyInstance, clientId: ObjectId, filter: InteractionFilter): Promise<SentimentRow[]> {
  const [engagements, rows] = await Promise.all([app.engagementsRepository.listAll(clientId), app.interactionStats.sentimentCounts(clientId, filter)])
  const named = [...new Set(rows.flatMap((row) => (row.sentiment === null ? [] : [row.sentiment])))].sort()
  const sentiments: (string | null)[] = rows.some((row) => row.sentiment === null) ? [...named, null] : named
  return engagements.map((engagement) => {
    const mine = rows.filter((row) => row.engagementId.equals(engagement._id))
    const cells = sentiments.map((sentiment) => ({ sentiment, count: mine.find((row) => row.sentiment === sentiment)?.count ?? 0 }))
    return { engagementId: engagement._id.toHexString(), name: engagement.name, total: cells.reduce((sum, cell) => sum + cell.count, 0), sentiments: cells }
  })
}
