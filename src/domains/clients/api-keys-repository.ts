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
    prefix: doc.prefix,
    createdAt: doc.createdAt.toISOString(),
    revokedAt: doc.revokedAt?.toISOString() ?? null
  }
}

function createApiKeysRepository (collection: Collection<ApiKeyDocument>) {
  return {
    /** Stores a key (hashed); `key` may be given for demo data, otherwise a new one is generated. */
    async create (clientId: ObjectId, name: string, role: Role, key = generateKey()): Promise<{ doc: ApiKeyDocument, key: string }> {
      const doc: ApiKeyDocument = { _id: new ObjectId(), clientId, name, role, hash: hashKey(key), prefix: key.slice(0, 10), createdAt: new Date() }
      await collection.insertOne(doc)
      return { doc, key }
    },

    async findActive (key: string): Promise<ApiKeyDocument | null> {
      return collection.findOne({ hash: hashKey(key), revokedAt: { $exists: false } })
    },

    async list (clientId: ObjectId): Promise<ApiKeyDocument[]> {
      return collection.find({ clientId }).sort({ createdAt: 1, _id: 1 }).toArray()
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
