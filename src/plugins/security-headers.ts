import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import cors from '@fastify/cors'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Comma-separated origins from CORS_ORIGINS, trimmed, empties dropped. */
export function corsOrigins (value: string | undefined): string[] {
  return (value ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0)
}

/** The headers helmet sets with `options`, computed once: they are the same for every answer. */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  let failure: unknown
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => { failure = error })
  if (failure) throw failure
  return headers
}

/**
 * Security headers on every answer (helmet's defaults; the docs page's scripts are files, allowed by script-src 'self'),
 * and CORS only for the origins listed in CORS_ORIGINS: without it, browsers on other origins get no CORS headers.
 */
export default fp(async function securityHeadersPlugin (app) {
  // No upgrade-insecure-requests: it would break the docs page served over plain HTTP (TLS is usually a proxy's job).
  const headers = helmetHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
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
