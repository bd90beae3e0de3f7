import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { audience, type OutboxEntry } from '../events/types.js'
import type { UserDocument } from './repository.js'
import { ONLINE_TTL_S, type StatusState, type UserStatus, type UserStatusOf } from './status-schemas.js'

/** A user's status as stored on the user: overwritten by each update, so it never grows. */
export interface StoredStatus {
  state: StatusState
  text?: string
  updatedAt: Date
  /** This update's own id (a new ObjectId per update): its event's key in the log is `user-status:<eventId>`. */
  eventId: ObjectId
}

const NEVER_SET: UserStatus = { state: 'offline', text: null, updatedAt: null, expiresAt: null }

/** The status as it reads at `now`: an online status not renewed within ONLINE_TTL_S reads as offline. */
export function toUserStatus (status: Omit<StoredStatus, 'eventId'> | undefined, now = new Date()): UserStatus {
  if (!status) return NEVER_SET
  const text = status.text ?? null
  const updatedAt = status.updatedAt.toISOString()
  if (status.state !== 'online') return { state: status.state, text, updatedAt, expiresAt: null }
  const expiresAt = new Date(status.updatedAt.getTime() + ONLINE_TTL_S * 1000)
  if (expiresAt <= now) return { state: 'offline', text, updatedAt, expiresAt: null }
  return { state: 'online', text, updatedAt, expiresAt: expiresAt.toISOString() }
}

/** The log key of one status update's event: each accepted update is one event. */
export function statusEventKey (eventId: ObjectId): string {
  return `user-status:${eventId.toHexString()}`
}

/**
 * A `user-status` event, described from the update its outbox entry recorded (the user may have set another status
 * since): the status as the update answered it, its `expiresAt` counted from its own `updatedAt`. Every key of the client
 * may listen, so its audience is the client's status stream.
 */
export function describeStatus (doc: UserDocument, entry: OutboxEntry): { audience: string[], data: UserStatusOf } {
  const update = entry.facts as Omit<StoredStatus, 'eventId'>
  return { audience: [audience.statuses], data: { userId: doc.userId, ...toUserStatus(update, update.updatedAt) } }
}

/**
 * Publishes the status updates a user document owes (its outbox): each becomes a `user-status` event in the client's
 * event log, which `GET /api/v1/user-statuses/events` and webhooks read on every instance. The one place statuses are
 * published; should it fail, the outbox sweep publishes them later.
 */
export async function publishStatus (app: FastifyInstance, user: UserDocument): Promise<void> {
  await app.events.announce('users', [user])
}
