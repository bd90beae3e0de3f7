import { Type, type Static } from '@sinclair/typebox'
import { DATE_RANGE_NOTE, IntegerId, IntegerIdField, IsoDateTime, ObjectIdString } from '../../schemas/common.js'

/** How far back recent-message queries reach, and how many messages one page holds at most. */
export const RECENT_WINDOW_DAYS = 30
export const RECENT_WINDOW_MS = RECENT_WINDOW_DAYS * 24 * 60 * 60 * 1000
export const RECENT_MAX = 100

/** A user id of the caller's client, described for the field it fills. */
export function UserIdField (description: string) {
  return IntegerIdField(description)
}

export const MessageText = Type.String({
  minLength: 1,
  maxLength: 1000,
  pattern: '\\S',
  description: '1 to 1,000 characters with at least one that is not whitespace; stored exactly as sent (not trimmed)',
  examples: ['hi. how are you?']
})

export const DirectMessageSchema = Type.Object({
  id: ObjectIdString,
  senderId: IntegerId,
  recipientId: IntegerId,
  text: Type.String(),
  sentAt: IsoDateTime
}, { title: 'DirectMessage' })
export type DirectMessage = Static<typeof DirectMessageSchema>

export const SendDirectMessageBodySchema = Type.Object({
  senderId: Type.Optional(UserIdField('The user the message is from. Omit with a key bound to a user (it sends as that user); ' +
    'required with an admin integration key')),
  recipientId: UserIdField('The user the message is for (a user of the key\'s client, not the sender)'),
  text: MessageText
}, { additionalProperties: false })
export type SendDirectMessageBody = Static<typeof SendDirectMessageBodySchema>

export const RecipientParamsSchema = Type.Object({ userId: IntegerId })

export const RecentMessagesQuerySchema = Type.Object({
  senderId: Type.Optional(UserIdField('Only messages from this sender; omit for all senders')),
  limit: Type.Integer({ minimum: 1, maximum: RECENT_MAX, default: RECENT_MAX, description: 'At most this many messages (1–100, default 100)' }),
  since: Type.Optional(Type.String({
    format: 'date-time',
    description: `Only messages sent at or after this instant (ISO 8601); it may not be more than 30 days before the request (400 otherwise). ${DATE_RANGE_NOTE}`,
    examples: ['2021-11-16T07:00:00Z']
  })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The previous page\'s nextCursor: the next older messages, still within the window' }))
}, { additionalProperties: false })
export type RecentMessagesQuery = Static<typeof RecentMessagesQuerySchema>

export const RECENT_RULE =
  'Returns the newest messages first: at most `limit` (default and maximum 100), and never any older than 30 days before the request ' +
  '(or older than `since`, when given) — whichever bound is reached first. `nextCursor` pages on to older messages inside the same bounds; ' +
  'it is null when there are no more.'
