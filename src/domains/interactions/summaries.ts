import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { EngagementDocument } from '../engagements/repository.js'
import type { InteractionFilter } from './repository.js'
import { bucketLabels, type BucketUnit, type Period } from './periods.js'
import { MAX_CELLS, checkCells } from './stats-limits.js'

/** Shapes the pipelines' rows for the API: every channel of the client, in its stable order, with zeros where nothing was counted. */

export interface ChannelCell { engagementId: string, name: string, count: number }

/** Rows grouped by a key, in one pass (never a scan of every row for every channel or bucket). */
function groupBy<R> (rows: R[], key: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>()
  for (const row of rows) {
    const group = groups.get(key(row))
    if (group) group.push(row)
    else groups.set(key(row), [row])
  }
  return groups
}

/** The client's channels with their ids as strings, computed once per answer rather than once per cell. */
interface Channels { docs: Array<Pick<EngagementDocument, '_id' | 'name'>>, ids: string[] }

function channelsOf (engagements: Array<Pick<EngagementDocument, '_id' | 'name'>>): Channels {
  return { docs: engagements, ids: engagements.map((engagement) => engagement._id.toHexString()) }
}

export function countsFor (engagements: Array<Pick<EngagementDocument, '_id' | 'name'>> | Channels, rows: { engagementId: ObjectId, count: number }[] = []): ChannelCell[] {
  const channels = Array.isArray(engagements) ? channelsOf(engagements) : engagements
  const counts = new Map<string, number>()
  for (const row of rows) {
    const id = row.engagementId.toHexString()
    counts.set(id, (counts.get(id) ?? 0) + row.count)
  }
  return channels.docs.map((engagement, index) => {
    const id = channels.ids[index] as string
    return { engagementId: id, name: engagement.name, count: counts.get(id) ?? 0 }
  })
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
    app.engagementsRepository.listAll(clientId), app.topicsRepository.products(clientId, MAX_CELLS + 1),
    app.interactionStats.channelTopicCounts(clientId, filter, MAX_CELLS + 1)
  ])
  const topics = [...new Set([...products, ...rows.flatMap((row) => (row.topic === null ? [] : [row.topic]))])].sort()
  checkCells(topics.length, 'topics', engagements.length, 'use a shorter period, or keep fewer products in the calendar', rows.length)
  const cells = new Map(rows.map((row) => [`${row.engagementId.toHexString()}\u0000${row.topic ?? ''}`, row.count]))
  const channels = engagements.map((engagement) => {
    const id = engagement._id.toHexString()
    const count = (topic: string | null) => cells.get(`${id}\u0000${topic ?? ''}`) ?? 0
    return { engagementId: id, name: engagement.name, untagged: count(null), topics: topics.map((topic) => ({ topic, count: count(topic) })) }
  })
  return { topics, channels }
}

export interface VolumeBucket { start: string, total: number, channels: ChannelCell[] }

/** Every bucket overlapping the period, oldest first, each with every one of `engagements` (the client's channels). */
export async function volumeBuckets (
  app: FastifyInstance, clientId: ObjectId, engagements: EngagementDocument[], filter: InteractionFilter, period: Period, unit: BucketUnit, tz: string
): Promise<VolumeBucket[]> {
  const byBucket = groupBy(await app.interactionStats.volume(clientId, filter, unit, tz), (row) => row.bucket)
  const all = channelsOf(engagements)
  return bucketLabels(period, unit).map((start) => {
    const channels = countsFor(all, byBucket.get(start))
    return { start, total: channels.reduce((sum, cell) => sum + cell.count, 0), channels }
  })
}

export interface SentimentRow { engagementId: string, name: string, total: number, sentiments: { sentiment: string | null, count: number }[] }

/** Per channel, the count of each sentiment seen in the period (sentiment null: none recorded, listed last). */
export async function sentimentBreakdown (app: FastifyInstance, clientId: ObjectId, filter: InteractionFilter): Promise<SentimentRow[]> {
  const [engagements, rows] = await Promise.all([app.engagementsRepository.listAll(clientId), app.interactionStats.sentimentCounts(clientId, filter, MAX_CELLS + 1)])
  const named = [...new Set(rows.flatMap((row) => (row.sentiment === null ? [] : [row.sentiment])))].sort()
  const sentiments: (string | null)[] = rows.some((row) => row.sentiment === null) ? [...named, null] : named
  checkCells(sentiments.length, 'sentiments', engagements.length, 'use a shorter period', rows.length)
  const byChannel = groupBy(rows, (row) => row.engagementId.toHexString())
  return engagements.map((engagement) => {
    const mine = new Map((byChannel.get(engagement._id.toHexString()) ?? []).map((row) => [row.sentiment, row.count]))
    const cells = sentiments.map((sentiment) => ({ sentiment, count: mine.get(sentiment) ?? 0 }))
    return { engagementId: engagement._id.toHexString(), name: engagement.name, total: cells.reduce((sum, cell) => sum + cell.count, 0), sentiments: cells }
  })
}
