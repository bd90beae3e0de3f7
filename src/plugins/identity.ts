import type { FastifyRequest } from 'fastify'
import { clientCaller, type ClientCaller } from './auth.js'

/**
 * Who acts in a request, from the API key and never from the body. A key bound to a user speaks for that user only:
 * a field naming another user is 403 and an omitted one means the key's user. An integration key (bound to no user)
 * acts for the client as a whole; what it may do as a named user depends on the domain (see each function).
 */

function httpError (statusCode: number, message: string) {
  return Object.assign(new Error(message), { statusCode })
}

function ownUser (caller: ClientCaller & { userId: number }, field: string, named: number | undefined): number {
  if (named !== undefined && named !== caller.userId) {
    throw httpError(403, `${field} names user ${named}, but this API key speaks for user ${caller.userId} only; omit ${field} or name user ${caller.userId}`)
  }
  return caller.userId
}

function isBound (caller: ClientCaller): caller is ClientCaller & { userId: number } {
  return caller.userId !== null
}

function requireAdminIntegration (caller: ClientCaller, what: string): void {
  if (caller.role === 'admin') return
  throw httpError(403, `The messenger is private to its users: ${what} needs an API key bound to that user, or an admin integration key ` +
    `(this ${caller.role} key is bound to no user)`)
}

/**
 * Messenger: the user who sends, reads or listens. A bound key: its user. An integration key: it must have the admin
 * role (agent and manager integration keys are 403) and must name the user in `field` (400 when omitted).
 */
export function messengerUser (request: FastifyRequest, field: string, named: number | undefined): number {
  const caller = clientCaller(request)
  if (isBound(caller)) return ownUser(caller, field, named)
  requireAdminIntegration(caller, `acting as the user in ${field}`)
  if (named === undefined) throw httpError(400, `${field} is required with an integration key: it names the user who acts`)
  return named
}

/**
 * Messenger reads that name no user (the chatroom list, a room, its members): a bound key reads as its user (returned,
 * so the route shows it only its own rooms); an admin integration key reads for the client (null); other integration keys are 403.
 */
export function messengerReader (request: FastifyRequest): number | null {
  const caller = clientCaller(request)
  if (isBound(caller)) return caller.userId
  requireAdminIntegration(caller, 'reading chatrooms')
  return null
}

/**
 * Chats: the agent who writes a message (undefined: the customer). A bound key writes as its user, so it never writes
 * as the customer nor as another agent. An integration key keeps the seed-000 contract: `field` names the agent, omitted for the customer.
 */
export function chatAuthor (request: FastifyRequest, field: string, named: number | undefined): number | undefined {
  const caller = clientCaller(request)
  return isBound(caller) ? ownUser(caller, field, named) : named
}

/**
 * Chats: the agent a chat is assigned to, or whose chats a stream follows. A bound key's omitted `userId` means its user;
 * an agent-role bound key names its user only (403 otherwise), while manager and admin bound keys name anyone. An
 * integration key names the agent (400 when omitted; `purpose` says what for).
 */
export function chatAgent (request: FastifyRequest, named: number | undefined, purpose = 'it names the agent to assign'): number {
  const caller = clientCaller(request)
  if (!isBound(caller)) {
    if (named === undefined) throw httpError(400, `userId is required with an integration key: ${purpose}`)
    return named
  }
  return caller.role === 'agent' ? ownUser(caller, 'userId', named) : named ?? caller.userId
}

/** The agent whose chats alone the key may close or take over: an agent-role bound key's user; null when it may act on any chat. */
export function ownChatsOnly (request: FastifyRequest): number | null {
  const caller = clientCaller(request)
  return isBound(caller) && caller.role === 'agent' ? caller.userId : null
}

/** The API key that makes a write, recorded as `createdByKeyId` on what it stores. */
export function creatingKeyId (request: FastifyRequest) {
  return clientCaller(request).keyId
}
