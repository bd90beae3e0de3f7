import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { LegacyErrorSchema } from '../../schemas/common.js'
import { isTimeZone, periodOfDays } from './period.js'
import { PerformanceQuerySchema, PerformanceResponseSchema } from './performance-schemas.js'

/** Seconds shown to the millisecond (means of millisecond durations need not stop there). */
function toMilliseconds (seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1000) / 1000
}

/** Agent performance statistics: the agent-chat seed's `GET /users/performance`. */
const performanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/users/performance', {
    config: { auth: { role: 'manager' }, legacyErrors: true },
    schema: {
      tags: ['seed contracts', 'chats'],
      summary: 'Chats handled, handling times, first response time and messages sent, for every user of the client',
      description: 'Identity: client-wide figures for the manager role; no user acts, so a manager key bound to a user sees the same figures as a manager integration key. ' +
        'Every user of the client appears, including those with no chats (zeros and nulls). A chat counts in the period ' +
        'when its handle start falls on one of the days from `start_date` to `end_date` (inclusive) in the time zone `tz`; ' +
        'a message counts when it was sent on one of those days. Without dates, all time counts. Durations are in seconds. ' +
        'Percentiles use the nearest-rank definition: the value at rank ⌈p·n⌉ of the sorted handling times.',
      querystring: PerformanceQuerySchema,
      response: { 200: PerformanceResponseSchema, 400: LegacyErrorSchema }
    }
  }, async (request) => {
    const { start_date: startDate, end_date: endDate, tz } = request.query
    if (!isTimeZone(tz)) throw app.httpErrors.badRequest(`tz must be an IANA time zone such as Europe/Dublin; got "${tz}"`)
    if (startDate && endDate && endDate < startDate) throw app.httpErrors.badRequest('end_date must not be before start_date')
    const rows = await app.chatStats.agentPerformance(callerClientId(request), periodOfDays(startDate, endDate, tz))
    return {
      data: rows.map((row) => ({
        user_id: row.userId,
        name: row.name,
        chats_handled: row.chatsHandled,
        chats_completed: row.chatsCompleted,
        average_handling_time_s: toMilliseconds(row.averageHandlingTimeS),
        median_handling_time_s: row.medianHandlingTimeS,
        p90_handling_time_s: row.p90HandlingTimeS,
        average_first_response_time_s: toMilliseconds(row.averageFirstResponseTimeS),
        messages_sent: row.messagesSent
      }))
    }
  })
}

export default performanceRoutes
