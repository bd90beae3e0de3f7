/**
 * Every date and date-time Switchboard accepts, and every piece of calendar arithmetic it does, goes through here.
 *
 * The supported range is 1900-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z (an instant, in UTC). 1900 is where
 * Excel's date serials start, and 9999 is the last year ISO 8601 writes with four digits (and MongoDB's $dateToString
 * formats): inside the range a YYYY-MM-DD string sorts as its date does, and no year is ever reinterpreted (Date.UTC
 * maps years 0–99 to 1900–1999; `new Date` cannot hold a leap second and writes years past 9999 as +010000).
 */

import { startOfZonedDay } from './time-zones.js'

const DAY_MS = 86_400_000

export const FIRST_YEAR = 1900
export const LAST_YEAR = 9999
export const MIN_INSTANT_MS = -2_208_988_800_000
export const MAX_INSTANT_MS = 253_402_300_799_999
export const SUPPORTED_RANGE = '1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z'

/** A calendar day as whole days since 1970-01-01 (negative before): arithmetic on it never reinterprets a year. */
export type Day = number

export const FIRST_DAY: Day = MIN_INSTANT_MS / DAY_MS
export const LAST_DAY: Day = Math.floor(MAX_INSTANT_MS / DAY_MS)

/** Milliseconds of a UTC wall-clock time; the year is taken as written (no 0–99 → 19xx mapping). */
function utcMs (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, ms)
  return date.getTime()
}

export function isSupportedInstant (ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS
}

function isSupportedDay (day: Day): boolean {
  return Number.isInteger(day) && day >= FIRST_DAY && day <= LAST_DAY
}

/** The day of a real calendar date (31 April, month 13 and day 0 are not), whatever its year. */
function realDay (year: number, month: number, day: number): Day | undefined {
  if (![year, month, day].every(Number.isInteger) || month < 1 || month > 12 || day < 1) return undefined
  const ms = utcMs(year, month, day)
  const date = new Date(ms)
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? ms / DAY_MS : undefined
}

/** The day of a real calendar date inside the supported years, or undefined. */
export function calendarDay (year: number, month: number, day: number): Day | undefined {
  return year >= FIRST_YEAR && year <= LAST_YEAR ? realDay(year, month, day) : undefined
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A YYYY-MM-DD date (RFC 3339 full-date) inside the supported range, as a Day; anything else is undefined. */
export function parseCalendarDate (text: string): Day | undefined {
  const match = CALENDAR_DATE.exec(text)
  return match ? calendarDay(Number(match[1]), Number(match[2]), Number(match[3])) : undefined
}

function isCalendarDate (text: string): boolean {
  return parseCalendarDate(text) !== undefined
}

/** A Day for a YYYY-MM-DD the schema has already accepted (a RangeError otherwise: a programming mistake, not input). */
export function dayOf (text: string): Day {
  const day = parseCalendarDate(text)
  if (day === undefined) throw new RangeError(`${text} is not a supported calendar date`)
  return day
}

export interface DayParts { year: number, month: number, day: number, weekday: number }

/** Year, month (1–12), day of month and weekday (0 = Sunday) of a Day. */
export function dayParts (day: Day): DayParts {
  const date = new Date(day * DAY_MS)
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay() }
}

/** YYYY-MM-DD of a day inside the supported range (outside it no four-digit form exists: a RangeError). */
export function formatDay (day: Day): string {
  if (!isSupportedDay(day)) throw new RangeError(`day ${day} is outside ${SUPPORTED_RANGE}`)
  const parts = dayParts(day)
  return `${String(parts.year).padStart(4, '0')}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`
}

/** The Monday that starts the week holding `day`. */
export function weekStart (day: Day): Day {
  return day - ((dayParts(day).weekday + 6) % 7)
}

/** The first day of the month holding `day`. */
export function monthStart (day: Day): Day {
  return day - dayParts(day).day + 1
}

/** The first day of the month `months` after the one holding `day` (may fall outside the supported range). */
export function addMonths (day: Day, months: number): Day {
  const { year, month } = dayParts(day)
  const index = year * 12 + (month - 1) + months
  return utcMs(Math.floor(index / 12), (index % 12) + 1, 1) / DAY_MS
}

/** How many months from the month of `from` to the month of `to`, both counted. */
export function monthsSpanned (from: Day, to: Day): number {
  const a = dayParts(from)
  const b = dayParts(to)
  return (b.year - a.year) * 12 + (b.month - a.month) + 1
}

const MONTH = /^(\d{4})-(\d{2})$/
export const CALENDAR_MONTH_PATTERN = '^(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])$'

/** The instants bounding a calendar month YYYY-MM in UTC: [first day, first day of the next month). */
export function monthInstants (month: string): { start: Date, end: Date } {
  const match = MONTH.exec(month)
  const first = match ? calendarDay(Number(match[1]), Number(match[2]), 1) : undefined
  if (first === undefined) throw new RangeError(`${month} is not a supported calendar month`)
  return { start: new Date(first * DAY_MS), end: new Date(addMonths(first, 1) * DAY_MS) }
}

export interface WallClock { year: number, month: number, day: number, hour?: number, minute?: number, second?: number, ms?: number }

/** A wall-clock time at a UTC offset as an instant, or undefined when it is no real time or lies outside the supported range. */
export function utcInstant (clock: WallClock, offsetMinutes = 0): Date | undefined {
  const { hour = 0, minute = 0, second = 0, ms = 0 } = clock
  if (hour > 23 || minute > 59 || second > 59 || ms < 0 || ms > 999 || Math.abs(offsetMinutes) >= 24 * 60) return undefined
  const day = realDay(clock.year, clock.month, clock.day)
  if (day === undefined) return undefined
  const instant = day * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms
  return isSupportedInstant(instant) ? new Date(instant) : undefined
}

/** RFC 3339 date-time as JSON Schema's `date-time` has it: T or space, a fraction of any length, Z, ±hh, ±hhmm or ±hh:mm. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

export interface DateTimeProblem { reason: string }

/** Parses an API date-time; a leap second, a missing zone, an impossible day or an instant outside the range are problems. */
export function parseDateTime (text: string): Date | DateTimeProblem {
  const match = DATE_TIME.exec(text)
  if (!match) return { reason: 'is not an ISO 8601 date-time with a time zone, e.g. 2020-09-29T09:00:20.540Z' }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (second === 60) return { reason: 'is a leap second, which JavaScript and BSON dates cannot hold: send 23:59:59.999 or the next second' }
  const ms = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3))
  const sign = match[9] === '-' ? -1 : 1
  const offsetHours = Number(match[10] ?? 0)
  const offsetMinutes = Number(match[11] ?? 0)
  if (offsetHours > 23 || offsetMinutes > 59) return { reason: 'has an impossible UTC offset' }
  if (realDay(year, month, day) === undefined) return { reason: 'is not a real calendar date' }
  const instant = utcInstant({ year, month, day, hour, minute, second, ms }, sign * (offsetHours * 60 + offsetMinutes))
  if (!instant) return { reason: hour > 23 || minute > 59 ? 'is not a real time of day' : `is outside the supported range ${SUPPORTED_RANGE}` }
  return instant
}

function isDateTime (text: string): boolean {
  return parseDateTime(text) instanceof Date
}

/** The instant of a date-time the schema has already accepted; anything else is a 400 naming the field. */
export function instantOf (text: string, field: string): Date {
  const parsed = parseDateTime(text)
  if (parsed instanceof Date) return parsed
  throw Object.assign(new Error(`${field} ${parsed.reason}`), { statusCode: 400, code: 'INVALID_DATE' })
}

/** The instant of a Unix time in whole seconds (the messenger seed's `message_sent_ts`); outside the range, a 400 naming the field. */
export function unixSecondsInstant (seconds: number, field: string): Date {
  const ms = seconds * 1000
  if (Number.isInteger(seconds) && isSupportedInstant(ms)) return new Date(ms)
  throw Object.assign(new Error(`${field} is outside the supported range ${SUPPORTED_RANGE}`), { statusCode: 400, code: 'INVALID_DATE' })
}

/** A Date from elsewhere (a spreadsheet's date cell, a driver) when it is a real instant inside the supported range. */
export function supportedDate (date: Date): Date | undefined {
  return isSupportedInstant(date.getTime()) ? date : undefined
}

/** Excel's day 0 is 1899-12-30 (the 1900 leap-year bug included), so serial 1 is 1900-01-01 and 2958465 is 9999-12-31. */
const EXCEL_EPOCH_MS = MIN_INSTANT_MS - 2 * DAY_MS
const MAX_EXCEL_SERIAL = 2958465

/**
 * An Excel serial date (days since 1899-12-30, the fraction is the time of day), read as UTC and rounded to the second.
 * Excel counts a 29 February 1900 that never was (serial 60): serials before it are a day later than the count.
 */
export function excelSerialInstant (serial: number): Date | undefined {
  if (!Number.isFinite(serial) || serial < 1 || serial >= MAX_EXCEL_SERIAL + 1 || Math.floor(serial) === 60) return undefined
  const days = serial < 60 ? serial + 1 : serial
  const instant = Math.round((EXCEL_EPOCH_MS + days * DAY_MS) / 1000) * 1000
  return isSupportedInstant(instant) ? new Date(instant) : undefined
}

/** ISO 8601 as spreadsheets and exports write it: a date, optionally a time (seconds and fraction optional), optionally a zone. */
const LENIENT_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/

/** An imported ISO 8601 date or date-time (UTC unless it names a zone) inside the supported range, or undefined. */
export function parseLenientIso (text: string): Date | undefined {
  const match = LENIENT_ISO.exec(text)
  if (!match) return undefined
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[]
  const ms = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3))
  const offset = match[9] ? (match[9] === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11])) : 0
  if (Number(match[11] ?? 0) > 59) return undefined
  return utcInstant({ year: year as number, month: month as number, day: day as number, hour, minute, second, ms }, offset)
}


export { isTimeZone, resolveTimeZone } from './time-zones.js'

/** The instant a calendar day begins in an IANA zone (local midnight, or the first instant after a skipped one). */
export function startOfDay (day: Day, zone: string): Date {
  return startOfZonedDay(day, zone)
}

interface FormatRegistry { addFormat (name: string, format: { type: 'string', validate: (text: string) => boolean }): unknown }

/**
 * Makes JSON Schema's `date` and `date-time` formats mean "a date this module accepts" in the app's ajv, so that every
 * route's dates (and the seed contracts' start_date, end_date, sent_at) are checked the same way, range included.
 */
export function addDateFormats (ajv: FormatRegistry): void {
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate })
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime })
}
