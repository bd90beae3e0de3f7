import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { MongoServerError, ObjectId, type Collection } from 'mongodb'
import type { FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours an `Idempotency-Key` header (create routes). */
    idempotent?: boolean
  }
  interface FastifyRequest {
    idempotencyRecord: ObjectId | null
  }
}

interface IdempotencyDocument {
  _id: ObjectId
  clientId: ObjectId | null
  key: string
  requestHash: string
  state: 'pending' | 'done'
  statusCode?: number
  contentType?: string
  body?: string
  createdAt: Date
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

/** What makes two requests "the same": method, path and body. */
function requestHash (request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex')
}

/**
 * `Idempotency-Key` for create routes: the first response is stored per client and key and replayed for a retry;
 * the same key with a different request is 422; a retry while the first is still running is 409; keys expire after 24 h.
 */
export default fp(async function idempotencyPlugin (app) {
  const records: Collection<IdempotencyDocument> = app.mongo.db.collection('idempotencyKeys')
  app.decorateRequest('idempotencyRecord', null)

  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return
    const schema = (route.schema ??= {}) as Record<string, unknown>
    const headers = (schema.headers ??= { type: 'object', properties: {} }) as { properties: Record<string, unknown> }
    headers.properties['idempotency-key'] = {
      type: 'string',
      pattern: KEY_PATTERN.source,
      description: 'Optional. A unique key (1–255 visible ASCII characters) per intended operation; a retry with the same key and body returns the first response instead of creating a duplicate. Kept 24 hours.'
    }
  })

  /** Either claims the key for this request (its new record id) or returns the record that holds it. */
  async function claim (clientId: ObjectId | null, key: string, hash: string): Promise<ObjectId | IdempotencyDocument> {
    try {
      const _id = new ObjectId()
      await records.insertOne({ _id, clientId, key, requestHash: hash, state: 'pending', createdAt: new Date() })
      return _id
    } catch (error) {
      if (!(error instanceof MongoServerError) || Number(error.code) !== 11000) throw error
    }
    const existing = await records.findOne({ clientId, key })
    if (!existing) return claim(clientId, key, hash)
    if (Date.now() - existing.createdAt.getTime() > IDEMPOTENCY_TTL_MS) {
      await records.deleteOne({ _id: existing._id })
      return claim(clientId, key, hash)
    }
    return existing
  }

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (!request.routeOptions.config?.idempotent || typeof key !== 'string') return
    const clientId = request.caller?.kind === 'client' ? request.caller.clientId : null
    const hash = requestHash(request)
    const existing = await claim(clientId, key, hash)
    if (existing instanceof ObjectId) {
      request.idempotencyRecord = existing
      return
    }
    if (existing.requestHash !== hash) throw httpError(422, 'This Idempotency-Key was already used with a different request')
    if (existing.state === 'pending') throw httpError(409, 'A request with this Idempotency-Key is still being processed; retry shortly')
    reply.code(existing.statusCode ?? 200).header('idempotent-replayed', 'true')
    if (existing.contentType) reply.type(existing.contentType)
    return reply.send(existing.body)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const record = request.idempotencyRecord
    if (!record) return payload
    request.idempotencyRecord = null
    if (reply.statusCode >= 500) {
      await records.deleteOne({ _id: record })
      return payload
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : ''
    const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8')
    await records.updateOne({ _id: record }, { $set: { state: 'done', statusCode: reply.statusCode, contentType, body } })
    return payload
  })
}, { name: 'idempotency', dependencies: ['mongo', 'auth'] })
