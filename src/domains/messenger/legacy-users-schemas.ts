import { Type, type Static } from '@sinclair/typebox'
import { IntegerId } from '../../schemas/common.js'
import { RoleSchema } from '../clients/schemas.js'
import { StatusStateSchema, STATUS_RULE } from '../users/status-schemas.js'
import { LegacyData, LegacyPage, LegacyPageQuerySchema } from './legacy-paging.js'
import { UnixSeconds } from './legacy-chatrooms-schemas.js'

/** A user in the messenger seed's style: `user_id` and `name` as `GET /users/<ID>` answers them, then the rest. */
export const LegacyMessengerUserSchema = Type.Object({
  user_id: IntegerId,
  name: Type.String({ examples: ['aaron'] }),
  role: RoleSchema,
  created_ts: UnixSeconds('When the user was created'),
  status: StatusStateSchema,
  status_text: Type.Union([Type.String(), Type.Null()], { description: 'The user\'s short status text, null when none' }),
  status_updated_ts: Type.Union([UnixSeconds('When the user last set their status'), Type.Null()], { description: 'null when never set' }),
  status_expires_ts: Type.Union([UnixSeconds('When an online status reads as offline unless renewed'), Type.Null()], { description: 'null unless online' })
}, { title: 'LegacyMessengerUser', description: `A user and their status. ${STATUS_RULE}` })
export type LegacyMessengerUser = Static<typeof LegacyMessengerUserSchema>

export const LegacyUserPageSchema = LegacyPage(LegacyMessengerUserSchema, 'LegacyUserPage')
export const LegacyUserDataSchema = LegacyData(LegacyMessengerUserSchema, 'LegacyUserData')

export const LegacyUsersQuerySchema = Type.Composite([LegacyPageQuerySchema], { additionalProperties: false })

export const LegacyCreateUserBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Display name, 1 to 100 characters (stored trimmed)', examples: ['dave'] }),
  role: Type.Optional(RoleSchema)
}, { additionalProperties: false })
export type LegacyCreateUserBody = Static<typeof LegacyCreateUserBodySchema>

export const LegacyUserParamsSchema = Type.Object({ user_id: IntegerId })
