import { ObjectId } from 'mongodb'
import createError from '@fastify/error'
import { instantRange, isTimeZone, previousPeriod } from './periods.js'
import type { InteractionFilter } from './repository.js'
import type { InteractionFilterQuery } from './schemas.js'

export const UnknownTimeZone = createError('UNKNOWN_TIME_ZONE', 'querystring/tz: unknown time zone "%s" (use an IANA name such as Europe/Dublin)', 400)
export const InvertedRange = createError('INVERTED_RANGE', 'querystring/from must not be after querystring/to', 400)
export const ComparisonNeedsRange = createError('COMPARISON_NEEDS_RANGE', 'compare=previous needs both from and to', 400)
export const PreviousOutOfRange = createError('PREVIOUS_PERIOD_OUT_OF_RANGE', 'compare=previous: the period before %s would begin before 1900-01-01, the first supported day', 400)

export interface DateRange { from?: string, to?: string, tz: string }

/** Checks the zone and the order of the days; throws a 400 otherwise. */
export function checkRange ({ from, to, tz }: DateRange): void {
  if (!isTimeZone(tz)) throw new UnknownTimeZone(tz)
  if (from && to && from > to) throw new InvertedRange()
}

/** The database filter of a validated interaction query: whole local days in `tz`, both ends included. */
export function toInteractionFilter (query: InteractionFilterQuery): InteractionFilter {
  checkRange(query)
  return {
    ...instantRange(query.from, query.to, query.tz),
    ...(query.engagementId ? { engagementId: new ObjectId(query.engagementId) } : {}),
    ...(query.customerId !== undefined ? { customerId: query.customerId } : {}),
    ...(query.agentName !== undefined ? { agentName: query.agentName } : {}),
    ...(query.sentiment !== undefined ? { sentiment: query.sentiment } : {}),
    ...(query.topic !== undefined ? { topic: query.topic } : {})
  }
}

export interface OpenPeriod { from: string | null, to: string | null }
export interface ComparedPeriods { current: OpenPeriod, previous: OpenPeriod | null }

/** The requested period and, with compare=previous, the period of equal length that ends the day before it starts. */
export function comparedPeriods (range: DateRange, compare: 'previous' | 'none'): ComparedPeriods {
  checkRange(range)
  const current = { from: range.from ?? null, to: range.to ?? null }
  if (compare === 'none') return { current, previous: null }
  if (!range.from || !range.to) throw new ComparisonNeedsRange()
  const previous = previousPeriod({ from: range.from, to: range.to })
  if (!previous) throw new PreviousOutOfRange(range.from)
  return { current, previous }
}

/** The instants bounding a period's whole local days. */
export function periodRange (period: OpenPeriod, tz: string) {
  return instantRange(period.from ?? undefined, period.to ?? undefined, tz)
}
