import { Type, type Static } from '@sinclair/typebox'
import { CalendarDate, IntegerId, IsoDateTime, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'
import { ProductSchema } from '../topics/schemas.js'

export type SourceValue = string | number | boolean | null
/** One JSON type list rather than a union, so that ajv's type coercion never turns a number into a string. */
export const SourceValueSchema = Type.Unsafe<SourceValue>({ type: ['string', 'number', 'boolean', 'null'], maxLength: 2000 })

/** Raw source fields: plain keys (no `$`, no dots) with scalar values. */
export const CustomSchema = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_ -]{0,63}$' }), SourceValueSchema, {
  additionalProperties: false, maxProperties: 50, description: 'The original source fields (csv name, agent names…), kept as they came', examples: [{ csvName: '2020_16_05_report.csv' }]
})

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^\\S(.*\\S)?$' })
export const SentimentSchema = Type.String({ minLength: 1, maxLength: 50, pattern: '^\\S(.*\\S)?$', examples: ['Negative'] })

export const InteractionSchema = Type.Object({
  id: ObjectIdString,
  engagementId: ObjectIdString,
  customerId: Type.Union([IntegerId, Type.Null()]),
  agentName: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([IntegerId, Type.Null()]),
  interactionDate: IsoDateTime,
  sentiment: Type.Union([Type.String(), Type.Null()]),
  topics: Type.Array(Type.String()),
  topicSource: Type.Union([Type.Literal('explicit'), Type.Literal('calendar')], {
    description: 'explicit: topics given with the interaction; calendar: the products registered for the interaction\'s month (UTC)'
  }),
  custom: CustomSchema,
  createdAt: IsoDateTime
}, { title: 'Interaction' })
export type Interaction = Static<typeof InteractionSchema>

export const CreateInteractionBodySchema = Type.Object({
  engagementId: ObjectIdString,
  customerId: Type.Optional(IntegerId),
  agentName: Type.Optional(Text(200)),
  userId: Type.Optional(IntegerId),
  interactionDate: IsoDateTime,
  sentiment: Type.Optional(SentimentSchema),
  topics: Type.Optional(Type.Array(ProductSchema, {
    maxItems: 20, uniqueItems: true, description: 'Explicit topics; omitted: the products registered for the interaction\'s month'
  })),
  custom: Type.Optional(CustomSchema)
}, { additionalProperties: false })
export type CreateInteractionBody = Static<typeof CreateInteractionBodySchema>

export const CalendarDateSchema = CalendarDate('Calendar date')
export const TimeZoneSchema = Type.String({
  minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$', default: 'UTC', description: 'IANA time zone name', examples: ['Europe/Dublin']
})

export const DateRangeQuerySchema = Type.Object({
  from: Type.Optional(CalendarDate('First day included, in `tz`')),
  to: Type.Optional(CalendarDate('Last day included, in `tz`')),
  tz: TimeZoneSchema
})

export const InteractionFilterQuerySchema = Type.Composite([DateRangeQuerySchema, Type.Object({
  engagementId: Type.Optional(ObjectIdString),
  customerId: Type.Optional(IntegerId),
  agentName: Type.Optional(Text(200)),
  sentiment: Type.Optional(SentimentSchema),
  topic: Type.Optional(ProductSchema)
})], { additionalProperties: false })
export type InteractionFilterQuery = Static<typeof InteractionFilterQuerySchema>

export const InteractionListQuerySchema = Type.Composite([PageQuerySchema, InteractionFilterQuerySchema], { additionalProperties: false })

export const ExportQuerySchema = Type.Composite([InteractionFilterQuerySchema, Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'ndjson' })
})], { additionalProperties: false })

export const InteractionParamsSchema = Type.Object({ interactionId: ObjectIdString })
