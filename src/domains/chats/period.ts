/** A half-open interval of instants [from, to); either end may be open. */
export interface Period { from?: Date, to?: Date }

export function isTimeZone (timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
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

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
function zoneOffsetMs (instant: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]))
  const wallClock = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
  return wallClock - Math.floor(instant / 1000) * 1000
}

function calendarDay (date: string): [number, number, number] {
  const [year, month, day] = date.split('-').map(Number)
  return [year, month - 1, day]
}

/** The instant a calendar day (YYYY-MM-DD) begins in a time zone; `dayOffset` moves to a later or earlier day. */
export function startOfDay (date: string, timeZone: string, dayOffset = 0): Date {
  const [year, month, day] = calendarDay(date)
  const midnightAsUtc = Date.UTC(year, month, day + dayOffset)
  const firstGuess = midnightAsUtc - zoneOffsetMs(midnightAsUtc, timeZone)
  return new Date(midnightAsUtc - zoneOffsetMs(firstGuess, timeZone))
}

/** Inclusive calendar days in a time zone as instants: from the start of `startDate` to the start of the day after `endDate`. */
export function periodOfDays (startDate: string | undefined, endDate: string | undefined, timeZone: string): Period {
  return {
    from: startDate === undefined ? undefined : startOfDay(startDate, timeZone),
    to: endDate === undefined ? undefined : startOfDay(endDate, timeZone, 1)
  }
}
