import fp from 'fastify-plugin'
import { ObjectId, type Collection } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertOnce } from '../../db/insert-once.js'
import type { Client, CreateClientBody } from './schemas.js'

export interface ClientDocument {
  _id: ObjectId
  name: string
  nickName: string
  createdAt: Date
}

export function toClient (doc: ClientDocument): Client {
  return { id: doc._id.toHexString(), name: doc.name, nickName: doc.nickName, createdAt: doc.createdAt.toISOString() }
}

function createClientsRepository (collection: Collection<ClientDocument>) {
  return {
    /** Stores a client; an earlier attempt's client with the same `_id` is returned as stored, another with its nickName is a 409. */
    async create (body: CreateClientBody, _id = new ObjectId()): Promise<ClientDocument> {
      return insertOnce(collection, { _id, name: body.name.trim(), nickName: body.nickName, createdAt: new Date() })
    },

    /** Clients in creation order, after `afterId` when given; `onlyId` restricts the list to one client. */
    async list ({ limit, afterId, onlyId }: { limit: number, afterId?: ObjectId, onlyId?: ObjectId }): Promise<ClientDocument[]> {
      const filter: Record<string, unknown> = {}
      if (onlyId) filter._id = onlyId
      if (afterId) filter._id = onlyId ? { $eq: onlyId, $gt: afterId } : { $gt: afterId }
      return collection.find(filter).sort({ _id: 1 }).limit(limit).toArray()
    },

    async findById (id: ObjectId): Promise<ClientDocument | null> {
      return collection.findOne({ _id: id })
    },

    async listAll (): Promise<ClientDocument[]> {
      return collection.find({}).sort({ _id: 1 }).toArray()
    }
  }
}

export type ClientsRepository = ReturnType<typeof createClientsRepository>

declare module 'fastify' {
  interface FastifyInstance {
    clientsRepository: ClientsRepository
  }
}

export default fp(async function clientsRepositoryPlugin (app: FastifyInstance) {
  app.decorate('clientsRepository', createClientsRepository(app.mongo.db.collection<ClientDocument>('clients')))
}, { name: 'clients-repository', dependencies: ['mongo'] })
