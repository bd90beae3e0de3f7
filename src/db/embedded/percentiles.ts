/**
 * `$percentile` and `$median` as mongod 7.0 computes them, as accumulators and as expressions:
 * `input` is any expression, evaluated per document; only numbers count (NaN, strings, dates,
 * arrays and missing values are skipped by the accumulator; the expression reads an array's
 * numbers); `p` is a constant array of numbers in [0, 1]; `method` must be "approximate".
 * On the small inputs it is used for, mongod's approximation returns the value of rank ⌈p·n⌉.
 */
import { evalExpr } from 'mingo/core'
import { $push } from 'mingo/operators/accumulator'
import type { Any, AnyObject, Options } from 'mingo/types'
import { CommandError, badValue } from './errors.js'
import { isPlainObject, readsDocument } from './values.js'

type Operator = '$percentile' | '$median'

interface Spec { input: unknown; ps: number[]; single: boolean }

const unknownField = (op: Operator, field: string): CommandError =>
  new CommandError(40415, 'Location40415', `BSON field '${op}.${field}' is an unknown field.`)

const missingField = (op: Operator, field: string): CommandError =>
  new CommandError(40414, 'Location40414', `BSON field '${op}.${field}' is missing but a required field`)

const shown = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value))

function percentileList (expr: unknown, options: Options): number[] {
  if (readsDocument(expr)) {
    throw new CommandError(7750300, 'Location7750300', `The $percentile 'p' field must be an array of constant values, but found value: ${shown(expr)}.`)
  }
  const value = evalExpr({}, expr, options)
  const message = "The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: "
  if (!Array.isArray(value) || value.length === 0) throw new CommandError(7750301, 'Location7750301', message + shown(value))
  return value.map((p) => {
    if (typeof p !== 'number') throw new CommandError(7750302, 'Location7750302', message + shown(p))
    if (!(p >= 0 && p <= 1)) throw new CommandError(7750303, 'Location7750303', message + String(p))
    return p
  })
}

function parseSpec (op: Operator, expr: Any, options: Options, code: number): Spec {
  if (!isPlainObject(expr)) throw new CommandError(code, `Location${code}`, `specification must be an object; found ${op}: ${shown(expr)}`)
  const allowed = op === '$percentile' ? ['input', 'p', 'method'] : ['input', 'method']
  for (const field of Object.keys(expr)) if (!allowed.includes(field)) throw unknownField(op, field)
  for (const field of allowed) if (!Object.hasOwn(expr, field)) throw missingField(op, field)
  if (typeof expr.method !== 'string') {
    throw new CommandError(14, 'TypeMismatch', `BSON field '${op}.method' is the wrong type '${typeof expr.method === 'number' ? 'int' : typeof expr.method}', expected type 'string'`)
  }
  if (expr.method !== 'approximate') throw badValue("Currently only 'approximate' can be used as percentile 'method'.")
  return { input: expr.input, ps: op === '$median' ? [0.5] : percentileList(expr.p, options), single: op === '$median' }
}

const isCounted = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v)

function result (spec: Spec, samples: number[]): Any {
  const sorted = samples.slice().sort((a, b) => a - b)
  const values = spec.ps.map((p) => (sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]))
  return spec.single ? values[0] : values
}

function accumulator (op: Operator) {
  return (coll: Any[], expr: Any, options: Options): Any => {
    const spec = parseSpec(op, expr, options, 7429703)
    return result(spec, ($push(coll, spec.input, options) as unknown[]).filter(isCounted))
  }
}

function expression (op: Operator) {
  const accumulate = accumulator(op)
  return (obj: AnyObject | Any[], expr: Any, options: Options): Any => {
    // mingo's $group hands an accumulator's group to an expression operator of the same name.
    if (Array.isArray(obj)) return accumulate(obj, expr, options)
    const spec = parseSpec(op, expr, options, 7436200)
    const input = evalExpr(obj, spec.input, options)
    if (Array.isArray(input)) return result(spec, input.filter(isCounted))
    return result(spec, isCounted(input) ? [input] : [])
  }
}

export const percentileAccumulators = { $percentile: accumulator('$percentile'), $median: accumulator('$median') }
export const percentileExpressions = { $percentile: expression('$percentile'), $median: expression('$median') }
