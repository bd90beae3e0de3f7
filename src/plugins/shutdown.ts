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
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return
    reply.code(503).header('connection', 'close').header('retry-after', '1')
    const body = request.routeOptions.config?.legacyErrors ? { error: MESSAGE } : { statusCode: 503, code: 'SERVICE_UNAVAILABLE', error: MESSAGE }
    return reply.send(body)
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close')
    return payload
  })
}, { name: 'shutdown' })
