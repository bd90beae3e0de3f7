import fp from 'fastify-plugin'
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { insertNew, insertOnce } from '../../db/insert-once.js'
import { insertWithNextId } from '../../db/sequences.js'
import type { CreateCustomerBody, Customer } from './schemas.js'

export interface CustomerDocument {
  _id: ObjectId
  clientId: ObjectId
  customerId: number
  occupation?: string
  type?: string
  inferred?: true
  createdAt: Date
}

export interface CustomerRecord { customerId: number, occupation?: string, type?: string }

export function toCustomer (doc: CustomerDocument): Customer {
  return {
    customerId: doc.customerId,
    occupation: doc.occupation ?? null,
    type: doc.type ?? null,
    inferred: doc.inferred === true,
    createdAt: doc.createdAt.toISOString()
  }
}

const SEQUENCE = 'customers'

function details (record: { occupation?: string, type?: string }) {
  return { ...(record.occupation ? { occupation: record.occupation } : {}), ...(record.type ? { type: record.type } : {}) }
}

/**
 * Customers keep the integer id of the source data. An id handed out here is the next of the client's automatic ids
 * that no customer holds: explicit ids never move the counter, so no id given by an import or an interaction can end
 * automatic numbering (src/db/sequences.ts).
 */
export function createCustomersRepository (db: Db) {
  const collection: Collection<CustomerDocument> = db.collection<CustomerDocument>('customers')

  return {
    /**
     * Records a customer. An inferred customer with the same id becomes a recorded one; a recorded one with the same id
     * is a duplicate (409). Without an id, the next automatic one (never an inferred customer's). An earlier attempt's
     * customer with the same `_id` is returned as stored.
     */
    async create (clientId: ObjectId, body: CreateCustomerBody, _id = new ObjectId()): Promise<CustomerDocument> {
      const record = (customerId: number) => ({ _id, clientId, customerId, ...details(body), createdAt: new Date() })
      if (body.customerId === undefined) {
        return insertWithNextId(db, clientId, {
          name: SEQUENCE,
          field: 'customerId',
          insert: async (customerId) => insertOnce(collection, record(customerId)),
          takenFrom: async (from, limit) => (await collection.find({ clientId, customerId: { $gte: from } }, { projection: { _id: 0, customerId: 1 } })
            .sort({ customerId: 1 }).limit(limit).toArray()).map((doc) => doc.customerId)
        })
      }
      const completed = await collection.findOneAndUpdate(
        { clientId, customerId: body.customerId, inferred: true },
        { $set: details(body), $unset: { inferred: '' } },
        { returnDocument: 'after' }
      )
      return completed ?? insertOnce(collection, record(body.customerId))
    },

    /** Upserts recorded customers on their natural key (customerId); an inferred one becomes recorded. */
    async upsertMany (clientId: ObjectId, records: CustomerRecord[]): Promise<{ inserted: number, updated: number }> {
      if (records.length === 0) return { inserted: 0, updated: 0 }
      const createdAt = new Date()
      const result = await collection.bulkWrite(records.map((record) => ({
        updateOne: {
          filter: { clientId, customerId: record.customerId },
          update: { $set: details(record), $unset: { inferred: '' }, $setOnInsert: { _id: new ObjectId(), createdAt } },
          upsert: true
        }
      })), { ordered: false })
      return { inserted: result.upsertedCount, updated: result.modifiedCount }
    },

    /** Makes sure every referenced customer exists: missing ones are kept as inferred customers, never dropped. */
    async ensureExist (clientId: ObjectId, customerIds: number[]): Promise<number> {
      const unique = [...new Set(customerIds)]
      const createdAt = new Date()
      const docs = unique.map((customerId) => ({ _id: new ObjectId(), clientId, customerId, inferred: true as const, createdAt }))
      return (await insertNew(collection, docs, { index: 'clientId_customerId_unique', fields: ['clientId', 'customerId'] })).inserted
    },

    async findByCustomerId (clientId: ObjectId, customerId: number): Promise<CustomerDocument | null> {
      return collection.findOne({ clientId, customerId })
    },

    async list (clientId: ObjectId, { limit, afterCustomerId, inferred }: { limit: number, afterCustomerId?: number, inferred?: boolean }): Promise<CustomerDocument[]> {
      const filter: Filter<CustomerDocument> = { clientId }
      if (afterCustomerId !== undefined) filter.customerId = { $gt: afterCustomerId }
      if (inferred !== undefined) filter.inferred = inferred ? true : { $exists: false }
      return collection.find(filter).sort({ customerId: 1 }).limit(limit).toArray()
    }
  }
}

export type CustomersRepository = ReturnType<typeof createCustomersRepository>

declare module 'fastify' {
  interface FastifyInstance {
    customersRepository: CustomersRepository
  }
}

export default fp(async function customersRepositoryPlugin (app: FastifyInstance) {
  app.decorate('customersRepository', createCustomersRepository(app.mongo.db))
}, { name: 'customers-repository', dependencies: ['mongo'] })
