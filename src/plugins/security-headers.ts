import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'

/** Comma-separated origins from CORS_ORIGINS, trimmed, empties dropped. */
export function corsOrigins (value: string | undefined): string[] {
  return (value ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0)
}

/**
 * Security headers on every answer (@fastify/helmet; the docs page sets its own CSP for its scripts),
 * and CORS only for the origins listed in CORS_ORIGINS: without it, browsers on other origins get no CORS headers.
 */
export default fp(async function securityHeadersPlugin (app) {
  // No upgrade-insecure-requests: it would break the docs page served over plain HTTP (TLS is usually a proxy's job).
  await app.register(helmet, { global: true, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })
  const origins = corsOrigins(app.config.CORS_ORIGINS)
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'idempotent-replayed', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600
  })
}, { name: 'security-headers', dependencies: ['@fastify/env'] })
