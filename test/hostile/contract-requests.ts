import type { JsonSchema } from '../hardening/openapi-arbitraries.js'
import type { Operation } from '../hardening/openapi-requests.js'

/** Ids the requests aim at: the demo data's, and every id an earlier answer carried. */
export interface Hints { integers: number[], objectIds: string[] }

export interface ContractRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

const OBJECT_ID = /^[0-9a-fA-F]{24}$/
const MAX_HINTS = 40

/** Adds the ids found anywhere in an answer's JSON body to the hints (bounded). */
export function harvest (hints: Hints, body: string): void {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return
  }
  const stack: Array<[string, unknown]> = [['', value]]
  while (stack.length > 0) {
    const [key, item] = stack.pop() as [string, unknown]
    if (typeof item === 'string' && OBJECT_ID.test(item) && !hints.objectIds.includes(item) && hints.objectIds.length < MAX_HINTS) hints.objectIds.push(item)
    if (typeof item === 'number' && Number.isInteger(item) && item >= 1 && item <= 100_000 && /(^id$|Id$|_id$|Ids$)/.test(key) &&
      !hints.integers.includes(item) && hints.integers.length < MAX_HINTS) hints.integers.push(item)
    if (item !== null && typeof item === 'object') for (const [childKey, child] of Object.entries(item)) stack.push([Array.isArray(item) ? key : childKey, child])
  }
}

let counter = 0

/** A short text of the allowed length, unique per call (names must often be unique). */
function text (schema: JsonSchema): string {
  counter++
  const word = `contract${counter}`
  const min = schema.minLength ?? 0
  return word.padEnd(min, 'x').slice(0, schema.maxLength ?? 200)
}

/** The first candidate on the first attempt (ids that belong together often come first), then each field its own. */
const pick = <T>(list: T[], attempt: number, salt: number): T => list[attempt === 0 ? 0 : (attempt + salt) % list.length] as T

/** Hints for a value: `prefix` is the concrete path before a path parameter (its list route's ids come first), null elsewhere. */
export type HintsAt = (prefix: string | null) => Hints

/**
 * A value valid for `schema` by construction, varied by `attempt`: defaults and enums as documented, ids from the hints,
 * instants a minute ago, dates of today, unique short texts; optional properties only on odd attempts.
 */
export function plainValue (schema: JsonSchema | undefined, hints: Hints, attempt: number, salt = 0, depth = 0): unknown {
  if (!schema || depth > 6) return null
  if (schema.default !== undefined && attempt % 3 !== 2) return schema.default
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return pick(schema.enum.filter((value) => value !== null), attempt, salt)
  const alternatives = (schema.anyOf ?? schema.oneOf)?.filter((alternative) => !(alternative.nullable && alternative.enum?.[0] === null))
  if (alternatives?.length) return plainValue(pick(alternatives, attempt, salt), hints, attempt, salt, depth + 1)
  if (schema.allOf) return plainValue(Object.assign({}, ...schema.allOf) as JsonSchema, hints, attempt, salt, depth + 1)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0
      const max = schema.maximum ?? 1_000_000
      const candidates = hints.integers.filter((value) => value >= min && value <= max)
      return candidates.length > 0 ? pick(candidates, attempt, salt) : min
    }
    case 'boolean': return attempt % 2 === 1
    case 'string': return stringValue(schema, hints, attempt, salt)
    case 'array': {
      const length = Math.max(schema.minItems ?? 0, 1)
      const items = Array.from({ length: Math.min(length + (attempt % 2), schema.maxItems ?? 5) }, (_, index) =>
        plainValue(schema.items, hints, attempt, salt + index, depth + 1))
      return schema.uniqueItems ? [...new Map(items.map((item) => [JSON.stringify(item), item])).values()] : items
    }
    default: {
      const required = new Set(schema.required ?? [])
      // A body that needs more properties than it requires (a change of at least one field) gets its first optional ones.
      for (const name of Object.keys(schema.properties ?? {})) if (required.size < (schema.minProperties ?? 0)) required.add(name)
      const entries = Object.entries(schema.properties ?? {})
        .filter(([name]) => required.has(name) || attempt % 2 === 1)
        .map(([name, property], index) => [name, plainValue(property, hints, attempt, salt + index, depth + 1)])
      return Object.fromEntries(entries)
    }
  }
}

function stringValue (schema: JsonSchema, hints: Hints, attempt: number, salt: number): string {
  if (schema.format === 'date-time') return new Date(Date.now() - 60_000 - attempt * 1000).toISOString()
  if (schema.format === 'date') return new Date(Date.now() - attempt * 86_400_000).toISOString().slice(0, 10)
  if (schema.format === 'binary') return ''
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern, 'u')
    const candidates = [...hints.objectIds, ...hints.integers.map(String)].filter((candidate) => pattern.test(candidate))
    if (candidates.length > 0) return pick(candidates, attempt, salt)
    const plain = text(schema)
    if (typeof schema.example === 'string' && pattern.test(schema.example) && (attempt % 2 === 0 || !pattern.test(plain))) return schema.example
    if (pattern.test(plain)) return plain
  }
  return typeof schema.example === 'string' ? schema.example : text(schema)
}

/** A small CSV every import accepts (rows it cannot use are reported, not refused). */
const CSV = Buffer.from('Customer_Id,Occupation,Type\r\n1,Teacher,Gold\r\n')

function multipart (fields: Record<string, unknown>): { payload: Buffer, type: string } {
  const boundary = '----switchboardcontract'
  const parts = Object.entries(fields).filter(([name, value]) => name !== 'file' && value !== undefined)
    .map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${String(value)}\r\n`)
  const file = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="contract.csv"\r\ncontent-type: text/csv\r\n\r\n`
  return { payload: Buffer.concat([Buffer.from(parts.join('') + file), CSV, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` }
}

/** A request the document says is valid for `operation`, built from the hints; `authorization` as given. */
export function validRequest (operation: Operation, hintsAt: HintsAt, attempt: number, authorization: string | null): ContractRequest {
  const hints = hintsAt(null)
  const query = new URLSearchParams()
  const headers: Record<string, string> = authorization ? { authorization } : {}
  const parameters = new Map(operation.parameters.map((parameter, index) => [`${parameter.in}:${parameter.name}`, { parameter, index }]))
  // Left to right, so that each path parameter can take the ids its parent path listed.
  const url = operation.path.split('/').reduce((prefix, segment) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1]
    const found = name ? parameters.get(`path:${name}`) : undefined
    if (!found) return `${prefix}/${segment}`
    return `${prefix}/${encodeURIComponent(String(plainValue(found.parameter.schema, hintsAt(prefix), attempt, found.index)))}`
  })
  for (const [index, parameter] of operation.parameters.entries()) {
    if (parameter.in !== 'query' || parameter.name === 'cursor' || (!parameter.required && attempt % 2 === 0)) continue
    query.append(parameter.name, String(plainValue(parameter.schema, hints, attempt, index)))
  }
  const search = query.toString()
  const request: ContractRequest = { method: operation.method, url: search ? `${url}?${search}` : url, headers }
  if (operation.bodyType === 'multipart') {
    const built = multipart(plainValue(operation.bodySchema, hints, attempt) as Record<string, unknown>)
    request.payload = built.payload
    headers['content-type'] = built.type
  } else if (operation.bodyType === 'json') {
    request.payload = JSON.stringify(plainValue(operation.bodySchema, hints, attempt))
    headers['content-type'] = 'application/json'
  }
  return request
}
