import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the handler answers at once without waiting on anything, so it needs no timer (health checks). */
    handlerTimeout?: false
  }
}

/**
 * Bounds on what one request may cost: BODY_LIMIT bytes of body (413), REQUEST_TIMEOUT_MS to receive it,
 * CONNECTION_TIMEOUT_MS of socket idleness, and HANDLER_TIMEOUT_MS to answer (503; not for routes with `config.handlerTimeout: false`). Routes registered after
 * this plugin get the body and handler limits unless they set their own.
 */
export default fp(async function limitsPlugin (app) {
  const config = app.config
  const server = app.server
  server.requestTimeout = config.REQUEST_TIMEOUT_MS
  server.headersTimeout = Math.min(server.headersTimeout, config.REQUEST_TIMEOUT_MS)
  server.timeout = config.CONNECTION_TIMEOUT_MS

  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= config.BODY_LIMIT
    if (route.config?.handlerTimeout !== false) route.handlerTimeout ??= config.HANDLER_TIMEOUT_MS
  })
}, { name: 'limits', dependencies: ['@fastify/env'] })
