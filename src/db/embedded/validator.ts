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

/** A `bsonType` or `type` keyword's check: whether it admits a type name is worked out once per name. */
function typeCheck (wanted: unknown, json: boolean): Check {
  const names = (Array.isArray(wanted) ? wanted : [wanted]).filter((name): name is string => typeof name === 'string')
  const admits = (actual: string): boolean => names.some((name) => {
    if (json) return JSON_TYPES[name]?.(actual) ?? false
    if (name === 'number') return NUMERIC.has(actual)
    return name === actual
  })
  const known = new Map<string, boolean>()
  return (v) => {
    const actual = bsonTypeName(v)
    let admitted = known.get(actual)
    if (admitted === undefined) known.set(actual, admitted = admits(actual))
    return admitted
  }
}

const asNumber = (v: unknown): number => toView(v) as number
const isNumeric = (v: unknown): boolean => NUMERIC.has(bsonTypeName(v))

export function compileJsonSchema (schema: Doc): Check {
  const checks: Check[] = []
  const s = schema
  if (s.bsonType !== undefined) checks.push(typeCheck(s.bsonType, false))
  if (s.type !== undefined) checks.push(typeCheck(s.type, true))
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
  if (checks.length === 1) return checks[0]
  return (value) => {
    for (const check of checks) if (!check(value)) return false
    return true
  }
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
  // Code points, as $jsonSchema counts them: a surrogate pair is one.
  const length = (v: string): number => {
    let n = v.length
    for (let i = 0; i < v.length - 1; i++) {
      const c = v.charCodeAt(i)
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = v.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) {
          n--
          i++
        }
      }
    }
    return n
  }
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
    checks.push((v) => {
      if (!isObj(v)) return true
      for (let i = 0; i < required.length; i++) if (v[required[i]] === undefined) return false
      return true
    })
  }
  const properties = isPlainObject(s.properties) ? s.properties : {}
  const propertyChecks = Object.entries(properties).map(([k, sub]) => [k, compileJsonSchema(sub as Doc)] as const)
  if (propertyChecks.length > 0) {
    checks.push((v) => {
      if (!isObj(v)) return true
      for (const [k, check] of propertyChecks) if (v[k] !== undefined && !check(v[k])) return false
      return true
    })
  }
  const patterns = Object.entries(isPlainObject(s.patternProperties) ? s.patternProperties : {})
    .map(([p, sub]) => [new RegExp(p, 'u'), compileJsonSchema(sub as Doc)] as const)
  if (patterns.length > 0) {
    checks.push((v) => !isObj(v) || Object.keys(v).every((k) => patterns.every(([re, check]) => !re.test(k) || check(v[k]))))
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
    const extra = s.additionalProperties === false ? () => false : compileJsonSchema(s.additionalProperties as Doc)
    const declared = new Set(Object.keys(properties))
    const isExtra = (k: string): boolean => !declared.has(k) && !patterns.some(([re]) => re.test(k))
    checks.push((v) => {
      if (!isObj(v)) return true
      for (const k in v) if (isExtra(k) && !extra(v[k])) return false
      return true
    })
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
