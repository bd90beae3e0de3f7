import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const HealthSchema = Type.Object({ status: Type.Literal('ok') })
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('up'), Type.Literal('down')])
})

const PING_TIMEOUT_MS = 2000

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    config: { auth: 'public', rateLimit: false, handlerTimeout: false },
    schema: { tags: ['health'], summary: 'The process is alive', response: { 200: HealthSchema } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { auth: 'public', rateLimit: false },
    schema: {
      tags: ['health'],
      summary: 'The database answers a ping (503 otherwise)',
      response: { 200: ReadySchema, 503: ReadySchema }
    }
  }, async (_request, reply) => {
    // The driver ignores timeoutMS, so the ping's answer is bounded here.
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS) })
    const ping = app.mongo.db.command({ ping: 1 }).then(() => true, () => false)
    const up = await Promise.race([ping, timeout])
    clearTimeout(timer)
    if (up) return { status: 'ready' as const, database: 'up' as const }
    return reply.code(503).send({ status: 'unavailable', database: 'down' })
  })
}

export default healthRoutes
