import { Type, type TSchema } from '@sinclair/typebox'
import { IntegerId, ObjectIdString } from '../../schemas/common.js'
import { ProductSchema } from '../topics/schemas.js'
import { CalendarDateSchema, DateRangeQuerySchema, TimeZoneSchema } from './schemas.js'

export const CompareSchema = Type.Union([Type.Literal('none'), Type.Literal('previous')], {
  default: 'none', description: 'previous: also answer the period of equal length that ends the day before `from` (needs from and to; ' +
    'a 400 PREVIOUS_PERIOD_OUT_OF_RANGE when it would begin before 1900-01-01)'
})

export const SummaryQuerySchema = Type.Composite([DateRangeQuerySchema, Type.Object({ compare: CompareSchema })], { additionalProperties: false })

export const CustomerChannelsQuerySchema = Type.Composite([SummaryQuerySchema, Type.Object({ topic: Type.Optional(ProductSchema) })], { additionalProperties: false })

export const VolumeQuerySchema = Type.Object({
  from: CalendarDateSchema,
  to: CalendarDateSchema,
  tz: TimeZoneSchema,
  interval: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day', description: 'Bucket size; weeks start on Monday' }),
  engagementId: Type.Optional(ObjectIdString),
  customerId: Type.Optional(IntegerId),
  compare: CompareSchema
}, { additionalProperties: false })

export const SentimentQuerySchema = Type.Composite([SummaryQuerySchema, Type.Object({ customerId: Type.Optional(IntegerId) })], { additionalProperties: false })

export const CustomerStatsParamsSchema = Type.Object({ customerId: IntegerId })

export const PeriodSchema = Type.Object({
  from: Type.Union([CalendarDateSchema, Type.Null()]),
  to: Type.Union([CalendarDateSchema, Type.Null()])
}, { description: 'Whole local days in `tz`, both included; null: open-ended' })

export const ChannelCellSchema = Type.Object({ engagementId: ObjectIdString, name: Type.String(), count: Type.Integer({ minimum: 0 }) })

/** `{current, previous}`: previous is null unless compare=previous. */
function Compared<T extends TSchema> (summary: T) {
  return { current: summary, previous: Type.Union([summary, Type.Null()]) }
}

export const ChannelCountsSchema = Type.Object({ period: PeriodSchema, total: Type.Integer({ minimum: 0 }), channels: Type.Array(ChannelCellSchema) })
export const CustomerChannelsResponseSchema = Type.Object({
  customerId: IntegerId, tz: Type.String(), topic: Type.Union([Type.String(), Type.Null()]), ...Compared(ChannelCountsSchema)
}, { title: 'CustomerChannels' })

export const ChannelTopicsSchema = Type.Object({
  period: PeriodSchema,
  topics: Type.Array(Type.String(), { description: 'The columns: the calendar\'s products and every topic found, alphabetically' }),
  channels: Type.Array(Type.Object({
    engagementId: ObjectIdString,
    name: Type.String(),
    untagged: Type.Integer({ minimum: 0, description: 'Interactions about no topic' }),
    topics: Type.Array(Type.Object({ topic: Type.String(), count: Type.Integer({ minimum: 0 }) }))
  }))
})
export const CustomerChannelTopicsResponseSchema = Type.Object({ customerId: IntegerId, tz: Type.String(), ...Compared(ChannelTopicsSchema) }, { title: 'CustomerChannelTopics' })

export const VolumeSchema = Type.Object({
  period: PeriodSchema,
  total: Type.Integer({ minimum: 0 }),
  buckets: Type.Array(Type.Object({
    start: Type.String({ description: 'Local date (in `tz`) the bucket starts' }),
    total: Type.Integer({ minimum: 0 }),
    channels: Type.Array(ChannelCellSchema)
  }))
})
export const VolumeResponseSchema = Type.Object({ interval: Type.String(), tz: Type.String(), ...Compared(VolumeSchema) }, { title: 'InteractionVolume' })

export const SentimentSchema = Type.Object({
  period: PeriodSchema,
  channels: Type.Array(Type.Object({
    engagementId: ObjectIdString,
    name: Type.String(),
    total: Type.Integer({ minimum: 0 }),
    sentiments: Type.Array(Type.Object({
      sentiment: Type.Union([Type.String(), Type.Null()], { description: 'null: no sentiment recorded' }),
      count: Type.Integer({ minimum: 0 })
    }))
  }))
})
export const SentimentResponseSchema = Type.Object({ tz: Type.String(), ...Compared(SentimentSchema) }, { title: 'SentimentBreakdown' })
