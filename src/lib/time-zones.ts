/** IANA time zones: their canonical names, and the instant a calendar day begins in one. Reached through ./dates.ts. */

const DAY_MS = 86_400_000

/** Formatters by canonical zone name (a finite set, about 420), and canonical names by the spelling asked for; both bounded. */
const formatters = new Map<string, Intl.DateTimeFormat>()
const canonicalNames = new Map<string, string>()
const MAX_CACHED = 1000

function remember<V> (cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED) cache.clear()
  cache.set(key, value)
  return value
}

/** The zone's canonical name (`europe/dublin` → `Europe/Dublin`, `EST` → `America/Panama`), or undefined when the runtime knows no such zone. */
export function resolveTimeZone (name: string): string | undefined {
  const known = canonicalNames.get(name)
  if (known !== undefined) return known
  try {
    return remember(canonicalNames, name, new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone)
  } catch {
    return undefined
  }
}

export function isTimeZone (name: string): boolean {
  return resolveTimeZone(name) !== undefined
}

function formatter (zone: string): Intl.DateTimeFormat {
  const canonical = resolveTimeZone(zone)
  if (canonical === undefined) throw new RangeError(`unknown time zone ${zone}`)
  return formatters.get(canonical) ?? remember(formatters, canonical, new Intl.DateTimeFormat('en-US', {
    timeZone: canonical, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'
  }))
}

interface Clock { year: number, month: number, day: number, hour: number, minute: number, second: number }

function wallClock (instant: number, format: Intl.DateTimeFormat): Clock {
  const clock: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(instant))) clock[part.type] = Number(part.value)
  return clock as unknown as Clock
}

/** Whole days since 1970-01-01 of a wall clock's date (no Date.UTC: years below 100 stay what they are). */
function dayOfClock (clock: Clock): number {
  const date = new Date(0)
  date.setUTCFullYear(clock.year, clock.month - 1, clock.day)
  return Math.round(date.getTime() / DAY_MS)
}

/** How far the zone's wall clock is ahead of UTC at `instant` (to the second), in milliseconds. */
function offsetMs (instant: number, format: Intl.DateTimeFormat): number {
  const clock = wallClock(instant, format)
  const wall = dayOfClock(clock) * DAY_MS + ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1000
  return wall - Math.floor(instant / 1000) * 1000
}

/**
 * The instant calendar day `day` (days since 1970-01-01) begins in `zone`: local midnight, or where a daylight-saving
 * jump skips midnight, the first instant of that day. Works a day either side of the supported range too, so that
 * "the start of the day after the last one" is always an instant.
 */
export function startOfZonedDay (day: number, zone: string): Date {
  const format = formatter(zone)
  const midnightAsUtc = day * DAY_MS
  const firstGuess = midnightAsUtc - offsetMs(midnightAsUtc, format)
  const candidates = [midnightAsUtc - offsetMs(firstGuess, format), firstGuess].sort((a, b) => a - b)
  const onTheDay = candidates.find((instant) => dayOfClock(wallClock(instant, format)) === day)
  return new Date(onTheDay ?? firstGuess)
}
