import { Type, type Static } from '@sinclair/typebox'
import { IsoDateTime, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'

export const EngagementNameSchema = Type.String({
  minLength: 1, maxLength: 50, pattern: '^\\S(.*\\S)?$', description: 'Channel name, unique per client, e.g. Email, Call, Chat, SMS, Twitter', examples: ['Email']
})

export const EngagementSchema = Type.Object({
  id: ObjectIdString,
  name: EngagementNameSchema,
  source: Type.Union([Type.String(), Type.Null()], { description: 'Where the channel\'s data comes from, free text' }),
  createdAt: IsoDateTime
}, { title: 'Engagement' })
export type Engagement = Static<typeof EngagementSchema>

export const CreateEngagementBodySchema = Type.Object({
  name: EngagementNameSchema,
  source: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
}, { additionalProperties: false })
export type CreateEngagementBody = Static<typeof CreateEngagementBodySchema>

export const EngagementParamsSchema = Type.Object({ engagementId: ObjectIdString })

export const EngagementListQuerySchema = PageQuerySchema
