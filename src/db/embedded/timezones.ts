/**
 * Time zones of date expressions as mongod accepts them: Olson names (validated by the
 * platform's time zone database through `Intl`, not by their shape) and fixed UTC offsets
 * ("+hh", "+hhmm", "+hh:mm", and the same with "-").
 */
import { CommandError } from './errors.js'
import { bsonTypeName } from './values.js'

export interface Zone {
  readonly name: string
  /** Minutes east of UTC at the given instant (milliseconds since the epoch). */
  offsetAt(instant: number): number
}

const zones = new Map<string, Zone>()
let supported: { exact: Set<string>; lower: Set<string> } | undefined

function supportedNames (): { exact: Set<string>; lower: Set<string> } {
  if (supported === undefined) {
    const names = Intl.supportedValuesOf('timeZone')
    supported = { exact: new Set(names), lower: new Set(names.map((n) => n.toLowerCase())) }
  }
  return supported
}

const UTC: Zone = { name: 'UTC', offsetAt: () => 0 }

/** The zone named by a `timezone` argument; mongod's errors for a non-string or unknown name. */
export function zoneOf (timezone: unknown): Zone {
  if (typeof timezone !== 'string') {
    throw new CommandError(40517, 'Location40517', `timezone must evaluate to a string, found ${bsonTypeName(timezone)}`)
  }
  let zone = zones.get(timezone)
  if (zone === undefined) {
    zone = fixedOffsetZone(timezone) ?? olsonZone(timezone)
    if (zone === undefined) throw new CommandError(40485, 'Location40485', `unrecognized time zone identifier: "${timezone}"`)
    zones.set(timezone, zone)
  }
  return zone
}

/** The zone of an optional `timezone` argument: UTC when it is missing. */
export const optionalZone = (timezone: unknown): Zone => (timezone === undefined ? UTC : zoneOf(timezone))

function fixedOffsetZone (name: string): Zone | undefined {
  const match = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(name)
  if (match === null) return undefined
  const hours = Number(match[2])
  const minutes = Number(match[3] ?? 0)
  if (hours > 23 || minutes > 59) return undefined
  const offset = (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
  return { name, offsetAt: () => offset }
}

function olsonZone (name: string): Zone | undefined {
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
  } catch {
    return undefined
  }
  // Intl matches names case-insensitively; mongod's zone table does not.
  const { exact, lower } = supportedNames()
  const resolved = format.resolvedOptions().timeZone
  if (!exact.has(name) && resolved !== name && (lower.has(name.toLowerCase()) || resolved.toLowerCase() === name.toLowerCase())) return undefined
  return { name, offsetAt: (instant) => offsetFrom(format, instant) }
}

function offsetFrom (format: Intl.DateTimeFormat, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(new Date(whole))) parts[part.type] = part.value
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year)
  const local = new Date(0)
  local.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day))
  local.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0)
  return (local.getTime() - whole) / 60_000
}

/** The wall-clock time of an instant in a zone, as the UTC timestamp of that wall clock. */
export const toWallClock = (instant: number, zone: Zone): number => instant + zone.offsetAt(instant) * 60_000

/** The instant of a wall-clock time (given as the UTC timestamp of that wall clock) in a zone. */
export function fromWallClock (local: number, zone: Zone): number {
  const first = local - zone.offsetAt(local) * 60_000
  return local - zone.offsetAt(first) * 60_000
}

/** "+hhmm" as `%z` prints an offset in minutes. */
export function formatOffset (minutes: number): string {
  const abs = Math.floor(Math.abs(minutes))
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`
}
