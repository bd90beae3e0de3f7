/** A half-open interval of instants [from, to); either end may be open. */
export interface Period { from?: Date, to?: Date }

/** Zones found valid so far (building a formatter to check one costs about 0.1 ms), at most 1,000 spellings. */
const validZones = new Set<string>()

export function isTimeZone (timeZone: string): boolean {
  if (validZones.has(timeZone)) return true
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
  } catch {
    return false
  }
  if (validZones.size < 1000) validZones.add(timeZone)
  return true
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter (timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'
    })
    formatters.set(timeZone, format)
  }
  return format
}

function wallClock (instant: number, timeZone: string): Record<string, number> {
  return Object.fromEntries(formatter(timeZone).formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]))
}

/** How far the zone's wall clock is ahead of UTC at `instant` (whole seconds), in milliseconds. */
function zoneOffsetMs (instant: number, timeZone: string): number {
  const { year, month, day, hour, minute, second } = wallClock(instant, timeZone)
  return Date.UTC(year, month - 1, day, hour, minute, second) - instant
}

/**
 * The instant a calendar day (YYYY-MM-DD) begins in a time zone; `dayOffset` moves to a later day.
 * Usually local midnight; where a daylight-saving jump skips midnight, the first instant of that day.
 */
export function startOfDay (date: string, timeZone: string, dayOffset = 0): Date {
  const [year, month, day] = date.split('-').map(Number)
  const midnightAsUtc = Date.UTC(year, month - 1, day + dayOffset)
  const target = new Date(midnightAsUtc).toISOString().slice(0, 10)
  const firstGuess = midnightAsUtc - zoneOffsetMs(midnightAsUtc, timeZone)
  const candidates = [midnightAsUtc - zoneOffsetMs(firstGuess, timeZone), firstGuess].sort((a, b) => a - b)
  const onTargetDay = (instant: number) => {
    const local = wallClock(instant, timeZone)
    return new Date(Date.UTC(local.year, local.month - 1, local.day)).toISOString().slice(0, 10) === target
  }
  return new Date(candidates.find(onTargetDay) ?? firstGuess)
}

/** Inclusive calendar days in a time zone as instants: from the start of `startDate` to the start of the day after `endDate`. */
export function periodOfDays (startDate: string | undefined, endDate: string | undefined, timeZone: string): Period {
  return {
    from: startDate === undefined ? undefined : startOfDay(startDate, timeZone),
    to: endDate === undefined ? undefined : startOfDay(endDate, timeZone, 1)
  }
}
