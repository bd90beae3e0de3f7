import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime, PageQuerySchema } from '../../schemas/common.js'
import { RoleSchema } from '../clients/schemas.js'
import { UserStatusSchema } from './status-schemas.js'

export const UserSchema = Type.Object({
  id: IntegerId,
  name: Type.String(),
  role: RoleSchema,
  createdAt: IsoDateTime,
  status: UserStatusSchema
}, { title: 'User' })
export type User = Static<typeof UserSchema>

/** The shape of the agent-chat seed's `GET /users/<id>`. */
export const LegacyUserSchema = Type.Object({ user_id: IntegerId, name: Type.String() }, { title: 'LegacyUser' })

export const CreateUserBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Display name' }),
  role: Type.Optional(RoleSchema)
}, { additionalProperties: false })
export type CreateUserBody = Static<typeof CreateUserBodySchema>

export const UserParamsSchema = Type.Object({ userId: IntegerId })
export const LegacyUserParamsSchema = Type.Object({ user_id: IntegerId })

export const ListUsersQuerySchema = Type.Composite([PageQuerySchema, Type.Object({ role: Type.Optional(RoleSchema) })], { additionalProperties: false })
export type ListUsersQuery = Static<typeof ListUsersQuerySchema>
