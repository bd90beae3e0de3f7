import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Db, ObjectId } from 'mongodb'
import type { CustomerDocument } from '../customers/repository.js'
import type { InteractionDocument } from '../interactions/repository.js'

export type KnownCustomer = Pick<CustomerDocument, 'customerId' | 'occupation' | 'type' | 'inferred'>

/**
 * Bulk reads the import needs on the interactions domain's collections (its repositories read one record at a time):
 * which of a batch's customers and interactions are stored already. Both use the collections' unique indexes.
 */
export function createImportLookups (db: Db) {
  const customers = db.collection<CustomerDocument>('customers')
  const interactions = db.collection<InteractionDocument>('interactions')

  return {
    async customersByIds (clientId: ObjectId, customerIds: number[]): Promise<Map<number, KnownCustomer>> {
      if (customerIds.length === 0) return new Map()
      const docs = await customers.find(
        { clientId, customerId: { $in: customerIds } },
        { projection: { _id: 0, customerId: 1, occupation: 1, type: 1, inferred: 1 } }
      ).toArray()
      return new Map(docs.map((doc) => [doc.customerId, doc]))
    },

    async existingContentKeys (clientId: ObjectId, contentKeys: string[]): Promise<Set<string>> {
      if (contentKeys.length === 0) return new Set()
      const docs = await interactions.find({ clientId, contentKey: { $in: contentKeys } }, { projection: { _id: 0, contentKey: 1 } }).toArray()
      return new Set(docs.map((doc) => doc.contentKey))
    }
  }
}

export type ImportLookups = ReturnType<typeof createImportLookups>

declare module 'fastify' {
  interface FastifyInstance {
    importLookups: ImportLookups
  }
}

export default fp(async function importLookupsPlugin (app: FastifyInstance) {
  app.decorate('importLookups', createImportLookups(app.mongo.db))
}, { name: 'import-lookups', dependencies: ['mongo'] })
