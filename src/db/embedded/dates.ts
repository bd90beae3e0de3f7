/**
 * Date expressions with a `timezone`. mingo accepts only Area/Location names and fixed offsets,
 * takes the offset of a named zone at the current instant for $dateFromParts/$dateFromString,
 * and ignores the zone in $dateAdd/$dateSubtract and in sub-day $dateTrunc. These shims resolve
 * the zone (timezones.ts), move the date to its local wall clock, and let mingo compute on that
 * wall clock as if it were UTC; results that are instants are moved back.
 */
import { evalExpr } from 'mingo/core'
import {
  $dateAdd as mingoDateAdd,
  $dateDiff as mingoDateDiff,
  $dateFromParts as mingoDateFromParts,
  $dateFromString,
  $dateSubtract as mingoDateSubtract,
  $dateToParts as mingoDateToParts,
  $dateToString as mingoDateToString,
  $dateTrunc as mingoDateTrunc,
  $dayOfMonth,
  $dayOfWeek,
  $dayOfYear,
  $hour,
  $isoDayOfWeek,
  $isoWeek,
  $isoWeekYear,
  $millisecond,
  $minute,
  $month,
  $second,
  $week,
  $year
} from 'mingo/operators/expression'
import type { Any, AnyObject, Options } from 'mingo/types'
import { CommandError } from './errors.js'
import { formatOffset, fromWallClock, optionalZone, toWallClock, type Zone } from './timezones.js'
import { bsonTypeName, isPlainObject } from './values.js'

type ExpressionOperator = (obj: AnyObject, expr: Any, options: Options) => Any

const literal = (value: unknown): AnyObject => ({ $literal: value })
const isNil = (value: unknown): value is null | undefined => value === null || value === undefined
const hasTimezone = (expr: Any): expr is AnyObject => isPlainObject(expr) && Object.hasOwn(expr, 'timezone')

/** A date argument as mongod reads it: a Date, or the creation time of an ObjectId. */
function asDate (value: unknown): Date | undefined {
  if (value instanceof Date) return value
  const oid = value as { _bsontype?: string; getTimestamp?: () => Date } | null
  if (oid?._bsontype === 'ObjectId' && typeof oid.getTimestamp === 'function') return oid.getTimestamp()
  return undefined
}

const wallClock = (date: Date, zone: Zone): Date => new Date(toWallClock(date.getTime(), zone))

// ---- $year, $month, … {date, timezone}: the part of the local wall clock.

function datePart (op: ExpressionOperator): ExpressionOperator {
  return (obj, expr, options) => {
    if (!hasTimezone(expr)) return op(obj, expr, options)
    const value = evalExpr(obj, expr.date, options)
    const timezone = evalExpr(obj, expr.timezone, options)
    if (isNil(value) || timezone === null) return null
    const date = asDate(value)
    if (date === undefined) return op(obj, expr, options)
    return op(obj, literal(wallClock(date, optionalZone(timezone))), options)
  }
}

// ---- $dateToParts

const dateToParts: ExpressionOperator = (obj, expr, options) => {
  if (!hasTimezone(expr)) return mingoDateToParts(obj, expr, options)
  const args = evalExpr(obj, expr, options) as AnyObject
  if (isNil(args.date) || args.timezone === null) return null
  const date = asDate(args.date)
  if (date === undefined) return mingoDateToParts(obj, expr, options)
  return mingoDateToParts(obj, { date: literal(wallClock(date, optionalZone(args.timezone))), iso8601: literal(args.iso8601 ?? false) }, options)
}

// ---- $dateToString: the zone's offset for %z/%Z, month names, %G and %% are handled here;
// the numeric specifiers come from mingo, on the local wall clock.

const DEFAULT_FORMAT = '%Y-%m-%dT%H:%M:%S.%LZ'
const NUMERIC_SPECIFIERS = new Set(['%Y', '%m', '%d', '%H', '%M', '%S', '%L', '%j', '%w', '%u', '%U', '%V'])
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const SEPARATOR = '\u0001'

const dateToString: ExpressionOperator = (obj, expr, options) => {
  if (!isPlainObject(expr)) return mingoDateToString(obj, expr, options)
  const args = evalExpr(obj, expr, options) as AnyObject
  if (isNil(args.date)) return args.onNull === undefined ? null : args.onNull
  if (args.timezone === null || args.format === null) return null
  const date = asDate(args.date)
  if (date === undefined) return mingoDateToString(obj, expr, options)
  const format = args.format ?? DEFAULT_FORMAT
  if (typeof format !== 'string') {
    throw new CommandError(18533, 'Location18533', `$dateToString requires that 'format' be a string, found: ${bsonTypeName(format)} with value ${String(format)}`)
  }
  const zone = optionalZone(args.timezone)
  const offset = zone.offsetAt(date.getTime())
  const local = new Date(date.getTime() + offset * 60_000)
  const pieces: Array<string | number> = []
  const numeric: string[] = []
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%') {
      pieces.push(c)
      continue
    }
    if (i + 1 >= format.length) throw new CommandError(18535, 'Location18535', "Unmatched '%' at end of format string")
    const spec = format.slice(i, i + 2)
    i++
    if (NUMERIC_SPECIFIERS.has(spec)) {
      pieces.push(numeric.length)
      numeric.push(spec)
      continue
    }
    switch (spec) {
      case '%%': pieces.push('%'); break
      case '%z': pieces.push(formatOffset(offset)); break
      case '%Z': pieces.push(`${offset < 0 ? '-' : '+'}${Math.floor(Math.abs(offset))}`); break
      case '%b': pieces.push(MONTHS[local.getUTCMonth()].slice(0, 3)); break
      case '%B': pieces.push(MONTHS[local.getUTCMonth()]); break
      case '%G': pieces.push(String($isoWeekYear(obj, literal(local), options)).padStart(4, '0')); break
      default: throw new CommandError(18536, 'Location18536', `Invalid format character '${spec}' in format string`)
    }
  }
  const values = numeric.length === 0
    ? []
    : String(mingoDateToString(obj, { date: literal(local), format: literal(numeric.join(SEPARATOR)) }, options)).split(SEPARATOR)
  return pieces.map((p) => (typeof p === 'number' ? values[p] : p)).join('')
}

// ---- $dateFromParts / $dateFromString: the parts are a local wall clock of the zone.

const dateFromParts: ExpressionOperator = (obj, expr, options) => {
  if (!hasTimezone(expr)) return mingoDateFromParts(obj, expr, options)
  const { timezone: tzExpr, ...parts } = expr
  const timezone = evalExpr(obj, tzExpr, options)
  if (timezone === null) return null
  const zone = optionalZone(timezone)
  const local = mingoDateFromParts(obj, parts, options)
  return local instanceof Date ? new Date(fromWallClock(local.getTime(), zone)) : local
}

const FAILED = '\u0000embedded: $dateFromString failed'
/** mingo types its arguments as evaluated values; they are expressions, evaluated by it. */
const mingoDateFromString = $dateFromString as unknown as ExpressionOperator

const dateFromString: ExpressionOperator = (obj, expr, options) => {
  if (!hasTimezone(expr)) return mingoDateFromString(obj, expr, options)
  const args = evalExpr(obj, expr, options) as AnyObject
  if (isNil(args.dateString)) return args.onNull === undefined ? null : args.onNull
  if (args.timezone === null) return null
  const zone = optionalZone(args.timezone)
  // mingo reads the string as UTC ("+00:00" keeps its refusal of a string that carries its own zone).
  const local = mingoDateFromString(obj, {
    dateString: literal(args.dateString),
    ...(args.format === undefined ? {} : { format: literal(args.format) }),
    timezone: literal('+00:00'),
    onError: literal(FAILED)
  }, options)
  if (local === FAILED) return args.onError
  return local instanceof Date ? new Date(fromWallClock(local.getTime(), zone)) : local
}

// ---- $dateAdd / $dateSubtract: calendar units move the local wall clock.

const CALENDAR_UNITS = new Set(['day', 'week', 'month', 'quarter', 'year'])

function dateArithmetic (op: ExpressionOperator): ExpressionOperator {
  return (obj, expr, options) => {
    if (!hasTimezone(expr)) return op(obj, expr, options)
    const args = evalExpr(obj, expr, options) as AnyObject
    if (isNil(args.startDate) || isNil(args.unit) || isNil(args.amount) || args.timezone === null) return null
    const zone = optionalZone(args.timezone)
    const date = asDate(args.startDate)
    if (date === undefined) return op(obj, expr, options)
    const local = CALENDAR_UNITS.has(String(args.unit))
    const start = local ? wallClock(date, zone) : date
    const moved = op(obj, { startDate: literal(start), unit: literal(args.unit), amount: literal(args.amount) }, options)
    return local && moved instanceof Date ? new Date(fromWallClock(moved.getTime(), zone)) : moved
  }
}

// ---- $dateDiff: both dates on the local wall clock.

const dateDiff: ExpressionOperator = (obj, expr, options) => {
  if (!hasTimezone(expr)) return mingoDateDiff(obj, expr, options)
  const args = evalExpr(obj, expr, options) as AnyObject
  if (isNil(args.startDate) || isNil(args.endDate) || isNil(args.unit) || args.timezone === null) return null
  const zone = optionalZone(args.timezone)
  const start = asDate(args.startDate)
  const end = asDate(args.endDate)
  if (start === undefined || end === undefined) return mingoDateDiff(obj, expr, options)
  return mingoDateDiff(obj, {
    startDate: literal(wallClock(start, zone)),
    endDate: literal(wallClock(end, zone)),
    unit: literal(args.unit),
    ...(args.startOfWeek === undefined ? {} : { startOfWeek: literal(args.startOfWeek) })
  }, options)
}

// ---- $dateTrunc: mingo counts days/weeks/months in UTC even when a timezone is given, so a
// time just after local midnight lands in the previous local day. Calendar units are computed
// here on the local wall clock; sub-day units go to mingo on the local wall clock too.

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const DAY_MS = 86_400_000

function truncateLocal (local: number, unit: string, binSize: number, startOfWeek: string): number {
  const date = new Date(local)
  const floorBin = (n: number): number => Math.floor(n / binSize) * binSize
  switch (unit) {
    case 'day': {
      const ref = Date.UTC(2000, 0, 1)
      const days = Math.floor((local - ref) / DAY_MS)
      return ref + floorBin(days) * DAY_MS
    }
    case 'week': {
      const start = WEEKDAYS.indexOf(startOfWeek.toLowerCase().slice(0, 3))
      if (start < 0) throw new Error(`$dateTrunc: startOfWeek '${startOfWeek}' is not valid`)
      const ref = Date.UTC(2000, 0, 1) + ((start - 6 + 7) % 7) * DAY_MS
      const days = Math.floor((local - ref) / DAY_MS)
      return ref + floorBin(Math.floor(days / 7)) * 7 * DAY_MS
    }
    case 'month':
    case 'quarter': {
      const months = (date.getUTCFullYear() - 2000) * 12 + date.getUTCMonth()
      const size = unit === 'quarter' ? 3 : 1
      const bin = floorBin(Math.floor(months / size)) * size
      return Date.UTC(2000 + Math.floor(bin / 12), ((bin % 12) + 12) % 12, 1)
    }
    default:
      return Date.UTC(2000 + floorBin(date.getUTCFullYear() - 2000), 0, 1)
  }
}

const dateTrunc: ExpressionOperator = (obj, expr, options) => {
  const args = evalExpr(obj, expr, options) as AnyObject
  const { date, unit, timezone } = args
  if (isNil(date) || isNil(unit) || timezone === null) return null
  if (!(date instanceof Date)) return mingoDateTrunc(obj, expr, options)
  const zone = optionalZone(timezone)
  if (!CALENDAR_UNITS.has(String(unit))) {
    const offset = zone.offsetAt(date.getTime()) * 60_000
    const truncated = mingoDateTrunc(obj, {
      date: literal(new Date(date.getTime() + offset)),
      unit: literal(unit),
      ...(args.binSize === undefined ? {} : { binSize: literal(args.binSize) })
    }, options)
    return truncated instanceof Date ? new Date(truncated.getTime() - offset) : truncated
  }
  const binSize = isNil(args.binSize) ? 1 : Number(args.binSize)
  if (!(binSize > 0)) throw new Error("$dateTrunc requires 'binSize' to be greater than 0")
  const local = toWallClock(date.getTime(), zone)
  const truncated = truncateLocal(local, String(unit), binSize, typeof args.startOfWeek === 'string' ? args.startOfWeek : 'sun')
  return new Date(fromWallClock(truncated, zone))
}

export const dateShims: Record<string, ExpressionOperator> = {
  $year: datePart($year),
  $month: datePart($month),
  $dayOfMonth: datePart($dayOfMonth),
  $dayOfWeek: datePart($dayOfWeek),
  $dayOfYear: datePart($dayOfYear),
  $hour: datePart($hour),
  $minute: datePart($minute),
  $second: datePart($second),
  $millisecond: datePart($millisecond),
  $week: datePart($week),
  $isoWeek: datePart($isoWeek),
  $isoWeekYear: datePart($isoWeekYear),
  $isoDayOfWeek: datePart($isoDayOfWeek),
  $dateToParts: dateToParts,
  $dateToString: dateToString,
  $dateFromParts: dateFromParts,
  $dateFromString: dateFromString,
  $dateAdd: dateArithmetic(mingoDateAdd),
  $dateSubtract: dateArithmetic(mingoDateSubtract),
  $dateDiff: dateDiff,
  $dateTrunc: dateTrunc
}
