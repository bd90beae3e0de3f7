import fp from 'fastify-plugin'
import createError from '@fastify/error'
import { errorCodes, type FastifyRequest } from 'fastify'
import type { FastifySchemaValidationError, SchemaErrorFormatter } from 'fastify/types/schema.js'
import { BLANK_TEXT_MESSAGE, NOT_BLANK_PATTERNS, isBlank } from '../lib/text.js'

const MAX_DEPTH = 32

export const InvalidFieldNameError = createError('INVALID_FIELD_NAME', 'Field names may not start with "$" or contain ".": %s', 400)
export const PrototypeFieldNameError = createError('INVALID_FIELD_NAME', 'Field names may not be "__proto__", or "constructor" holding "prototype": %s', 400)
export const TooDeeplyNestedError = createError('TOO_DEEPLY_NESTED', 'The request nests objects or arrays more than %s levels deep', 400)

function isPlainContainer (value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value) as object | null
  // JSON objects, and the query string parser's objects (whose prototype has no prototype).
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null
}

function isEmptyObject (value: unknown): boolean {
  if (typeof value !== 'object') return false
  for (const _key in value) return false
  return true
}

/** The path of the first key, anywhere in `input`, for which `offends` names a problem (its suffix), or null. */
function firstOffendingKey (input: unknown, where: string, offends: (key: string, child: unknown) => string | null): string | null {
  if (input === undefined || input === null || isEmptyObject(input)) return null
  const stack: Array<{ value: unknown, path: string, depth: number }> = [{ value: input, path: where, depth: 0 }]
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown, path: string, depth: number }
    if (!isPlainContainer(value)) continue
    if (depth >= MAX_DEPTH) throw new TooDeeplyNestedError(MAX_DEPTH)
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}.${index}`, depth: depth + 1 }))
      continue
    }
    for (const [key, child] of Object.entries(value)) {
      const offence = offends(key, child)
      if (offence !== null) return `${path}.${offence}`.slice(0, 200)
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 })
    }
  }
  return null
}

/** The first key, anywhere in `input`, that could act as a MongoDB operator or path ($-prefixed or dotted). */
export function findOperatorKey (input: unknown, where: string): string | null {
  return firstOffendingKey(input, where, (key) => key.startsWith('$') || key.includes('.') ? key : null)
}

/** The first key that could reach an object's prototype when copied: `__proto__`, or `constructor` holding `prototype`. */
export function findPrototypeKey (input: unknown, where: string): string | null {
  return firstOffendingKey(input, where, (key, child) => {
    if (key === '__proto__') return key
    return key === 'constructor' && isPlainContainer(child) && Object.hasOwn(child, 'prototype') ? `${key}.prototype` : null
  })
}

/** JSON bodies, parsed as Fastify does but refusing prototype keys by name (Fastify calls them "not valid JSON"). */
function parseJson (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) {
  // A leading byte order mark is allowed, as Fastify's own parser allows it.
  const text = body.toString().replace(/^\uFEFF/, '')
  if (text.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY())
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY())
  }
  try {
    const reserved = findPrototypeKey(value, 'body')
    done(reserved ? new PrototypeFieldNameError(reserved) : null, reserved ? undefined : value)
  } catch (error) {
    done(error as Error)
  }
}

type Segment = string | typeof EACH
const EACH = Symbol('each item')
interface SchemaNode { pattern?: unknown, properties?: Record<string, SchemaNode>, items?: SchemaNode, anyOf?: SchemaNode[], allOf?: SchemaNode[], oneOf?: SchemaNode[] }

/** Where a request schema declares text that must not be blank (NOT_BLANK_PATTERNS), as paths into the data. */
function notBlankPaths (schema: SchemaNode | undefined, path: Segment[] = [], found: Segment[][] = []): Segment[][] {
  if (!schema || typeof schema !== 'object' || path.length > MAX_DEPTH) return found
  if (typeof schema.pattern === 'string' && NOT_BLANK_PATTERNS.has(schema.pattern)) found.push(path)
  for (const [key, child] of Object.entries(schema.properties ?? {})) notBlankPaths(child, [...path, key], found)
  if (schema.items) notBlankPaths(schema.items, [...path, EACH], found)
  for (const member of [...(schema.anyOf ?? []), ...(schema.allOf ?? []), ...(schema.oneOf ?? [])]) notBlankPaths(member, path, found)
  return found
}

/** The JSON pointer of the first blank text at `path` in `data`, or null. */
function blankAt (data: unknown, path: Segment[], pointer = ''): string | null {
  if (path.length === 0) return typeof data === 'string' && isBlank(data) ? pointer : null
  if (data === null || typeof data !== 'object') return null
  const [head, ...rest] = path
  if (head === EACH) {
    if (!Array.isArray(data)) return null
    for (const [index, item] of data.entries()) {
      const found = blankAt(item, rest, `${pointer}/${index}`)
      if (found !== null) return found
    }
    return null
  }
  return blankAt((data as Record<string, unknown>)[head as string], rest, `${pointer}/${head as string}`)
}

interface BlankCheck { querystring: Segment[][], body: Segment[][], format?: SchemaErrorFormatter }

/**
 * No `$`-prefixed or dotted key from a body or query string reaches a handler, whatever a route's schema allows,
 * so none can reach a MongoDB query or update; nor can `__proto__` or `constructor.prototype`; nesting is bounded too.
 * Text a schema says must not be blank is refused when it is only invisible characters (after validation, as a
 * validation error of that field).
 */
export default fp(async function inputGuardPlugin (app) {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson)

  const blankChecks = new Map<string, BlankCheck>()
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { querystring?: SchemaNode, body?: SchemaNode } | undefined
    const check = { querystring: notBlankPaths(schema?.querystring), body: notBlankPaths(schema?.body), format: route.schemaErrorFormatter }
    if (check.querystring.length + check.body.length === 0) return
    for (const method of [route.method].flat()) blankChecks.set(`${method} ${route.url}`, check)
  })

  app.addHook('preValidation', (request, _reply, done) => {
    try {
      const prototypeKey = findPrototypeKey(request.query, 'querystring') ?? findPrototypeKey(request.body, 'body')
      if (prototypeKey) return done(new PrototypeFieldNameError(prototypeKey))
      const offending = findOperatorKey(request.query, 'querystring') ?? findOperatorKey(request.body, 'body')
      done(offending ? new InvalidFieldNameError(offending) : undefined)
    } catch (error) {
      done(error as Error)
    }
  })

  app.addHook('preHandler', async (request) => {
    const check = blankChecks.get(`${request.method} ${request.routeOptions.url ?? ''}`)
    // A route that attaches validation errors words its own answer; one failure is enough for it.
    if (!check || request.validationError) return
    for (const context of ['querystring', 'body'] as const) {
      for (const path of check[context]) {
        const instancePath = blankAt(context === 'body' ? request.body : request.query, path)
        if (instancePath === null) continue
        const issue: FastifySchemaValidationError = { keyword: 'pattern', instancePath, schemaPath: '#', params: { visible: true }, message: BLANK_TEXT_MESSAGE }
        const error = check.format ? check.format([issue], context) : new Error(`${context}${instancePath} ${BLANK_TEXT_MESSAGE}`)
        Object.assign(error, { statusCode: 400, code: 'FST_ERR_VALIDATION', validation: [issue], validationContext: context })
        if (!request.routeOptions.attachValidation) throw error
        request.validationError = error as FastifyRequest['validationError']
        return
      }
    }
  })
}, { name: 'input-guard' })
