import { ObjectId } from 'mongodb'
import type { TopicsRepository } from '../topics/repository.js'
import { contentKey, monthOf, type InteractionDocument, type InteractionFacts } from './repository.js'

export interface NewInteraction extends InteractionFacts {
  /** Explicit topics (a topic column in the source); omitted: the products-of-discussion calendar decides. */
  topics?: string[]
  /** A fixed id, for data that already has one (the engagement-store seed). */
  id?: ObjectId
  /** contentKey(input), when the caller computed it already (an import, to find duplicates in its file). */
  contentKey?: string
}

/**
 * Turns source facts into documents ready to store. The topic rule: explicit topics when the source has them,
 * otherwise the products registered for the client in the interaction's month (UTC).
 */
export async function prepareInteractions (topics: TopicsRepository, clientId: ObjectId, inputs: NewInteraction[], now = new Date()): Promise<InteractionDocument[]> {
  const calendarMonths = inputs.filter((input) => input.topics === undefined).map((input) => monthOf(input.interactionDate))
  const calendar = calendarMonths.length > 0 ? await topics.productsByMonth(clientId, calendarMonths) : new Map<string, string[]>()
  return inputs.map((input) => ({
    _id: input.id ?? new ObjectId(),
    clientId,
    engagementId: input.engagementId,
    ...(input.customerId !== undefined ? { customerId: input.customerId } : {}),
    ...(input.agentName !== undefined ? { agentName: input.agentName } : {}),
    ...(input.userId !== undefined ? { userId: input.userId } : {}),
    interactionDate: input.interactionDate,
    ...(input.sentiment !== undefined ? { sentiment: input.sentiment } : {}),
    topics: input.topics ?? calendar.get(monthOf(input.interactionDate)) ?? [],
    topicSource: input.topics === undefined ? 'calendar' : 'explicit',
    custom: input.custom ?? {},
    contentKey: input.contentKey ?? contentKey(input),
    createdAt: now
  }))
}
