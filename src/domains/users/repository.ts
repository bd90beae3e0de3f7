import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { reserveIds } from '../../db/sequences.js'
import { insertOnce } from '../../db/insert-once.js'
import type { Role } from '../clients/schemas.js'
import type { User } from './schemas.js'

export interface UserDocument {
  _id: ObjectId
  clientId: ObjectId
  userId: number
  name: string
  role: Role
  createdAt: Date
}

export function toUser (doc: UserDocument): User {
  return { id: doc.userId, name: doc.name, role: doc.role, createdAt: doc.createdAt.toISOString() }
}

function createUsersRepository (db: Db, collection: Collection<UserDocument>) {
  return {
    /** Stores a user with the next id of the client; an earlier attempt's user with the same `_id` is returned as stored. */
    async create (clientId: ObjectId, user: { name: string, role: Role }, _id = new ObjectId()): Promise<UserDocument> {
      const userId = await reserveIds(db, clientId, 'users')
      return insertOnce(collection, { _id, clientId, userId, name: user.name, role: user.role, createdAt: new Date() })
    },

    async findById (clientId: ObjectId, userId: number): Promise<UserDocument | null> {
      return collection.findOne({ clientId, userId })
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
