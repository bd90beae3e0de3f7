/** Periods of calendar days (YYYY-MM-DD) in an IANA time zone, their buckets and the instants that bound them; arithmetic by src/lib/dates.ts. */
import {
  FIRST_DAY, addMonths, dayOf, formatDay, isTimeZone, monthStart, monthsSpanned, startOfDay as zonedStartOfDay, weekStart, type Day
} from '../../lib/dates.js'

export { isTimeZone }

export interface Period { from: string, to: string }
export interface InstantRange { start?: Date, end?: Date }

/** Whole days from `from` to `to`, both included. */
export function daysIn (period: Period): number {
  return dayOf(period.to) - dayOf(period.from) + 1
}

/** The period of equal length that ends the day before `period` starts, or undefined when it would begin before 1900-01-01. */
export function previousPeriod (period: Period): Period | undefined {
  const from = dayOf(period.from)
  const start = from - daysIn(period)
  return start < FIRST_DAY ? undefined : { from: formatDay(start), to: formatDay(from - 1) }
}

/** The instant the day starts in the zone (local midnight; where a DST jump skips midnight, the first instant of the day). */
export function startOfDay (date: string, zone: string): Date {
  return zonedStartOfDay(dayOf(date), zone)
}

/** The instants bounding whole local days: [start of `from`, start of the day after `to`) — an instant even after 9999-12-31. */
export function instantRange (from: string | undefined, to: string | undefined, zone = 'UTC'): InstantRange {
  return {
    ...(from ? { start: zonedStartOfDay(dayOf(from), zone) } : {}),
    ...(to ? { end: zonedStartOfDay(dayOf(to) + 1, zone) } : {})
  }
}

export type BucketUnit = 'day' | 'week' | 'month'

function bucketOf (day: Day, unit: BucketUnit): Day {
  return unit === 'day' ? day : unit === 'week' ? weekStart(day) : monthStart(day)
}

function nextBucket (day: Day, unit: BucketUnit): Day {
  return unit === 'month' ? addMonths(day, 1) : day + (unit === 'week' ? 7 : 1)
}

/** The local date that starts the bucket holding `date` (weeks start on Monday). */
export function bucketStart (date: string, unit: BucketUnit): string {
  return formatDay(bucketOf(dayOf(date), unit))
}

/** How many buckets overlap the period, by arithmetic alone: check it before listing them. */
export function bucketCount (period: Period, unit: BucketUnit): number {
  const from = dayOf(period.from)
  const to = dayOf(period.to)
  if (to < from) return 0
  if (unit === 'month') return monthsSpanned(from, to)
  return unit === 'week' ? (weekStart(to) - weekStart(from)) / 7 + 1 : to - from + 1
}

/** Every bucket label that overlaps the period, in order (1900-01-01 is a Monday: no label falls before the supported range). */
export function bucketLabels (period: Period, unit: BucketUnit): string[] {
  const labels: string[] = []
  const to = dayOf(period.to)
  for (let day = bucketOf(dayOf(period.from), unit); day <= to; day = nextBucket(day, unit)) labels.push(formatDay(day))
  return labels
}
