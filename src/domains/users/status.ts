import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { ONLINE_TTL_S, type StatusState, type UserStatus, type UserStatusOf } from './status-schemas.js'

/** A user's status as stored on the user: overwritten by each update, so it never grows. */
export interface StoredStatus {
  state: StatusState
  text?: string
  updatedAt: Date
  /** The position of this update in the client's status stream (a new ObjectId per update). */
  eventId: ObjectId
}

const NEVER_SET: UserStatus = { state: 'offline', text: null, updatedAt: null, expiresAt: null }

/** The status as it reads at `now`: an online status not renewed within ONLINE_TTL_S reads as offline. */
export function toUserStatus (status: StoredStatus | undefined, now = new Date()): UserStatus {
  if (!status) return NEVER_SET
  const text = status.text ?? null
  const updatedAt = status.updatedAt.toISOString()
  if (status.state !== 'online') return { state: status.state, text, updatedAt, expiresAt: null }
  const expiresAt = new Date(status.updatedAt.getTime() + ONLINE_TTL_S * 1000)
  if (expiresAt <= now) return { state: 'offline', text, updatedAt, expiresAt: null }
  return { state: 'online', text, updatedAt, expiresAt: expiresAt.toISOString() }
}

/** The channel of a client's status changes (one per client: every user may read every status). */
export function statusChannel (clientId: ObjectId): string {
  return `${clientId.toHexString()}:user-statuses`
}

/**
 * Publishes a status update to the client's status stream (`GET /api/v1/user-statuses/events`), as event `user-status`.
 * The one place statuses are published: until the ordered event log lands it goes through the messenger's in-process bus.
 */
export function publishStatus (app: FastifyInstance, clientId: ObjectId, eventId: ObjectId, status: UserStatusOf): void {
  app.messengerLive.bus.publish(statusChannel(clientId), { id: eventId, name: 'user-status', data: status })
}
