import { Type, type TSchema } from '@sinclair/typebox'
import { IntegerId, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'
import { ChannelCellSchema, PeriodSchema, SummaryQuerySchema } from './stats-schemas.js'

/** Query and response schemas of the client-wide statistics (GET /api/v1/stats/channels, customers, topics, customer-types…). */

export const RankingQuerySchema = Type.Composite([SummaryQuerySchema, PageQuerySchema], { additionalProperties: false })

const Count = (description: string) => Type.Integer({ minimum: 0, description })
const Channels = Type.Array(ChannelCellSchema, { description: 'Every channel of the client, in channel creation order, zero-filled' })

/** `{current, previous}`: previous is null unless compare=previous. */
function Compared<T extends TSchema> (summary: T, previousDescription = 'The same figures for the previous period; null unless compare=previous') {
  return { current: summary, previous: Type.Union([summary, Type.Null()], { description: previousDescription }) }
}

/** A page of ranked rows and the summary of the whole ranking. */
function RankedPage<S extends TSchema, R extends TSchema> (title: string, summary: S, row: R) {
  return Type.Object({
    tz: Type.String({ description: 'The time zone whose local days bound the periods' }),
    summary: Type.Object(Compared(summary), { description: 'Figures over the whole ranking, not only this page' }),
    data: Type.Array(row, { description: 'One page of the ranking, best first' }),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to get the next page; null when there is none' })
  }, { title })
}

const TypeLabel = {
  type: Type.Union([Type.String(), Type.Null()], { description: 'The customers\' type; null for customers without one and for inferred customers' }),
  inferred: Type.Boolean({ description: 'True for the customers known only because an interaction referenced them (their own category)' })
}

const ClientChannelsSchema = Type.Object({
  period: PeriodSchema,
  total: Count('Interactions in the period'),
  customers: Count('Distinct customers with at least one interaction in the period'),
  channels: Type.Array(Type.Object({
    engagementId: ObjectIdString,
    name: Type.String(),
    count: Count('Interactions on the channel'),
    customers: Count('Distinct customers who used the channel')
  }), { description: 'Every channel of the client, in channel creation order, zero-filled' })
})
export const ClientChannelsResponseSchema = Type.Object({ tz: Type.String(), ...Compared(ClientChannelsSchema) }, { title: 'ClientChannels' })

const Breakdown = Type.Object({ total: Count('Interactions in the period'), channels: Channels })

export const CustomerRankingResponseSchema = RankedPage('CustomerRanking', Type.Object({
  period: PeriodSchema,
  customers: Count('Customers with at least one interaction in the period: the length of the ranking'),
  interactions: Count('Every interaction in the period, with or without a customer'),
  withoutCustomer: Count('Interactions that name no customer (not ranked)')
}), Type.Object({
  customerId: IntegerId,
  ...TypeLabel,
  current: Breakdown,
  previous: Type.Union([Breakdown, Type.Null()], { description: 'The same customer in the previous period; null unless compare=previous' })
}))

const TopicBreakdown = Type.Object({
  total: Count('Interactions about the topic'),
  explicit: Count('Of those, interactions whose topics were given with them'),
  calendar: Count('Of those, interactions whose topics came from the products-of-discussion calendar of their month'),
  channels: Channels
})
export const TopicRankingResponseSchema = RankedPage('TopicRanking', Type.Object({
  period: PeriodSchema,
  topics: Count('Topics ranked: every product of the calendar and every topic an interaction of the period was about'),
  untagged: Count('Interactions in the period about no topic (not ranked)')
}), Type.Object({
  topic: Type.String(),
  current: TopicBreakdown,
  previous: Type.Union([TopicBreakdown, Type.Null()], { description: 'The same topic in the previous period; null unless compare=previous' })
}))

export const TypeRankingResponseSchema = RankedPage('CustomerTypeInteractions', Type.Object({
  period: PeriodSchema,
  types: Count('Types ranked: every type the client\'s customers have, plus the untyped and inferred categories when such customers exist'),
  interactions: Count('Every interaction in the period, with or without a customer'),
  withoutCustomer: Count('Interactions that name no customer (not ranked)')
}), Type.Object({
  ...TypeLabel,
  current: Breakdown,
  previous: Type.Union([Breakdown, Type.Null()], { description: 'The same type in the previous period; null unless compare=previous' })
}))

const Active = Type.Object({ active: Count('Customers of the type with at least one interaction in the period') })
export const TypeCustomersResponseSchema = Type.Object({
  tz: Type.String({ description: 'The time zone whose local days bound the periods' }),
  summary: Type.Object({
    types: Count('Types ranked'),
    customers: Count('Every customer of the client, recorded or inferred'),
    current: Type.Object({ period: PeriodSchema, active: Count('Customers with at least one interaction in the period') }),
    previous: Type.Union([Type.Object({ period: PeriodSchema, active: Count('Customers with at least one interaction in the previous period') }), Type.Null()])
  }),
  data: Type.Array(Type.Object({
    ...TypeLabel,
    customers: Count('Customers of the type the client has now (not dated)'),
    current: Active,
    previous: Type.Union([Active, Type.Null()], { description: 'null unless compare=previous' })
  }), { description: 'One page of the types, most customers first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to get the next page; null when there is none' })
}, { title: 'CustomerTypeCustomers' })
