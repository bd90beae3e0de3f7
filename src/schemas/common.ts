import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CALENDAR_MONTH_PATTERN, SUPPORTED_RANGE } from '../lib/dates.js'

/** A 24-hex-digit MongoDB ObjectId as it appears in URLs and bodies. */
export const ObjectIdString = Type.String({ pattern: '^[0-9a-fA-F]{24}$', description: 'ObjectId (24 hex digits)', examples: ['5f18d12f42262eec0d43567d'] })

/**
 * The one grammar of an integer written as text (a path or query parameter): decimal digits without a leading zero
 * (a minus sign is read, so that `-1` and `0` are refused by the range, not the grammar). Each id has one spelling.
 */
export const INTEGER_ID_PATTERN = '^(0|-?[1-9][0-9]*)$'
export const MAX_INTEGER_ID = 2147483647

/**
 * A positive integer id as used for users, chats, messages, customers and chatrooms (per client): a JSON integer, or text
 * in the grammar above, from 1 to 2147483647. The pattern is checked before the validator coerces the text, so `0x1`, `1e0`,
 * `+1`, ` 1`, `01` and `1.0` are refused ("must be integer", see src/plugins/errors.ts) instead of read as 1; the OpenAPI
 * document shows it as an integer (src/plugins/openapi30.ts).
 */
export const IntegerId = Type.Unsafe<number>({
  type: ['integer', 'string'],
  allOf: [{ pattern: INTEGER_ID_PATTERN }, { type: 'integer', minimum: 1, maximum: MAX_INTEGER_ID }]
})

/** The shared integer id with a description of the field it fills. */
export function IntegerIdField (description: string) {
  return Type.Unsafe<number>({ ...IntegerId, description })
}

/** What every date field's description says about the dates Switchboard can store (src/lib/dates.ts). */
export const DATE_RANGE_NOTE = `Supported: ${SUPPORTED_RANGE} (years 1900–9999); a leap second (23:59:60) cannot be stored and is a 400.`

export const IsoDateTime = Type.String({
  format: 'date-time', description: `ISO 8601 date-time with its UTC offset (answers are in UTC). ${DATE_RANGE_NOTE}`, examples: ['2020-09-29T09:00:20.540Z']
})

/** A calendar date YYYY-MM-DD between 1900-01-01 and 9999-12-31. */
export function CalendarDate (description: string, example = '2019-10-01') {
  return Type.String({ format: 'date', description: `${description} (YYYY-MM-DD, 1900-01-01 to 9999-12-31)`, examples: [example] })
}

/** A calendar month YYYY-MM between 1900-01 and 9999-12. */
export const CalendarMonth = Type.String({ pattern: CALENDAR_MONTH_PATTERN, description: 'Calendar month YYYY-MM (1900-01 to 9999-12)', examples: ['2019-01'] })

export const ErrorDetailSchema = Type.Object({
  field: Type.String({ description: 'Where the problem is, e.g. body/text or querystring/limit' }),
  message: Type.String()
})

/** The one error envelope of the canonical API. */
export const ErrorSchema = Type.Object({
  statusCode: Type.Integer({ examples: [404] }),
  code: Type.String({ description: 'Stable machine-readable code', examples: ['NOT_FOUND'] }),
  error: Type.String({ description: 'What went wrong, for a person', examples: ['Chat 42 not found'] }),
  details: Type.Optional(Type.Array(ErrorDetailSchema))
}, { $id: 'Error', title: 'Error' })
export type ErrorBody = Static<typeof ErrorSchema>

/** The shape the seed contracts document for their errors: `{"error": "..."}`. */
export const LegacyErrorSchema = Type.Object({ error: Type.String() }, { title: 'LegacyError' })

/** Response schemas for the given error status codes, in the canonical envelope. */
export function errorResponses (...codes: number[]): Record<number, typeof ErrorSchema> {
  return Object.fromEntries(codes.map((code) => [code, ErrorSchema]))
}

export const PageQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page (1–100)' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Opaque cursor from the previous page\'s nextCursor' }))
})
export type PageQuery = Static<typeof PageQuerySchema>

/** A page of items with the cursor of the next page (null on the last page). */
export function Page<T extends TSchema> (item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` to get the next page; null when there is none' })
  })
}
