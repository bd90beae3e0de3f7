/**
 * Narrow shims for the few operators where mingo 7.2 and mongod disagree. Everything else
 * comes from mingo unchanged.
 */
import { evalExpr } from 'mingo/core'
import { Lazy, type Iterator } from 'mingo/lazy'
import { $group } from 'mingo/operators/pipeline'
import { $push } from 'mingo/operators/accumulator'
import * as expressionOperators from 'mingo/operators/expression'
import type { Any, AnyObject, Options, SortSpec } from 'mingo/types'
import { sortBy } from './sorting.js'
import { isPlainObject, type Doc } from './values.js'

// ---- $percentile / $median: mingo sorts the inputs as strings ([15, 5]), so ranks come out wrong.

function percentiles (values: unknown[], ps: unknown, method: unknown): Array<number | null> {
  const xs = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b)
  if (!Array.isArray(ps) || ps.some((p) => typeof p !== 'number' || p < 0 || p > 1)) {
    throw new Error("$percentile 'p' must resolve to array of numbers between [0.0, 1.0]")
  }
  return (ps as number[]).map((p) => {
    if (xs.length === 0) return null
    if (method === 'continuous') {
      const rank = p * (xs.length - 1)
      const lo = Math.floor(rank)
      return lo === rank ? xs[lo] : xs[lo] + (rank - lo) * (xs[lo + 1] - xs[lo])
    }
    // 'approximate' and 'discrete': the value at rank ceil(p·n), as mongod returns for small inputs.
    return xs[Math.max(0, Math.ceil(p * xs.length) - 1)]
  })
}

const argsOf = (expr: Any): AnyObject => {
  if (!isPlainObject(expr)) throw new Error('$percentile expects an object { input, p, method }')
  return expr as AnyObject
}

const percentileAccumulator = (coll: Any[], expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles($push(coll, args.input, options), args.p, args.method)
}

const medianAccumulator = (coll: Any[], expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles($push(coll, args.input, options), [0.5], args.method)[0]
}

const inputList = (obj: Any, expr: AnyObject, options: Options): unknown[] => {
  const input = evalExpr(obj, expr.input, options)
  return Array.isArray(input) ? input : [input]
}

const percentileExpression = (obj: Any, expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles(inputList(obj, args, options), evalExpr(obj, args.p, options), args.method)
}

const medianExpression = (obj: Any, expr: Any, options: Options): Any => {
  const args = argsOf(expr)
  return percentiles(inputList(obj, args, options), [0.5], args.method)[0]
}

// ---- $dateTrunc: mingo counts days/weeks/months in UTC even when a timezone is given, so a
// time just after local midnight lands in the previous local day. Calendar units are computed
// here on the local wall clock; sub-day units still go to mingo.

const CALENDAR_UNITS = new Set(['day', 'week', 'month', 'quarter', 'year'])
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const DAY_MS = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()

function wallClock (date: Date, timeZone: string): number {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    formatters.set(timeZone, formatter)
  }
  const parts: Record<string, number> = {}
  for (const part of formatter.formatToParts(date)) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
}

/** Minutes east of UTC for a fixed offset ("+01:00", "-0530", "+03"), or undefined for an Olson name. */
function fixedOffset (timezone: string): number | undefined {
  if (timezone === 'UTC' || timezone === 'GMT' || timezone === 'Z') return 0
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(timezone)
  if (match === null) return undefined
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0)
  return match[1] === '-' ? -minutes : minutes
}

function offsetAt (instant: number, timezone: string): number {
  const fixed = fixedOffset(timezone)
  if (fixed !== undefined) return fixed
  const whole = Math.floor(instant / 1000) * 1000
  return (wallClock(new Date(whole), timezone) - whole) / 60_000
}

/** The UTC instant of a local wall-clock time (expressed as a UTC timestamp of that wall clock). */
function fromWallClock (local: number, timezone: string): number {
  const first = local - offsetAt(local, timezone) * 60_000
  return local - offsetAt(first, timezone) * 60_000
}

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

const dateTrunc = (obj: Any, expr: Any, options: Options): Any => {
  const args = evalExpr(obj, expr, options) as AnyObject
  const { date, unit, timezone } = args
  if (date === null || date === undefined || unit === null || unit === undefined) return null
  if (!CALENDAR_UNITS.has(String(unit)) || !(date instanceof Date)) return withMingoTimezone(expressionOperators.$dateTrunc)(obj as AnyObject, expr, options)
  const binSize = args.binSize === undefined || args.binSize === null ? 1 : Number(args.binSize)
  if (!(binSize > 0)) throw new Error("$dateTrunc requires 'binSize' to be greater than 0")
  const tz = typeof timezone === 'string' ? timezone : 'UTC'
  const local = date.getTime() + offsetAt(date.getTime(), tz) * 60_000
  const truncated = truncateLocal(local, String(unit), binSize, typeof args.startOfWeek === 'string' ? args.startOfWeek : 'sun')
  return new Date(fromWallClock(truncated, tz))
}

// ---- $sort: mingo orders mixed types and array fields differently from mongod; this one
// uses the BSON comparison order (arrays sort by their smallest/largest element).

function bsonSort (collection: Iterator, spec: SortSpec, _options: Options): Iterator {
  return collection.transform((docs) => Lazy(sortBy(docs as Doc[], spec as Doc, (doc) => doc)))
}

// ---- $bucket: mingo puts a value equal to a boundary into the bucket below it. mongod defines
// $bucket as a $group on a $switch over the boundaries followed by a $sort on _id; so does this.

function bucket (collection: Iterator, expr: AnyObject, options: Options): Iterator {
  const bounds = expr.boundaries
  if (!Array.isArray(bounds) || bounds.length < 2) throw new Error('$bucket requires at least two boundaries')
  const branches = bounds.slice(0, -1).map((lower, i) => ({
    case: { $and: [{ $gte: [expr.groupBy, lower] }, { $lt: [expr.groupBy, bounds[i + 1]] }] },
    then: lower
  }))
  const key = { $switch: { branches, ...(expr.default === undefined ? {} : { default: expr.default }) } }
  const output = isPlainObject(expr.output) ? expr.output : { count: { $sum: 1 } }
  return bsonSort($group(collection, { _id: key, ...output }, options), { _id: 1 }, options)
}

export const pipelineShims = { $sort: bsonSort, $bucket: bucket }
// ---- Time zones: mingo only parses "Area/Location" names and fixed offsets, so "UTC", "GMT",
// "Etc/GMT+1" or "America/Argentina/Buenos_Aires" fail. Such names are handed to mingo as the
// fixed offset they have at the operator's date (exact for formatting and date parts).

const MINGO_TIMEZONE = /^[a-zA-Z_]+\/[a-zA-Z_]+$/
const OFFSET = /^[+-]\d{2}(:?\d{2})?$/

function formatOffset (minutes: number): string {
  const abs = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

type ExpressionOperator = (obj: AnyObject, expr: Any, options: Options) => Any

function withMingoTimezone (operator: ExpressionOperator): ExpressionOperator {
  return (obj, expr, options) => {
    if (!isPlainObject(expr) || expr.timezone === undefined) return operator(obj, expr, options)
    const timezone = evalExpr(obj, expr.timezone, options)
    if (typeof timezone !== 'string' || MINGO_TIMEZONE.test(timezone) || OFFSET.test(timezone)) return operator(obj, expr, options)
    const date = evalExpr(obj, expr.date ?? expr.startDate, options)
    const at = date instanceof Date ? date.getTime() : Date.now()
    return operator(obj, { ...expr, timezone: formatOffset(offsetAt(at, timezone)) }, options)
  }
}

const TIMEZONE_OPERATORS = ['$dateToString', '$dateToParts', '$dateFromString', '$dateFromParts', '$dateAdd', '$dateSubtract', '$dateDiff',
  '$year', '$month', '$dayOfMonth', '$dayOfWeek', '$dayOfYear', '$hour', '$minute', '$second', '$millisecond', '$week', '$isoWeek',
  '$isoWeekYear', '$isoDayOfWeek'] as const

const timezoneShims = Object.fromEntries(TIMEZONE_OPERATORS.map((name) => [name, withMingoTimezone(expressionOperators[name] as ExpressionOperator)]))

export const accumulatorShims = { $percentile: percentileAccumulator, $median: medianAccumulator }
export const expressionShims = { ...timezoneShims, $percentile: percentileExpression, $median: medianExpression, $dateTrunc: dateTrunc }
