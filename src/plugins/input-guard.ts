import fp from 'fastify-plugin'
import createError from '@fastify/error'

const MAX_DEPTH = 32

export const InvalidFieldNameError = createError('INVALID_FIELD_NAME', 'Field names may not start with "$" or contain ".": %s', 400)
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

/** The first key, anywhere in `input`, that could act as a MongoDB operator or path ($-prefixed or dotted). */
export function findOperatorKey (input: unknown, where: string): string | null {
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
      if (key.startsWith('$') || key.includes('.')) return `${path}.${key}`.slice(0, 200)
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 })
    }
  }
  return null
}

/**
 * No `$`-prefixed or dotted key from a body or query string reaches a handler, whatever a route's schema allows,
 * so none can reach a MongoDB query or update; nesting is bounded too.
 */
export default fp(async function inputGuardPlugin (app) {
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      const offending = findOperatorKey(request.query, 'querystring') ?? findOperatorKey(request.body, 'body')
      done(offending ? new InvalidFieldNameError(offending) : undefined)
    } catch (error) {
      done(error as Error)
    }
  })
}, { name: 'input-guard' })
