import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime, PageQuerySchema } from '../../schemas/common.js'
import { MessageText, UserIdField } from './direct-messages-schemas.js'

export const MAX_CHATROOM_MEMBERS = 1000

export const ChatroomSchema = Type.Object({
  id: IntegerId,
  name: Type.String(),
  createdBy: IntegerId,
  memberCount: Type.Integer({ minimum: 1 }),
  createdAt: IsoDateTime
}, { title: 'Chatroom' })
export type Chatroom = Static<typeof ChatroomSchema>

const UserIdList = (description: string) => Type.Array(IntegerId, { minItems: 1, maxItems: 100, uniqueItems: true, description })

export const CreateChatroomBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['my chatroom'] }),
  createdBy: Type.Optional(UserIdField('The user creating the room; they become its first member. Omit with a key bound to a user ' +
    '(it creates as that user); required with an admin integration key')),
  memberIds: Type.Optional(UserIdList('Other users to add at once (1–100 distinct user ids)'))
}, { additionalProperties: false })
export type CreateChatroomBody = Static<typeof CreateChatroomBodySchema>

export const InviteBodySchema = Type.Object({
  invitedBy: Type.Optional(UserIdField('The member of the room who invites the others. Omit with a key bound to a user ' +
    '(it invites as that user); required with an admin integration key')),
  userIds: UserIdList('The users to add (1–100 distinct user ids); those already members are left as they are')
}, { additionalProperties: false })
export type InviteBody = Static<typeof InviteBodySchema>

export const ChatroomParamsSchema = Type.Object({ chatroomId: IntegerId })

export const ListChatroomsQuerySchema = Type.Composite([PageQuerySchema], { additionalProperties: false })

export const ChatroomMessageSchema = Type.Object({
  id: IntegerId,
  chatroomId: IntegerId,
  senderId: IntegerId,
  text: Type.String(),
  sentAt: IsoDateTime
}, { title: 'ChatroomMessage' })
export type ChatroomMessage = Static<typeof ChatroomMessageSchema>

export const PostChatroomMessageBodySchema = Type.Object({
  senderId: Type.Optional(UserIdField('The member who posts the message. Omit with a key bound to a user (it posts as that user); ' +
    'required with an admin integration key')),
  text: MessageText
}, { additionalProperties: false })
export type PostChatroomMessageBody = Static<typeof PostChatroomMessageBodySchema>

export const ListChatroomMessagesQuerySchema = Type.Composite([PageQuerySchema, Type.Object({
  userId: Type.Optional(UserIdField('The member reading the room (only members may read it). Omit with a key bound to a user ' +
    '(it reads as that user); required with an admin integration key')),
  senderId: Type.Optional(UserIdField('Only the messages of this sender')),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc', description: 'asc: oldest first (default); desc: newest first' })
})], { additionalProperties: false })
export type ListChatroomMessagesQuery = Static<typeof ListChatroomMessagesQuerySchema>

export const MemberQuerySchema = Type.Object({
  userId: Type.Optional(UserIdField('The member opening the stream (only members may). Omit with a key bound to a user ' +
    '(it listens as that user); required with an admin integration key'))
}, { additionalProperties: false })
