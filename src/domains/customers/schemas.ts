import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IntegerIdField, IsoDateTime, PageQuerySchema } from '../../schemas/common.js'

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' })

export const CustomerSchema = Type.Object({
  customerId: IntegerId,
  occupation: Type.Union([Type.String(), Type.Null()]),
  type: Type.Union([Type.String(), Type.Null()]),
  inferred: Type.Boolean({ description: 'True when the customer is known only because an interaction referenced it (no customer record yet)' }),
  createdAt: IsoDateTime
}, { title: 'Customer' })
export type Customer = Static<typeof CustomerSchema>

export const CreateCustomerBodySchema = Type.Object({
  customerId: Type.Optional(IntegerIdField('The id from the source data; omitted: the client\'s next automatic id that no customer holds')),
  occupation: Type.Optional(Text(200)),
  type: Type.Optional(Text(100))
}, { additionalProperties: false })
export type CreateCustomerBody = Static<typeof CreateCustomerBodySchema>

export const CustomerParamsSchema = Type.Object({ customerId: IntegerId })

export const CustomerListQuerySchema = Type.Composite([PageQuerySchema, Type.Object({
  inferred: Type.Optional(Type.Boolean({ description: 'Only inferred customers (true) or only recorded ones (false)' }))
})], { additionalProperties: false })
export type CustomerListQuery = Static<typeof CustomerListQuerySchema>
