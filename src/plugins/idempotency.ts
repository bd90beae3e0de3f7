import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import stableStringify from 'safe-stable-stringify'
import { MongoServerError, ObjectId, type Collection } from 'mongodb'
import type { FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours an `Idempotency-Key` header (create routes). */
    idempotent?: boolean
  }
  interface FastifyRequest {
    idempotencyRecord: ObjectId | null
    /** This attempt took its key over from one that failed or never finished, which may have stored something. */
    idempotencyResumed: boolean
  }
}

interface IdempotencyDocument {
  _id: ObjectId
  clientId: ObjectId | null
  /** The API key that sent the request (null: the platform key): records are kept per key, so two users never share answers. */
  keyId: ObjectId | null
  key: string
  requestHash: string
  /** `failed`: the attempt answered 5xx; whether it stored anything is unknown, so a retry re-runs it with the same id. */
  state: 'pending' | 'done' | 'failed'
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

/**
 * What makes two requests "the same": method, route and the meaning of their parameters, query and body, compared after
 * validation (`"1"` and `1` for an integer are one value) as canonical JSON (keys sorted, so their order does not count).
 */
function requestHash (request: FastifyRequest): string {
  const meaning = stableStringify({ params: request.params ?? null, query: request.query ?? null, body: request.body ?? null })
  return createHash('sha256').update(`${request.method} ${request.routeOptions.url ?? request.url}\n${meaning}`).digest('hex')
}

function handlerTimedOut (request: FastifyRequest): boolean {
  return (request.signal.reason as { code?: string } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT'
}

/**
 * `Idempotency-Key` for create routes: the first response is stored per API key and Idempotency-Key and replayed for a retry;
 * the same key with a different request is 422; a retry while the first is still running is 409; keys expire after 24 h.
 * A claim whose request never finished (it crashed, or lost the database before it could record its answer) is taken
 * over by a retry once it is older than the lease: the longest a request may run. A claim whose request answered 5xx
 * is taken over by the next retry at once. A take-over keeps the record's id, which `creationId` turns into the ids of
 * the documents the request stores, so a re-run finds what an earlier attempt stored instead of storing it again.
 */
export default fp(async function idempotencyPlugin (app) {
  const records: Collection<IdempotencyDocument> = app.mongo.db.collection('idempotencyKeys')
  const leaseMs = app.config.HANDLER_TIMEOUT_MS + app.config.MONGODB_TIMEOUT_MS
  app.decorateRequest('idempotencyRecord', null)
  app.decorateRequest('idempotencyResumed', false)

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

  /**
   * Either claims the key for this request (the record's id, kept across take-overs, and whether this is a take-over)
   * or returns the record that holds it.
   */
  async function claim (
    scope: { clientId: ObjectId | null, keyId: ObjectId | null }, key: string, hash: string, attempts = 3
  ): Promise<{ id: ObjectId, resumed: boolean } | IdempotencyDocument> {
    const { clientId, keyId } = scope
    try {
      const _id = new ObjectId()
      await records.insertOne({ _id, clientId, keyId, key, requestHash: hash, state: 'pending', createdAt: new Date() })
      return { id: _id, resumed: false }
    } catch (error) {
      if (!(error instanceof MongoServerError) || Number(error.code) !== 11000) throw error
    }
    const existing = await records.findOne({ clientId, keyId, key })
    const age = existing ? Date.now() - existing.createdAt.getTime() : 0
    const expired = age > IDEMPOTENCY_TTL_MS
    const resumable = existing?.requestHash === hash &&
      (existing.state === 'failed' || (existing.state === 'pending' && age > leaseMs))
    if (existing && !expired && !resumable) return existing
    if (attempts === 0) throw httpError(409, 'A request with this Idempotency-Key is still being processed; retry shortly')
    if (existing && expired) await records.deleteOne({ _id: existing._id, createdAt: existing.createdAt })
    if (existing && resumable) {
      const takeover = await records.updateOne(
        { _id: existing._id, state: existing.state, createdAt: existing.createdAt },
        { $set: { state: 'pending', createdAt: new Date() } }
      )
      if (takeover.modifiedCount === 1) return { id: existing._id, resumed: true }
    }
    return claim(scope, key, hash, attempts - 1)
  }

  /** Best effort: a record left pending is freed by its lease. */
  async function settle (request: FastifyRequest, work: () => Promise<unknown>) {
    try {
      await work()
    } catch (err) {
      request.log.warn({ err }, 'could not record the outcome of an idempotent request; its key is freed when its lease ends')
    }
  }

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (!request.routeOptions.config?.idempotent || typeof key !== 'string') return
    const caller = request.caller?.kind === 'client' ? request.caller : null
    const hash = requestHash(request)
    const existing = await claim({ clientId: caller?.clientId ?? null, keyId: caller?.keyId ?? null }, key, hash)
    if ('resumed' in existing) {
      request.idempotencyRecord = existing.id
      request.idempotencyResumed = existing.resumed
      return
    }
    if (existing.requestHash !== hash) throw httpError(422, 'This Idempotency-Key was already used with a different request')
    if (existing.state !== 'done') {
      reply.header('retry-after', '1')
      throw httpError(409, 'A request with this Idempotency-Key is still being processed; retry shortly')
    }
    reply.code(existing.statusCode ?? 200).header('idempotent-replayed', 'true')
    if (existing.contentType) reply.type(existing.contentType)
    return reply.send(existing.body)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const record = request.idempotencyRecord
    if (!record) return payload
    request.idempotencyRecord = null
    if (reply.statusCode >= 500) {
      // The attempt may have stored something before it failed, so the record (and with it the ids of what it stores)
      // is kept for the retry. A timed-out handler may still be writing: its claim stays pending until the lease ends,
      // so a retry cannot run beside it.
      if (!handlerTimedOut(request)) await settle(request, () => records.updateOne({ _id: record, state: 'pending' }, { $set: { state: 'failed' } }))
      return payload
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : ''
    const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8')
    await settle(request, () => records.updateOne({ _id: record }, { $set: { state: 'done', statusCode: reply.statusCode, contentType, body } }))
    return payload
  })
}, { name: 'idempotency', dependencies: ['mongo', 'auth'] })
