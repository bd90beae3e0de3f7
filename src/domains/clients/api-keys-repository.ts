import fp from 'fastify-plugin'
import { createHash, randomBytes } from 'node:crypto'
import { ObjectId, type Collection } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { ApiKey, Role } from './schemas.js'

export interface ApiKeyDocument {
  _id: ObjectId
  clientId: ObjectId
  name: string
  role: Role
  /** The user the key is bound to (it acts as that user only); absent for an integration key. */
  userId?: number
  hash: string
  prefix: string
  createdAt: Date
  revokedAt?: Date
}

/** Keys are long random secrets, so a fast hash is enough to store them safely. */
export function hashKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function generateKey (): string {
  return `sb_${randomBytes(24).toString('base64url')}`
}

export function toApiKey (doc: ApiKeyDocument): ApiKey {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    role: doc.role,
    userId: doc.userId ?? null,
    prefix: doc.prefix,
    createdAt: doc.createdAt.toISOString(),
    revokedAt: doc.revokedAt?.toISOString() ?? null
  }
}

function createApiKeysRepository (collection: Collection<ApiKeyDocument>) {
  return {
    /** Stores a key (hashed), bound to `userId` when given; `key` may be given for demo data, otherwise a new one is generated. */
    async create (clientId: ObjectId, name: string, role: Role, { key = generateKey(), userId }: { key?: string, userId?: number } = {}): Promise<{ doc: ApiKeyDocument, key: string }> {
      const doc: ApiKeyDocument = { _id: new ObjectId(), clientId, name, role, hash: hashKey(key), prefix: key.slice(0, 10), createdAt: new Date() }
      if (userId !== undefined) doc.userId = userId
      await collection.insertOne(doc)
      return { doc, key }
    },

    async findActive (key: string): Promise<ApiKeyDocument | null> {
      return collection.findOne({ hash: hashKey(key), revokedAt: { $exists: false } })
    },

    /** A client's keys in creation order; only those bound to `userId` when given. */
    async list (clientId: ObjectId, { userId }: { userId?: number } = {}): Promise<ApiKeyDocument[]> {
      const filter = userId === undefined ? { clientId } : { clientId, userId }
      return collection.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()
    },

    /** Marks a key revoked; returns null when the client has no such key. */
    async revoke (clientId: ObjectId, keyId: ObjectId): Promise<ApiKeyDocument | null> {
      const existing = await collection.findOne({ _id: keyId, clientId })
      if (!existing || existing.revokedAt) return existing
      return collection.findOneAndUpdate({ _id: keyId, clientId }, { $set: { revokedAt: new Date() } }, { returnDocument: 'after' })
    }
  }
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>

declare module 'fastify' {
  interface FastifyInstance {
    apiKeysRepository: ApiKeysRepository
  }
}

export default fp(async function apiKeysRepositoryPlugin (app: FastifyInstance) {
  app.decorate('apiKeysRepository', createApiKeysRepository(app.mongo.db.collection<ApiKeyDocument>('apiKeys')))
}, { name: 'api-keys-repository', dependencies: ['mongo'] })
