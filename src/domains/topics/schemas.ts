import { Type, type Static } from '@sinclair/typebox'
import { CalendarMonth, IsoDateTime, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'

export const MonthSchema = CalendarMonth
export const ProductSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$', description: 'Product of discussion (topic)', examples: ['Sand'] })

export const TopicSchema = Type.Object({
  id: ObjectIdString,
  month: MonthSchema,
  product: ProductSchema,
  createdAt: IsoDateTime
}, { title: 'Topic' })
export type Topic = Static<typeof TopicSchema>

export const CreateTopicBodySchema = Type.Object({ month: MonthSchema, product: ProductSchema }, { additionalProperties: false })
export type CreateTopicBody = Static<typeof CreateTopicBodySchema>

export const TopicListQuerySchema = Type.Composite([PageQuerySchema, Type.Object({
  month: Type.Optional(MonthSchema)
})], { additionalProperties: false })

export const CreatedTopicSchema = Type.Composite([TopicSchema, Type.Object({
  interactionsTagged: Type.Integer({ minimum: 0, description: 'Interactions of that month without explicit topics that now carry this product' })
})], { title: 'CreatedTopic' })
