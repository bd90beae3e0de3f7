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

/** A revoked key as the revocation poll reads it. */
export interface RevokedKey { _id: ObjectId, hash: string, revokedAt: Date }

function createApiKeysRepository (collection: Collection<ApiKeyDocument>) {
  const revocationListeners: Array<(doc: ApiKeyDocument) => void> = []
  const findActiveByHash = (hash: string): Promise<ApiKeyDocument | null> => collection.findOne({ hash, revokedAt: { $exists: false } })
  return {
    /** Stores a key (hashed), bound to `userId` when given; `key` may be given for demo data, otherwise a new one is generated. */
    async create (clientId: ObjectId, name: string, role: Role, { key = generateKey(), userId }: { key?: string, userId?: number } = {}): Promise<{ doc: ApiKeyDocument, key: string }> {
      const doc: ApiKeyDocument = { _id: new ObjectId(), clientId, name, role, hash: hashKey(key), prefix: key.slice(0, 10), createdAt: new Date() }
      if (userId !== undefined) doc.userId = userId
      await collection.insertOne(doc)
      return { doc, key }
    },

    async findActive (key: string): Promise<ApiKeyDocument | null> {
      return findActiveByHash(hashKey(key))
    },

    findActiveByHash,

    /**
     * The newest `limit` keys revoked at or after `since` (every revoked key when null), newest first, read through the
     * `revokedAt` index. `comment` marks the command as background work (not a request's).
     */
    async revokedSince (since: Date | null, limit: number, comment?: string): Promise<RevokedKey[]> {
      return collection.find<RevokedKey>(
        // `$exists` names the partial index's filter, so that every server plans the query on it.
        { revokedAt: since ? { $exists: true, $gte: since } : { $exists: true } },
        { projection: { _id: 1, hash: 1, revokedAt: 1 }, sort: { revokedAt: -1 }, limit, ...(comment ? { comment } : {}) }
      ).toArray()
    },

    /** Calls `listener` with every key this process revokes, as soon as the revocation is stored. */
    onRevoked (listener: (doc: ApiKeyDocument) => void): void {
      revocationListeners.push(listener)
    },

    /** A client's keys in creation order; only those bound to `userId` when given. */
    async list (clientId: ObjectId, { userId }: { userId?: number } = {}): Promise<ApiKeyDocument[]> {
      const filter = userId === undefined ? { clientId } : { clientId, userId }
      return collection.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()
    },

    /**
     * Marks a key revoked, dated by the database's clock (which every instance's revocation poll compares with);
     * returns null when the client has no such key, and an already revoked key as it is.
     */
    async revoke (clientId: ObjectId, keyId: ObjectId): Promise<ApiKeyDocument | null> {
      const revoked = await collection.findOneAndUpdate(
        { _id: keyId, clientId, revokedAt: { $exists: false } },
        { $currentDate: { revokedAt: true } },
        { returnDocument: 'after' }
      )
      // Already revoked (perhaps by another instance a moment ago): this instance forgets it at once too.
      const doc = revoked ?? await collection.findOne({ _id: keyId, clientId })
      if (doc?.revokedAt) for (const listener of revocationListeners) listener(doc)
      return doc
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
