import { Type, type Static } from '@sinclair/typebox'
import { DATE_RANGE_NOTE, IntegerId, IntegerIdField, IsoDateTime, PageQuerySchema } from '../../schemas/common.js'

/** The longest message text accepted, in characters (UTF-16 code units). */
export const MAX_MESSAGE_LENGTH = 5000
/** How far ahead of the server clock a `sent_at` may be (clock skew between client and server). */
export const MAX_CLOCK_SKEW_MS = 60_000

const Text = Type.String({
  minLength: 1,
  maxLength: MAX_MESSAGE_LENGTH,
  description: `The message, 1–${MAX_MESSAGE_LENGTH} characters, not only whitespace; stored as sent`
})
const Author = () => IntegerIdField('The chat\'s agent. With an integration key, omit it when the customer wrote the message; with a key bound to a user, ' +
  'omit it or name the key\'s own user (the message is always written as that user)')
const SentAt = () => Type.String({
  format: 'date-time',
  description: 'When the message was sent (ISO 8601 with offset); defaults to now. At most 60 s ahead of the server clock, ' +
    `not before the chat was created, and for an agent not before the chat's handle start. ${DATE_RANGE_NOTE}`
})

/** Body of the seed contract `POST /chats/{chat_id}/messages`. */
export const LegacyPostMessageBodySchema = Type.Object({
  text: Text,
  user_id: Type.Optional(Author()),
  sent_at: Type.Optional(SentAt())
}, { additionalProperties: false })

export const LegacyMessageSchema = Type.Object({
  message_id: IntegerId,
  chat_id: IntegerId,
  text: Type.String(),
  user_id: Type.Union([IntegerId, Type.Null()], { description: 'null: written by the customer' }),
  sent_at: IsoDateTime
}, { title: 'LegacyMessage' })

export const LegacyChatParamsSchema = Type.Object({ chat_id: IntegerId })

/** Body of the canonical `POST /api/v1/chats/{chatId}/messages`. */
export const PostMessageBodySchema = Type.Object({
  text: Text,
  userId: Type.Optional(Author()),
  sentAt: Type.Optional(SentAt())
}, { additionalProperties: false })

export const MessageSchema = Type.Object({
  id: IntegerId,
  chatId: IntegerId,
  text: Type.String(),
  userId: Type.Union([IntegerId, Type.Null()], { description: 'null: written by the customer' }),
  sentAt: IsoDateTime
}, { title: 'Message' })
export type Message = Static<typeof MessageSchema>

export const ListMessagesQuerySchema = PageQuerySchema
