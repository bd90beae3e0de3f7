/** Calendar days (YYYY-MM-DD) in a named IANA time zone, and the instants that bound them. */

const DAY_MS = 24 * 60 * 60 * 1000

export interface Period { from: string, to: string }
export interface InstantRange { start?: Date, end?: Date }

/** True when the zone name is one the runtime knows (IANA names such as Europe/Dublin, or UTC). */
/** Zones found valid so far (building a formatter to check one costs about 0.1 ms), at most 1,000 spellings. */
const validZones = new Set<string>()

export function isTimeZone (zone: string): boolean {
  if (validZones.has(zone)) return true
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
  } catch {
    return false
  }
  if (validZones.size < 1000) validZones.add(zone)
  return true
}

function utcDay (date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return Date.UTC(year, month - 1, day)
}

export function addDays (date: string, days: number): string {
  return new Date(utcDay(date) + days * DAY_MS).toISOString().slice(0, 10)
}

export function addMonths (date: string, months: number): string {
  const day = new Date(utcDay(date))
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + months, day.getUTCDate())).toISOString().slice(0, 10)
}

/** Whole days from `from` to `to`, both included. */
export function daysIn (period: Period): number {
  return Math.round((utcDay(period.to) - utcDay(period.from)) / DAY_MS) + 1
}

/** The period of equal length that ends the day before `period` starts. */
export function previousPeriod (period: Period): Period {
  return { from: addDays(period.from, -daysIn(period)), to: addDays(period.from, -1) }
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffset (instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'
  }).formatToParts(new Date(instant))
  const part = (type: string) => Number(parts.find((item) => item.type === type)?.value)
  const wallClock = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'))
  return wallClock - Math.floor(instant / 1000) * 1000
}

/** The instant the day starts in the zone (local midnight; on a DST change the offset of that midnight is used). */
export function startOfDay (date: string, zone: string): Date {
  const wallMidnight = utcDay(date)
  let instant = wallMidnight - zoneOffset(wallMidnight, zone)
  instant = wallMidnight - zoneOffset(instant, zone)
  return new Date(instant)
}

/** The instants bounding whole local days: [start of `from`, start of the day after `to`). */
export function instantRange (from: string | undefined, to: string | undefined, zone = 'UTC'): InstantRange {
  return {
    ...(from ? { start: startOfDay(from, zone) } : {}),
    ...(to ? { end: startOfDay(addDays(to, 1), zone) } : {})
  }
}

export type BucketUnit = 'day' | 'week' | 'month'

/** The local date that starts the bucket holding `date` (weeks start on Monday). */
export function bucketStart (date: string, unit: BucketUnit): string {
  if (unit === 'day') return date
  if (unit === 'month') return `${date.slice(0, 7)}-01`
  const weekday = new Date(utcDay(date)).getUTCDay()
  return addDays(date, -((weekday + 6) % 7))
}

/** Every bucket label that overlaps the period, in order. */
export function bucketLabels (period: Period, unit: BucketUnit): string[] {
  const labels: string[] = []
  for (let label = bucketStart(period.from, unit); label <= period.to;) {
    labels.push(label)
    label = unit === 'month' ? addMonths(label, 1) : addDays(label, unit === 'week' ? 7 : 1)
  }
  return labels
}
