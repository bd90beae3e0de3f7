import { Type, type Static } from '@sinclair/typebox'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import { IntegerId, IntegerIdField, LegacyErrorSchema } from '../../schemas/common.js'
import { MessageText } from './direct-messages-schemas.js'

export const LegacyChatroomParamsSchema = Type.Object({ chatroom_id: IntegerId })

export const LegacyBatchItemSchema = Type.Object({
  message_str: MessageText,
  message_sent_ts: Type.Integer({ minimum: 0, maximum: 253402300799, description: 'When it was sent: Unix time in seconds, not in the future', examples: [1637029963] }),
  sender_user_id: Type.Optional(Type.Unsafe<number>({
    ...IntegerIdField('A member of the chatroom. May be omitted with a key bound to a user (it posts as that user); required with an admin integration key'),
    examples: [2]
  }))
}, { additionalProperties: false })

export const LegacyBatchBodySchema = Type.Object({
  data: Type.Array(LegacyBatchItemSchema, { minItems: 1, maxItems: 100, description: '1 to 100 messages, stored all together or not at all' })
}, { additionalProperties: false })
export type LegacyBatchBody = Static<typeof LegacyBatchBodySchema>

export const LegacyBatchResponseSchema = Type.Object({
  data: Type.Array(Type.Object({ message_id: IntegerId }), { description: 'The new messages\' ids, in the order they were sent' })
}, { title: 'LegacyMessageIds' })

/** `/data/1/message_str` → `data[1].message_str`: the item and field a web developer looks for. */
export function legacyPath (instancePath: string, dataVar: string): string {
  const path = instancePath.split('/').filter(Boolean)
    .map((part, index) => /^\d+$/.test(part) ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`).join('')
  if (dataVar === 'body') return path || 'body'
  return path ? `${dataVar}.${path}` : dataVar
}

/** Validation errors as `{"error": "data[1].message_str: must NOT have more than 1000 characters"}`. */
export function legacyValidationError (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const [first] = errors
  return new Error(first ? `${legacyPath(first.instancePath, dataVar)}: ${first.message ?? 'is invalid'}` : `${dataVar} is invalid`)
}

/** Response schemas for the given error status codes, in the seed's `{"error": "..."}` shape. */
export function legacyErrorResponses (...codes: number[]): Record<number, typeof LegacyErrorSchema> {
  return Object.fromEntries(codes.map((code) => [code, LegacyErrorSchema]))
}
