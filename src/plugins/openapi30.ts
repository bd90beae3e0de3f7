import { STATUS_CODES } from 'node:http'
import { INTEGER_ID_PATTERN, MAX_INTEGER_ID } from '../schemas/common.js'

type Schema = Record<string, unknown>
type Operation = { operationId?: string, parameters?: Array<{ schema?: Schema }>, requestBody?: { content?: Record<string, { schema?: Schema }> }, responses?: Record<string, Response> }
type Response = { description?: string, headers?: Record<string, unknown>, content?: Record<string, { schema?: Schema }> }
interface OpenApiDocument { servers?: unknown[], info?: Record<string, unknown>, paths?: Record<string, Record<string, Operation>>, components?: { schemas?: Record<string, Schema> } }

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

const errorDescriptions: Record<string, string> = {
  400: 'Invalid request: a parameter, the query string or the body fails its schema or its meaning',
  401: 'Missing, malformed, unknown or revoked API key',
  403: 'The key may not call this route (role, platform key) or act for this user',
  404: 'No such record in the caller\'s client (another client\'s records answer 404 too)',
  409: 'Conflicts with the current state (a duplicate, a closed chat, a key still in use)',
  413: 'The body is larger than BODY_LIMIT bytes',
  415: 'The body\'s Content-Type is not one the route reads (application/json; multipart/form-data for imports)',
  422: 'Well-formed, but refers to something that does not exist or is not allowed here',
  429: 'Rate limit exceeded: see Retry-After and the x-ratelimit-* headers',
  503: 'The database is unavailable or the request ran out of time: retry after Retry-After seconds'
}

const ANNOTATIONS = new Set(['description', 'title', 'example', 'nullable'])

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } }

/** Both error envelopes (canonical and seed) carry `error`; the error handler adds Retry-After to their 429 and 503. */
function isErrorEnvelope (response: Response): boolean {
  return Object.values(response.content ?? {}).some((media) => (media.schema?.properties as Schema | undefined)?.error !== undefined)
}

function isNullSchema (schema: unknown): boolean {
  const s = schema as Schema
  return s?.nullable === true && Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null
}

/** One schema made valid OpenAPI 3.0, children first: what @fastify/swagger leaves in JSON Schema form is rewritten. */
function conformSchema (schema: Schema): Schema {
  for (const key of ['properties', 'patternProperties']) {
    const children = schema[key] as Record<string, Schema> | undefined
    if (children) for (const name of Object.keys(children)) children[name] = conformSchema(children[name] as Schema)
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (schema[key] && typeof schema[key] === 'object') schema[key] = conformSchema(schema[key] as Schema)
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as Schema[]).map(conformSchema)
  }
  // The shared integer id (src/schemas/common.ts): its validation form is an allOf, its contract an integer.
  const allOf = schema.allOf as Schema[] | undefined
  if (allOf?.[0]?.pattern === INTEGER_ID_PATTERN) {
    const { allOf: _allOf, anyOf: _anyOf, type: _type, ...rest } = schema
    schema = {
      type: 'integer',
      minimum: 1,
      maximum: MAX_INTEGER_ID,
      ...rest,
      description: rest.description ?? `Integer id, 1 to ${MAX_INTEGER_ID}; in a path or query string plain decimal digits (no sign, leading zero, exponent or point)`
    }
  }
  // `anyOf: [X, null]` is `X` with `nullable: true` once X is a plain typed schema again.
  const anyOf = schema.anyOf as Schema[] | undefined
  if (anyOf?.length === 2 && anyOf.some(isNullSchema)) {
    const other = anyOf.find((member) => !isNullSchema(member)) as Schema
    if (typeof other.type === 'string' && Object.keys(other).every((key) => !(key in schema) || ANNOTATIONS.has(key))) {
      const { anyOf: _anyOf, ...rest } = schema
      schema = { ...other, ...rest, nullable: true }
    }
  }
  if (Array.isArray(schema.examples)) {
    const { examples, ...rest } = schema
    schema = examples.length > 0 && rest.example === undefined ? { ...rest, example: examples[0] } : rest
  }
  // OpenAPI 3.0.3: a nullable schema with an enum accepts null only when the enum lists it.
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema = { ...schema, enum: [...schema.enum, null] }
  return schema
}

function operationIdOf (method: string, path: string): string {
  const words = path.split('/').filter(Boolean).map((segment) => {
    const parameter = /^\{(.+)\}$/.exec(segment)
    return (parameter ? `by-${parameter[1] as string}` : segment).split(/[^A-Za-z0-9]+/).filter(Boolean)
  }).flat()
  return method + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')
}

/**
 * The finishing pass over the generated document: every schema in OpenAPI 3.0 form, a server, operation ids, and
 * response descriptions for the error answers. It changes what the document says, never what a route validates.
 */
export function conformToOpenApi30<T extends object> (document: T): T {
  const doc = document as OpenApiDocument
  doc.servers = doc.servers?.length ? doc.servers : [{ url: '/', description: 'The server that serves this document' }]
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method]
      if (!operation) continue
      // @fastify/swagger shares one operation object between the methods of a multi-method route.
      const own: Operation = item[method] = { ...operation, operationId: operation.operationId ?? operationIdOf(method, path) }
      for (const parameter of own.parameters ?? []) if (parameter.schema) parameter.schema = conformSchema(parameter.schema)
      for (const media of Object.values(own.requestBody?.content ?? {})) if (media.schema) media.schema = conformSchema(media.schema)
      for (const [status, response] of Object.entries(own.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) if (media.schema) media.schema = conformSchema(media.schema)
        if (response.description === 'Default Response') response.description = errorDescriptions[status] ?? STATUS_CODES[status] ?? 'Answer'
        if ((status === '429' || status === '503') && isErrorEnvelope(response)) response.headers = { ...retryAfter, ...response.headers }
      }
    }
  }
  const schemas = doc.components?.schemas ?? {}
  for (const name of Object.keys(schemas)) schemas[name] = conformSchema(schemas[name] as Schema)
  return document
}
