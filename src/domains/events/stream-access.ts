import type { FastifyRequest } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { Role } from '../clients/schemas.js'

export interface StreamCaller { clientId: ObjectId, keyId: ObjectId, role: Role }

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

/** The client key of a stream request. */
export function streamCaller (request: FastifyRequest): StreamCaller {
  const caller = request.caller
  if (caller?.kind !== 'client') throw httpError(403, 'This route needs a client API key')
  return caller
}

/**
 * The user whose private stream a request opens (issue 13's rules, in one place): a key bound to a user opens only its
 * own user's streams (`named` may be omitted; naming another user is 403); a key bound to no user (an integration
 * key) must name the user and needs the admin role.
 */
export function streamUser (request: FastifyRequest, named: number | undefined, what: string): number {
  const caller = streamCaller(request)
  const bound = (caller as { userId?: number | null }).userId
  if (typeof bound === 'number') {
    if (named !== undefined && named !== bound) throw httpError(403, `This key is bound to user ${bound}; it cannot open user ${named}'s ${what}`)
    return bound
  }
  if (named === undefined) throw httpError(400, `userId is required: this key is bound to no user, so it must name whose ${what} to open`)
  if (caller.role !== 'admin') {
    throw httpError(403, `A key bound to no user needs the admin role to open user ${named}'s ${what}; use a key bound to that user`)
  }
  return named
}
