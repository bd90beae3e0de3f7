import fp from 'fastify-plugin'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { ObjectId } from 'mongodb'
import { hashKey, type ApiKeyDocument } from '../domains/clients/api-keys-repository.js'
import type { Role } from '../domains/clients/schemas.js'
import { ErrorSchema, LegacyErrorSchema } from '../schemas/common.js'

/**
 * Who may call a route: 'public' (no key), or the key kinds allowed —
 * `role`: a client key with at least this role; `platform`: the platform key (ADMIN_API_KEY).
 */
export type Access = 'public' | { role?: Role, platform?: boolean }

export interface RouteAccess { method: string, url: string, access: Access }

/** A client key: `userId` is the user it is bound to (it acts as that user only), null for an integration key. */
export interface ClientCaller { kind: 'client', clientId: ObjectId, role: Role, keyId: ObjectId, userId: number | null }

export type Caller = { kind: 'platform' } | ClientCaller

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: Access
  }
  interface FastifyRequest {
    caller: Caller | null
  }
  interface FastifyInstance {
    platformKey: string
    /** Every route with the access it declared, for sweeps over the whole API. */
    routeAccess: RouteAccess[]
  }
}

const rank: Record<Role, number> = { agent: 1, manager: 2, admin: 3 }

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

function bearerKey (request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw httpError(401, 'The Authorization header must be "Bearer <API key>"')
  return match[1] as string
}

function sameHash (hash: string, expected: Buffer): boolean {
  return timingSafeEqual(Buffer.from(hash, 'hex'), expected)
}

function withHook<T> (hooks: T | T[] | undefined, hook: T): T[] {
  return [...(hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]), hook]
}

/** The authenticated client key (routes that allow only client keys). */
export function clientCaller (request: FastifyRequest): ClientCaller {
  const caller = request.caller
  if (caller?.kind !== 'client') throw httpError(403, 'This route needs a client API key')
  return caller
}

/** The client id of the authenticated client key (routes that allow only client keys). */
export function callerClientId (request: FastifyRequest): ObjectId {
  return clientCaller(request).clientId
}

/** Requests from another client's key see nothing: the same 404 as a missing record. */
export function canSeeClient (request: FastifyRequest, clientId: ObjectId): boolean {
  const caller = request.caller
  return caller?.kind === 'platform' || (caller?.kind === 'client' && caller.clientId.equals(clientId))
}

function documentAuth (route: RouteOptions, access: Access) {
  if (access === 'public') return
  const schema = (route.schema ??= {}) as Record<string, unknown>
  schema.security ??= [{ apiKey: [] }]
  const response = (schema.response ??= {}) as Record<string, unknown>
  const errorShape = route.config?.legacyErrors ? LegacyErrorSchema : ErrorSchema
  response[401] ??= errorShape
  response[403] ??= errorShape
}

export default fp(async function authPlugin (app) {
  let platformKey = app.config.ADMIN_API_KEY
  if (!platformKey) {
    if (app.config.NODE_ENV === 'production') throw new Error('ADMIN_API_KEY must be set in production')
    // Printed once by src/server.ts's start-up banner.
    platformKey = `sb_platform_${randomBytes(18).toString('base64url')}`
  }
  const platformHash = Buffer.from(hashKey(platformKey), 'hex')
  app.decorate('platformKey', platformKey)
  app.decorateRequest('caller', null)
  const routeAccess: RouteAccess[] = []
  app.decorate('routeAccess', routeAccess)

  /** Identifies the caller of a route that needs a key; public routes do not run it at all. */
  async function authenticate (request: FastifyRequest, reply: FastifyReply) {
    const access = request.routeOptions.config.auth as Exclude<Access, 'public'>
    const key = bearerKey(request)
    if (!key) throw httpError(401, 'Missing API key: send "Authorization: Bearer <API key>"')

    const hash = hashKey(key)
    if (sameHash(hash, platformHash)) {
      if (!access.platform) {
        app.refusedKeyGate?.(request, reply, 'platform')
        throw httpError(403, 'The platform key manages clients and API keys only; use a client API key')
      }
      request.caller = { kind: 'platform' }
      return
    }
    let stored: ApiKeyDocument | null | undefined = app.apiKeyLookup.cached(hash)
    if (!stored) {
      app.keyLookupGate?.(request, reply)
      stored = await app.apiKeyLookup.find(hash)
    }
    if (!stored) throw httpError(401, 'Invalid or revoked API key')
    if (!access.role || rank[stored.role] < rank[access.role]) app.refusedKeyGate?.(request, reply, stored._id)
    if (!access.role) throw httpError(403, 'This route needs the platform key')
    if (rank[stored.role] < rank[access.role]) throw httpError(403, `This route needs the ${access.role} role; this key has ${stored.role}`)
    request.caller = { kind: 'client', clientId: stored.clientId, role: stored.role, keyId: stored._id, userId: stored.userId ?? null }
  }

  app.addHook('onRoute', (route) => {
    const access = route.config?.auth
    if (!access) throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.auth`)
    documentAuth(route, access)
    for (const method of [route.method].flat()) routeAccess.push({ method, url: route.url, access })
    if (access !== 'public') route.onRequest = withHook(route.onRequest, authenticate)
  })
}, { name: 'auth', dependencies: ['@fastify/env', 'api-keys-repository', 'key-cache'] })
