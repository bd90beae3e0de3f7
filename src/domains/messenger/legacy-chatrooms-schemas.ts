import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IntegerIdField } from '../../schemas/common.js'
import { MAX_CHATROOM_MEMBERS } from './chatrooms-schemas.js'
import { LegacyData, LegacyPage, LegacyPageQuerySchema } from './legacy-paging.js'

/**
 * The messenger seed's style: snake_case; `<thing>_id` for ids, `<role>_user_id` for the user in a role, `*_ts` for
 * Unix times in whole seconds; `message_str` and `message_sent_ts` as in its batch route.
 */
export const UnixSeconds = (description: string) => Type.Integer({ minimum: 0, description, examples: [1637029963] })

const SeedUserId = (description: string) => IntegerIdField(description)

export const ActingUserNote = 'Omit with a key bound to a user (it acts as that user); required with an admin integration key'

export const LegacyChatroomSchema = Type.Object({
  chatroom_id: IntegerId,
  name: Type.String({ examples: ['my chatroom'] }),
  created_by_user_id: IntegerId,
  member_count: Type.Integer({ minimum: 1 }),
  created_ts: UnixSeconds('When the room was created')
}, { title: 'LegacyChatroom' })
export type LegacyChatroom = Static<typeof LegacyChatroomSchema>

export const LegacyChatroomDetailsSchema = Type.Composite([LegacyChatroomSchema, Type.Object({
  member_user_ids: Type.Array(IntegerId, { maxItems: MAX_CHATROOM_MEMBERS, description: `Its members (the seed's user2chatroom), in id order; at most ${MAX_CHATROOM_MEMBERS}` })
})], { title: 'LegacyChatroomDetails' })
export type LegacyChatroomDetails = Static<typeof LegacyChatroomDetailsSchema>

export const LegacyMessageSchema = Type.Object({
  message_id: IntegerId,
  chatroom_id: IntegerId,
  sender_user_id: IntegerId,
  message_str: Type.String(),
  message_sent_ts: UnixSeconds('When it was sent (Unix seconds)')
}, { title: 'LegacyMessage' })
export type LegacyMessage = Static<typeof LegacyMessageSchema>

export const LegacyChatroomPageSchema = LegacyPage(LegacyChatroomSchema, 'LegacyChatroomPage')
export const LegacyMessagePageSchema = LegacyPage(LegacyMessageSchema, 'LegacyMessagePage')
export const LegacyChatroomDataSchema = LegacyData(LegacyChatroomDetailsSchema, 'LegacyChatroomData')

export const LegacyRoomParamsSchema = Type.Object({ chatroom_id: IntegerId })
export const LegacySenderParamsSchema = Type.Object({ chatroom_id: IntegerId, sender_user_id: IntegerId })

export const LegacyChatroomsQuerySchema = Type.Composite([LegacyPageQuerySchema], { additionalProperties: false })

export const LegacyRoomMessagesQuerySchema = Type.Composite([LegacyPageQuerySchema, Type.Object({
  user_id: Type.Optional(SeedUserId(`The member reading the room (only members may read it). ${ActingUserNote}`)),
  order: Type.Unsafe<'asc' | 'desc'>({ type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'asc: oldest first (default); desc: newest first' })
})], { additionalProperties: false })
export type LegacyRoomMessagesQuery = Static<typeof LegacyRoomMessagesQuerySchema>

const UserIdList = (description: string) =>
  Type.Array(SeedUserId('A user of the client'), { minItems: 1, maxItems: 100, uniqueItems: true, description })

export const LegacyCreateChatroomBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: '1 to 100 characters, not only whitespace', examples: ['my chatroom'] }),
  created_by_user_id: Type.Optional(SeedUserId(`The user creating the room; they become its first member. ${ActingUserNote}`)),
  member_user_ids: Type.Optional(UserIdList('Other users to add at once (1–100 distinct user ids)'))
}, { additionalProperties: false })
export type LegacyCreateChatroomBody = Static<typeof LegacyCreateChatroomBodySchema>

export const LegacyInviteBodySchema = Type.Object({
  chatroom_id: IntegerId,
  user_ids: UserIdList('The users to add (1–100 distinct user ids); those already members are left as they are'),
  invited_by_user_id: Type.Optional(SeedUserId(`The member of the room who invites the others. ${ActingUserNote}`))
}, { additionalProperties: false })
export type LegacyInviteBody = Static<typeof LegacyInviteBodySchema>
