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

/** Examples on the demo client acme (channels Email, Call, Bird); acme's interactions have no topic, so the topics example is made up. */
const ids = { Email: '65a1f0c2e4b0a1b2c3d4e501', Call: '65a1f0c2e4b0a1b2c3d4e502', Bird: '65a1f0c2e4b0a1b2c3d4e503' }
const cells = (email: number, call: number, bird: number) => [
  { engagementId: ids.Email, name: 'Email', count: email }, { engagementId: ids.Call, name: 'Call', count: call }, { engagementId: ids.Bird, name: 'Bird', count: bird }
]
const allTime = { from: null, to: null }

/** A page of ranked rows and the summary of the whole ranking. */
function RankedPage<S extends TSchema, R extends TSchema> (title: string, summary: S, row: R, example: object) {
  return Type.Object({
    tz: Type.String({ description: 'The time zone whose local days bound the periods' }),
    summary: Type.Object(Compared(summary), { description: 'Figures over the whole ranking, not only this page' }),
    data: Type.Array(row, { description: 'One page of the ranking, best first' }),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to get the next page; null when there is none' })
  }, { title, examples: [example] })
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
export const ClientChannelsResponseSchema = Type.Object({ tz: Type.String(), ...Compared(ClientChannelsSchema) }, {
  title: 'ClientChannels',
  examples: [{
    tz: 'UTC',
    current: {
      period: { from: '2020-01-01', to: '2020-03-31' },
      total: 2,
      customers: 1,
      channels: cells(0, 1, 1).map((cell) => ({ ...cell, customers: cell.count }))
    },
    previous: { period: { from: '2019-10-02', to: '2019-12-31' }, total: 1, customers: 1, channels: cells(1, 0, 0).map((cell) => ({ ...cell, customers: cell.count })) }
  }]
})

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
}), {
  tz: 'UTC',
  summary: { current: { period: allTime, customers: 3, interactions: 4, withoutCustomer: 0 }, previous: null },
  data: [
    { customerId: 4, type: null, inferred: true, current: { total: 2, channels: cells(0, 1, 1) }, previous: null },
    { customerId: 1, type: 'Red', inferred: false, current: { total: 1, channels: cells(1, 0, 0) }, previous: null }
  ],
  nextCursor: 'eyJ0b3RhbCI6eyIkbnVtYmVySW50IjoiMSJ9LCJjdXN0b21lcklkIjp7IiRudW1iZXJJbnQiOiIxIn19'
})

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
}), {
  tz: 'UTC',
  summary: { current: { period: allTime, topics: 2, untagged: 1 }, previous: null },
  data: [
    { topic: 'Sand', current: { total: 3, explicit: 1, calendar: 2, channels: cells(1, 2, 0) }, previous: null },
    { topic: 'Boat', current: { total: 0, explicit: 0, calendar: 0, channels: cells(0, 0, 0) }, previous: null }
  ],
  nextCursor: null
})

export const TypeRankingResponseSchema = RankedPage('CustomerTypeInteractions', Type.Object({
  period: PeriodSchema,
  types: Count('Types ranked: every type the client\'s customers have, plus the untyped and inferred categories when such customers exist'),
  interactions: Count('Every interaction in the period, with or without a customer'),
  withoutCustomer: Count('Interactions that name no customer (not ranked)')
}), Type.Object({
  ...TypeLabel,
  current: Breakdown,
  previous: Type.Union([Breakdown, Type.Null()], { description: 'The same type in the previous period; null unless compare=previous' })
}), {
  tz: 'UTC',
  summary: {
    current: { period: { from: '2020-01-01', to: '2020-12-31' }, types: 4, interactions: 2, withoutCustomer: 0 },
    previous: { period: { from: '2018-12-31', to: '2019-12-31' }, types: 4, interactions: 1, withoutCustomer: 0 }
  },
  data: [
    { type: null, inferred: true, current: { total: 2, channels: cells(0, 1, 1) }, previous: { total: 0, channels: cells(0, 0, 0) } },
    { type: 'Blue', inferred: false, current: { total: 0, channels: cells(0, 0, 0) }, previous: { total: 0, channels: cells(0, 0, 0) } }
  ],
  nextCursor: 'eyJ0b3RhbCI6eyIkbnVtYmVySW50IjoiMCJ9LCJjYXRlZ29yeSI6eyIkbnVtYmVySW50IjoiMCJ9LCJ0eXBlIjoiQmx1ZSJ9'
})

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
}, {
  title: 'CustomerTypeCustomers',
  examples: [{
    tz: 'UTC',
    summary: { types: 4, customers: 6, current: { period: { from: '2020-01-01', to: '2020-12-31' }, active: 1 }, previous: null },
    data: [
      { type: 'Orange', inferred: false, customers: 2, current: { active: 0 }, previous: null },
      { type: 'Red', inferred: false, customers: 2, current: { active: 0 }, previous: null }
    ],
    nextCursor: 'eyJjdXN0b21lcnMiOnsiJG51bWJlckludCI6IjIifSwiY2F0ZWdvcnkiOnsiJG51bWJlckludCI6IjAifSwidHlwZSI6IlJlZCJ9'
  }]
})
