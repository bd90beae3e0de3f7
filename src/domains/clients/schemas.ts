import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime, ObjectIdString } from '../../schemas/common.js'

export const RoleSchema = Type.Union([Type.Literal('agent'), Type.Literal('manager'), Type.Literal('admin')], {
  description: 'agent < manager < admin: a key may call every route needing its role or a lower one'
})
export type Role = Static<typeof RoleSchema>

export const ClientSchema = Type.Object({
  id: ObjectIdString,
  name: Type.String(),
  nickName: Type.String(),
  createdAt: IsoDateTime
}, { title: 'Client' })
export type Client = Static<typeof ClientSchema>

export const CreateClientBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  nickName: Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Short lowercase handle, unique' })
}, { additionalProperties: false })
export type CreateClientBody = Static<typeof CreateClientBodySchema>

export const ClientParamsSchema = Type.Object({ clientId: ObjectIdString })

export const ApiKeySchema = Type.Object({
  id: ObjectIdString,
  name: Type.String(),
  role: RoleSchema,
  userId: Type.Union([IntegerId, Type.Null()], {
    description: 'The user the key is bound to: it acts as that user only. null: an integration key, acting for the client as a whole'
  }),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  createdAt: IsoDateTime,
  revokedAt: Type.Union([IsoDateTime, Type.Null()])
}, { title: 'ApiKey' })
export type ApiKey = Static<typeof ApiKeySchema>

export const CreatedApiKeySchema = Type.Intersect([ApiKeySchema, Type.Object({
  key: Type.String({ description: 'The secret key. Shown only in this response: store it now.' })
})], { title: 'CreatedApiKey' })

export const CreateApiKeyBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  role: RoleSchema,
  userId: Type.Optional({
    ...IntegerId,
    description: 'Bind the key to this user of the client (422 if the client has no such user): it then sends, reads and writes as that user only. ' +
      'Omit for an integration key, which acts for the client as a whole. A user may hold several keys.'
  })
}, { additionalProperties: false })
export type CreateApiKeyBody = Static<typeof CreateApiKeyBodySchema>

export const ListApiKeysQuerySchema = Type.Object({
  userId: Type.Optional({ ...IntegerId, description: 'Only the keys bound to this user' })
}, { additionalProperties: false })

export const ApiKeyParamsSchema = Type.Object({ clientId: ObjectIdString, keyId: ObjectIdString })
