import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime, PageQuerySchema } from '../../schemas/common.js'

export const ChatStateSchema = Type.Union([Type.Literal('queued'), Type.Literal('open'), Type.Literal('closed')], {
  description: 'queued: waiting for an agent; open: an agent is handling it (handle start set); closed: handled (handle end set)'
})
export type ChatState = Static<typeof ChatStateSchema>

const NullableDateTime = Type.Union([IsoDateTime, Type.Null()])

export const ChatSchema = Type.Object({
  id: IntegerId,
  customerName: Type.String(),
  state: ChatStateSchema,
  userId: Type.Union([IntegerId, Type.Null()], { description: 'The agent handling the chat; null while queued' }),
  createdAt: IsoDateTime,
  handleStart: NullableDateTime,
  handleEnd: NullableDateTime
}, { title: 'Chat' })
export type Chat = Static<typeof ChatSchema>

export const ChatParamsSchema = Type.Object({ chatId: IntegerId })

export const CreateChatBodySchema = Type.Object({
  customerName: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'The customer\'s name as shown to agents' })
}, { additionalProperties: false })

export const AssignChatBodySchema = Type.Object({
  userId: Type.Optional({
    ...IntegerId,
    description: 'The agent to assign: required with an integration key; with a key bound to a user, omitted means that user'
  })
}, { additionalProperties: false })

export const ListChatsQuerySchema = Type.Composite([PageQuerySchema, Type.Object({
  state: Type.Optional(ChatStateSchema),
  userId: Type.Optional(IntegerId)
})], { additionalProperties: false })
