import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { findFirst } from '../../db/find-one.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Role } from '../clients/schemas.js'
import { OUTBOX_HAS_ROOM, outboxEntry, withOutbox } from '../events/outbox.js'
import type { OutboxEntry } from '../events/types.js'
import type { User } from './schemas.js'
import { statusEventKey, toUserStatus, type StoredStatus } from './status.js'
import type { StatusState } from './status-schemas.js'

export interface UserDocument {
  _id: ObjectId
  clientId: ObjectId
  userId: number
  name: string
  role: Role
  createdAt: Date
  /** The latest status the user set (absent until they set one). */
  status?: StoredStatus
  /** The `user-status` events of its updates, until they are in the event log (see src/domains/users/status.ts). */
  outbox?: OutboxEntry[]
}

/** The user as the API shows it, with the status as it reads now. */
export function toUser (doc: UserDocument): User {
  return { id: doc.userId, name: doc.name, role: doc.role, createdAt: doc.createdAt.toISOString(), status: toUserStatus(doc.status) }
}

/**
 * What a status update answers: the user as stored after it, and whether this update is the one stored; `full` when it
 * was refused because the user's earlier updates still wait to be announced (the event log is not taking events).
 */
export interface StatusUpdate { user: UserDocument, applied: boolean, full?: boolean }

function createUsersRepository (db: Db, collection: Collection<UserDocument>) {
  return {
    /** Stores a user with the next id of the client; an earlier attempt's user with the same `_id` is returned as stored. */
    async create (clientId: ObjectId, user: { name: string, role: Role }, _id = new ObjectId()): Promise<UserDocument> {
      const userId = await reserveIds(db, clientId, 'users')
      return insertOnce(collection, { _id, clientId, userId, name: user.name, role: user.role, createdAt: new Date() })
    },

    async findById (clientId: ObjectId, userId: number): Promise<UserDocument | null> {
      return findFirst<UserDocument>(db, collection.collectionName, { clientId, userId })
    },

    /** The client's users among `userIds` (unknown ids are simply absent from the result). */
    async findByIds (clientId: ObjectId, userIds: number[]): Promise<UserDocument[]> {
      return collection.find({ clientId, userId: { $in: userIds } }).sort({ userId: 1 }).toArray()
    },

    /** Users in id order, after `afterUserId` when given. */
    async list (clientId: ObjectId, { limit, afterUserId, role }: { limit: number, afterUserId?: number, role?: Role }): Promise<UserDocument[]> {
      const filter: Filter<UserDocument> = { clientId }
      if (afterUserId !== undefined) filter.userId = { $gt: afterUserId }
      if (role) filter.role = role
      return collection.find(filter).sort({ userId: 1 }).limit(limit).toArray()
    },

    /**
     * Sets a user's status in one conditional write, which also records its `user-status` event in the user's outbox (so
     * an accepted status is never left unannounced): it replaces the stored status unless that one is newer (a slower
     * concurrent update never overwrites a later one). null: the client has no such user.
     */
    async setStatus (clientId: ObjectId, userId: number, status: { state: StatusState, text?: string }, now = new Date()): Promise<StatusUpdate | null> {
      const stored: StoredStatus = { state: status.state, ...(status.text === undefined ? {} : { text: status.text }), updatedAt: now, eventId: new ObjectId() }
      const { eventId, ...facts } = stored
      const user = await collection.findOneAndUpdate(
        { clientId, userId, $or: [{ status: { $exists: false } }, { 'status.updatedAt': { $lte: now } }], ...OUTBOX_HAS_ROOM },
        withOutbox<UserDocument>({ $set: { status: stored } }, [outboxEntry('user-status', statusEventKey(eventId), facts)]),
        { returnDocument: 'after' }
      )
      if (user) return { user, applied: true }
      const current = await collection.findOne({ clientId, userId })
      if (!current) return null
      const newer = current.status !== undefined && current.status.updatedAt > now
      return { user: current, applied: false, ...(newer ? {} : { full: true }) }
    }
  }
}

export type UsersRepository = ReturnType<typeof createUsersRepository>

declare module 'fastify' {
  interface FastifyInstance {
    usersRepository: UsersRepository
  }
}

export default fp(async function usersRepositoryPlugin (app: FastifyInstance) {
  app.decorate('usersRepository', createUsersRepository(app.mongo.db, app.mongo.db.collection<UserDocument>('users')))
}, { name: 'users-repository', dependencies: ['mongo'] })
