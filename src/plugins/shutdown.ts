import fp from 'fastify-plugin'

const MESSAGE = 'Switchboard is shutting down; retry shortly'
const IDLE_SWEEP_MS = 100

/**
 * Once the app starts closing (SIGTERM in src/server.ts), requests still arriving on open connections get 503 in the
 * error envelope with `Connection: close` and `Retry-After`, while the requests already in flight run to completion
 * and then close their connections, so that the server stops as soon as the last one is answered.
 * Replaces Fastify's own return503OnClosing answer, which has another shape.
 */
export default fp(async function shutdownPlugin (app) {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
    // A keep-alive socket that turns idle after close() began would otherwise hold the server open until its timeout.
    const sweep = setInterval(() => { app.server.closeIdleConnections() }, IDLE_SWEEP_MS)
    sweep.unref()
    app.server.once('close', () => { clearInterval(sweep) })
  })
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done()
    reply.code(503).header('connection', 'close').header('retry-after', '1')
    reply.send(request.routeOptions.config?.legacyErrors ? { error: MESSAGE } : { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: MESSAGE })
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'shutdown' })
