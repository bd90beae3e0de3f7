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
    config: { auth: 'public' },
    schema: { tags: ['health'], summary: 'The process is alive', response: { 200: HealthSchema } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { auth: 'public' },
    schema: {
      tags: ['health'],
      summary: 'The database answers a ping (503 otherwise)',
      response: { 200: ReadySchema, 503: ReadySchema }
    }
  }, async (_request, reply) => {
    const ping = app.mongo.db.command({ ping: 1 }, { timeoutMS: PING_TIMEOUT_MS })
    const up = await ping.then(() => true, () => false)
    if (up) return { status: 'ready' as const, database: 'up' as const }
    return reply.code(503).send({ status: 'unavailable', database: 'down' })
  })
}

export default healthRoutes
