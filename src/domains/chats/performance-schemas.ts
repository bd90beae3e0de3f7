import { Type } from '@sinclair/typebox'
import { CalendarDate, IntegerId } from '../../schemas/common.js'

const Seconds = (description: string) => Type.Union([Type.Number(), Type.Null()], { description })
const CalendarDay = (description: string) => CalendarDate(description, '2020-09-29')

export const PerformanceQuerySchema = Type.Object({
  start_date: Type.Optional(CalendarDay('First day counted (inclusive, in `tz`)')),
  end_date: Type.Optional(CalendarDay('Last day counted (inclusive, in `tz`)')),
  tz: Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone of the days, e.g. Europe/Dublin (default UTC)' })
}, { additionalProperties: false })

export const AgentPerformanceSchema = Type.Object({
  user_id: IntegerId,
  name: Type.String(),
  chats_handled: Type.Integer({ description: 'Chats assigned to the user whose handle start falls in the period' }),
  chats_completed: Type.Integer({ description: 'Of those, the chats with a handle end' }),
  average_handling_time_s: Seconds('Mean of handle end − handle start over the completed chats, to the millisecond; null when none'),
  median_handling_time_s: Seconds('Nearest-rank median (the value at rank ⌈0.5·n⌉ of the sorted handling times); null when none'),
  p90_handling_time_s: Seconds('Nearest-rank 90th percentile (rank ⌈0.9·n⌉ of the sorted handling times); null when none'),
  average_first_response_time_s: Seconds('Mean, over the handled chats where both happened, of the time from the customer\'s first message to the agent\'s first message after it, to the millisecond; null when none'),
  messages_sent: Type.Integer({ description: 'Messages the user sent in the period (any chat)' })
}, { title: 'AgentPerformance' })

export const PerformanceResponseSchema = Type.Object({ data: Type.Array(AgentPerformanceSchema) })
