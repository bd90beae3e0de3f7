import { bsonTypeName, compareBson, isPlainObject, toView, type Doc } from './values.js'

/**
 * The subset of MongoDB's `$jsonSchema` that collection validators use. It reads documents in
 * their stored form, so `bsonType` tells int, long, double and decimal apart.
 */
type Check = (value: unknown) => boolean

const NUMERIC = new Set(['int', 'long', 'double', 'decimal'])

const JSON_TYPES: Record<string, (t: string) => boolean> = {
  object: (t) => t === 'object',
  array: (t) => t === 'array',
  number: (t) => NUMERIC.has(t),
  boolean: (t) => t === 'bool',
  string: (t) => t === 'string',
  null: (t) => t === 'null'
}

function typeMatches (value: unknown, wanted: unknown, json: boolean): boolean {
  const actual = bsonTypeName(value)
  const names = Array.isArray(wanted) ? wanted : [wanted]
  return names.some((name) => {
    if (typeof name !== 'string') return false
    if (json) return JSON_TYPES[name]?.(actual) ?? false
    if (name === 'number') return NUMERIC.has(actual)
    return name === actual
  })
}

const asNumber = (v: unknown): number => toView(v) as number
const isNumeric = (v: unknown): boolean => NUMERIC.has(bsonTypeName(v))

export function compileJsonSchema (schema: Doc): Check {
  const checks: Check[] = []
  const s = schema
  if (s.bsonType !== undefined) checks.push((v) => typeMatches(v, s.bsonType, false))
  if (s.type !== undefined) checks.push((v) => typeMatches(v, s.type, true))
  if (Array.isArray(s.enum)) {
    const options = s.enum
    checks.push((v) => options.some((o) => compareBson(o, v) === 0 && bsonTypeName(o) !== 'missing'))
  }
  addNumberChecks(s, checks)
  addStringChecks(s, checks)
  addObjectChecks(s, checks)
  addArrayChecks(s, checks)
  if (Array.isArray(s.allOf)) {
    const subs = s.allOf.map((sub) => compileJsonSchema(sub as Doc))
    checks.push((v) => subs.every((c) => c(v)))
  }
  if (Array.isArray(s.anyOf)) {
    const subs = s.anyOf.map((sub) => compileJsonSchema(sub as Doc))
    checks.push((v) => subs.some((c) => c(v)))
  }
  if (Array.isArray(s.oneOf)) {
    const subs = s.oneOf.map((sub) => compileJsonSchema(sub as Doc))
    checks.push((v) => subs.filter((c) => c(v)).length === 1)
  }
  if (isPlainObject(s.not)) {
    const sub = compileJsonSchema(s.not)
    checks.push((v) => !sub(v))
  }
  return (value) => checks.every((check) => check(value))
}

function addNumberChecks (s: Doc, checks: Check[]): void {
  if (s.minimum !== undefined) {
    const min = asNumber(s.minimum)
    const exclusive = s.exclusiveMinimum === true
    checks.push((v) => !isNumeric(v) || (exclusive ? asNumber(v) > min : asNumber(v) >= min))
  }
  if (s.maximum !== undefined) {
    const max = asNumber(s.maximum)
    const exclusive = s.exclusiveMaximum === true
    checks.push((v) => !isNumeric(v) || (exclusive ? asNumber(v) < max : asNumber(v) <= max))
  }
  if (s.multipleOf !== undefined) {
    const m = asNumber(s.multipleOf)
    checks.push((v) => !isNumeric(v) || asNumber(v) % m === 0)
  }
}

function addStringChecks (s: Doc, checks: Check[]): void {
  const length = (v: string): number => [...v].length
  if (s.minLength !== undefined) {
    const min = asNumber(s.minLength)
    checks.push((v) => typeof v !== 'string' || length(v) >= min)
  }
  if (s.maxLength !== undefined) {
    const max = asNumber(s.maxLength)
    checks.push((v) => typeof v !== 'string' || length(v) <= max)
  }
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern, 'u')
    checks.push((v) => typeof v !== 'string' || re.test(v))
  }
}

function addObjectChecks (s: Doc, checks: Check[]): void {
  const isObj = (v: unknown): v is Doc => bsonTypeName(v) === 'object'
  if (Array.isArray(s.required)) {
    const required = s.required as string[]
    checks.push((v) => !isObj(v) || required.every((k) => v[k] !== undefined))
  }
  const properties = isPlainObject(s.properties) ? s.properties : {}
  const propertyChecks = Object.entries(properties).map(([k, sub]) => [k, compileJsonSchema(sub as Doc)] as const)
  if (propertyChecks.length > 0) {
    checks.push((v) => !isObj(v) || propertyChecks.every(([k, check]) => v[k] === undefined || check(v[k])))
  }
  const patterns = Object.entries(isPlainObject(s.patternProperties) ? s.patternProperties : {})
    .map(([p, sub]) => [new RegExp(p, 'u'), compileJsonSchema(sub as Doc)] as const)
  if (patterns.length > 0) {
    checks.push((v) => !isObj(v) || Object.keys(v).every((k) => patterns.every(([re, check]) => !re.test(k) || check(v[k]))))
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
    const extra = s.additionalProperties === false ? () => false : compileJsonSchema(s.additionalProperties as Doc)
    const isExtra = (k: string): boolean => !(k in properties) && !patterns.some(([re]) => re.test(k))
    checks.push((v) => !isObj(v) || Object.keys(v).every((k) => !isExtra(k) || extra(v[k])))
  }
  if (s.minProperties !== undefined) {
    const min = asNumber(s.minProperties)
    checks.push((v) => !isObj(v) || Object.keys(v).length >= min)
  }
  if (s.maxProperties !== undefined) {
    const max = asNumber(s.maxProperties)
    checks.push((v) => !isObj(v) || Object.keys(v).length <= max)
  }
}

function addArrayChecks (s: Doc, checks: Check[]): void {
  if (isPlainObject(s.items)) {
    const item = compileJsonSchema(s.items)
    checks.push((v) => !Array.isArray(v) || v.every(item))
  } else if (Array.isArray(s.items)) {
    const tuple = s.items.map((sub) => compileJsonSchema(sub as Doc))
    const additional = s.additionalItems === false
      ? () => false
      : isPlainObject(s.additionalItems) ? compileJsonSchema(s.additionalItems) : () => true
    checks.push((v) => !Array.isArray(v) || v.every((x, i) => (i < tuple.length ? tuple[i](x) : additional(x))))
  }
  if (s.minItems !== undefined) {
    const min = asNumber(s.minItems)
    checks.push((v) => !Array.isArray(v) || v.length >= min)
  }
  if (s.maxItems !== undefined) {
    const max = asNumber(s.maxItems)
    checks.push((v) => !Array.isArray(v) || v.length <= max)
  }
  if (s.uniqueItems === true) {
    checks.push((v) => !Array.isArray(v) || v.every((x, i) => v.findIndex((y) => compareBson(x, y) === 0) === i))
  }
}
