import fc from 'fast-check'

/** The subset of JSON Schema (as @fastify/swagger writes it into OpenAPI 3.0) that request schemas use. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  nullable?: boolean
  example?: unknown
  default?: unknown
  minProperties?: number
  maxProperties?: number
}

const OBJECT_ID = '^[0-9a-fA-F]{24}$'

export interface Hints {
  /** ObjectIds of stored records, so generated ids sometimes name real records. */
  objectIds: string[]
}

const day = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true })

function stringArbitrary (schema: JsonSchema, hints: Hints): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = Math.min(schema.maxLength ?? 40, 200)
  if (schema.format === 'date-time') return day.map((date) => date.toISOString())
  if (schema.format === 'date') return day.map((date) => date.toISOString().slice(0, 10))
  if (schema.format === 'binary') return fc.constant('')
  if (schema.pattern === OBJECT_ID && hints.objectIds.length > 0) {
    return fc.oneof(fc.constantFrom(...hints.objectIds), fc.stringMatching(new RegExp(OBJECT_ID)))
  }
  if (schema.pattern) {
    const fallback = typeof schema.example === 'string' ? schema.example : 'x'.repeat(Math.max(min, 1))
    return fc.stringMatching(new RegExp(schema.pattern)).map((text) => {
      const cut = text.slice(0, max)
      return cut.length >= min && new RegExp(schema.pattern as string).test(cut) ? cut : fallback
    })
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) })
}

function integerArbitrary (schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1000
  const max = schema.maximum ?? 1_000_000
  // Small values name the records demo data has (users 1–3, chats 1–6…).
  return fc.oneof(fc.integer({ min, max: Math.min(max, min + 10) }), fc.integer({ min, max }))
}

/** Values that satisfy `schema` (mostly: patterns and lengths are honoured where cheap). */
export function valid (schema: JsonSchema | undefined, hints: Hints, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.constant(null)
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valid(alternative, hints, depth + 1)))
  if (schema.allOf) return valid(Object.assign({}, ...schema.allOf) as JsonSchema, hints, depth + 1)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  const value = ((): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string': return stringArbitrary(schema, hints)
      case 'integer': return integerArbitrary(schema)
      case 'number': return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true })
      case 'boolean': return fc.boolean()
      case 'null': return fc.constant(null)
      case 'array': {
        const items = valid(schema.items, hints, depth + 1)
        const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) }
        return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (item) => JSON.stringify(item) }) : fc.array(items, constraints)
      }
      case 'object':
      default: {
        const properties = schema.properties ?? {}
        const record = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valid(property, hints, depth + 1)]))
        return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) })
      }
    }
  })()
  return schema.nullable ? fc.oneof(value, fc.constant(null)) : value
}

const deep = (levels: number): unknown => {
  let value: unknown = 'bottom'
  for (let i = 0; i < levels; i++) value = { nested: value }
  return value
}

/** What a hostile or careless client sends where a value belongs. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null, true, false, 0, -1, -0.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', '\u0000', '\ud800', '😀'.repeat(50), 'null', 'undefined',
    '0x1F', '1e400', '2147483648', '-2147483649', '9'.repeat(40), 'NaN', '../../etc/passwd', '<script>alert(1)</script>',
    '{"$gt":""}', '$where', '$gt', 'sleep(1000)', "' OR 1=1 --", '%00', 'a'.repeat(70_000), [], {}, [[[]]], [null],
    { $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { $regex: '.*' }, { $in: [1, 2] }, { $exists: true },
    JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { polluted: true } } }, deep(40), [deep(20)],
    'RAW:%', 'RAW:%zz', 'RAW:%E0%A4%A', 'RAW:%2e%2e%2f', 'RAW:%00', '2019-13-45', '2020-02-30T25:61:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '5f18d12f42262eec0d43567', 'ZZZZZZZZZZZZZZZZZZZZZZZZ'
  ),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.integer(),
  fc.double()
)

export const nastyKey = fc.constantFrom('clientId', '_id', 'id', 'createdAt', 'updatedAt', 'role', '$where', '$set', 'a.b', 'constructor', '__proto__', 'é', '')

interface Mutation { path: number, kind: 'replace' | 'add' | 'whole', key: string, value: unknown }

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  path: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'add', 'whole'),
  key: nastyKey,
  value: nastyValue
})

function containers (value: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (value !== null && typeof value === 'object') {
    out.push(value as Record<string, unknown>)
    for (const child of Object.values(value)) containers(child, out)
  }
  return out
}

/** Breaks a valid value: one slot replaced by a nasty value, or a nasty key added, or the whole thing replaced. */
export function breakValue (value: unknown, change: Mutation): unknown {
  const copy = structuredClone(value)
  const places = containers(copy)
  if (change.kind === 'whole' || places.length === 0) return change.value
  const place = places[change.path % places.length] as Record<string, unknown>
  const keys = Object.keys(place)
  if (change.kind === 'add' || keys.length === 0) {
    Object.defineProperty(place, change.key, { value: change.value, enumerable: true, writable: true, configurable: true })
  } else {
    place[keys[change.path % keys.length] as string] = change.value
  }
  return copy
}
