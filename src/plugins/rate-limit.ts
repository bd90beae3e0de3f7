import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

export const UNLIMITED_ROUTES = new Set(['/health', '/ready'])

/** The bucket a request counts against: its API key (hashed, never the key itself), or its IP without one. */
export function rateLimitKey (request: FastifyRequest): string {
  const header = request.headers.authorization
  if (!header) return `ip:${request.ip}`
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? header
  return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`
}

/**
 * RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW per API key (per IP for calls without a key), checked before the key is:
 * every answer carries `x-ratelimit-limit/remaining/reset`; over the limit is 429 with `Retry-After`. Health checks are not counted.
 */
export default fp(async function rateLimitPlugin (app) {
  const { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW: window } = app.config
  if (max === 0) return
  await app.register(rateLimit, {
    global: false,
    max,
    timeWindow: /^[0-9]+$/.test(window) ? Number(window) : window,
    keyGenerator: rateLimitKey,
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => Object.assign(
      new Error(`Rate limit exceeded: at most ${context.max} requests per ${window}; retry in ${context.after}`),
      { statusCode: context.statusCode }
    )
  })
  app.addHook('onRequest', app.rateLimit())
}, { name: 'rate-limit', dependencies: ['@fastify/env'] })
