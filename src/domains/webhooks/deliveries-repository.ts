import { MongoBulkWriteError, ObjectId, type Collection, type Db, type Filter } from 'mongodb'
import type { EventType } from '../events/types.js'

export interface WebhookEvent { id: number, type: EventType, createdAt: string, data: unknown }

export interface AttemptOutcome {
  at: Date
  succeeded: boolean
  statusCode: number | null
  error: string | null
  latencyMs: number
  responseSnippet: string | null
}

export interface DeliveryDocument {
  _id: ObjectId
  clientId: ObjectId
  endpointId: ObjectId
  eventSeq: number
  event: WebhookEvent
  state: 'pending' | 'delivered' | 'failed' | 'cancelled'
  /** Attempts claimed so far: the number of the one in flight, when leased. */
  attempts: number
  nextAttemptAt: Date
  /** No retry is scheduled after this. */
  retryUntil: Date
  leaseOwner?: string
  leaseUntil?: Date
  lastAttempt?: AttemptOutcome
  createdAt: Date
  expiresAt: Date
}

export interface AttemptDocument extends AttemptOutcome {
  _id: ObjectId
  clientId: ObjectId
  endpointId: ObjectId
  deliveryId: ObjectId
  attempt: number
  expiresAt: Date
}

/**
 * Deliveries (one per endpoint and event) with their leases, and the log of every attempt. `comment`: set on the
 * commands of the dispatcher's reads and writes (the instance's own work, not a request's).
 */
export function createDeliveriesRepository (db: Db, retentionMs: number, comment?: string) {
  const tagged = comment === undefined ? {} : { comment }
  const deliveries: Collection<DeliveryDocument> = db.collection<DeliveryDocument>('webhookDeliveries')
  const attempts: Collection<AttemptDocument> = db.collection<AttemptDocument>('webhookAttempts')
  const expiry = (from: Date) => new Date(from.getTime() + retentionMs)

  return {
    /** Stores new deliveries; one that exists already (the same endpoint and event, from an earlier fan-out) is kept as it is. */
    async createMany (docs: Omit<DeliveryDocument, '_id' | 'attempts' | 'state' | 'expiresAt'>[]): Promise<void> {
      if (docs.length === 0) return
      try {
        await deliveries.insertMany(docs.map((doc) => ({ ...doc, _id: new ObjectId(), state: 'pending' as const, attempts: 0, expiresAt: expiry(doc.createdAt) })), { ordered: false, ...tagged })
      } catch (error) {
        const duplicatesOnly = error instanceof MongoBulkWriteError && [error.writeErrors].flat().every((writeError) => writeError.code === 11000)
        if (!duplicatesOnly) throw error
      }
    },

    /**
     * Takes up to `count` due deliveries for `owner` until `leaseMs` from now, counting each one's attempt. Each is
     * taken by one atomic update conditional on it being due and unleased, so two instances can never hold the same
     * attempt; a lease that lapsed (its instance died) is taken over.
     */
    async claim (owner: string, leaseMs: number, count: number, now = new Date()): Promise<DeliveryDocument[]> {
      const due: Filter<DeliveryDocument> = {
        state: 'pending', nextAttemptAt: { $lte: now }, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lte: now } }]
      }
      const candidates = await deliveries.find(due, { projection: { _id: 1 }, ...tagged }).sort({ nextAttemptAt: 1 }).limit(count).toArray()
      const claimed = await Promise.all(candidates.map(async ({ _id }) => deliveries.findOneAndUpdate(
        { _id, ...due },
        { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { returnDocument: 'after', ...tagged }
      )))
      return claimed.filter((delivery): delivery is DeliveryDocument => delivery !== null)
    },

    /** Records an attempt's outcome and the delivery's next state, if `owner` still holds that attempt. */
    async settle (delivery: DeliveryDocument, owner: string, outcome: AttemptOutcome, next: { state: DeliveryDocument['state'], nextAttemptAt?: Date }): Promise<boolean> {
      await attempts.insertOne({
        _id: new ObjectId(), clientId: delivery.clientId, endpointId: delivery.endpointId, deliveryId: delivery._id,
        attempt: delivery.attempts, ...outcome, expiresAt: expiry(outcome.at)
      }, tagged)
      const settled = await deliveries.updateOne(
        { _id: delivery._id, leaseOwner: owner, attempts: delivery.attempts },
        {
          $set: { state: next.state, lastAttempt: outcome, nextAttemptAt: next.nextAttemptAt ?? delivery.nextAttemptAt, expiresAt: expiry(outcome.at) },
          $unset: { leaseOwner: '', leaseUntil: '' }
        },
        tagged
      )
      return settled.modifiedCount === 1
    },

    /** Gives a claimed delivery up without an attempt (its endpoint was deleted or disabled). */
    async cancel (delivery: DeliveryDocument, owner: string): Promise<void> {
      await deliveries.updateOne(
        { _id: delivery._id, leaseOwner: owner, attempts: delivery.attempts },
        { $set: { state: 'cancelled' }, $inc: { attempts: -1 }, $unset: { leaseOwner: '', leaseUntil: '' } },
        tagged
      )
    },

    async findById (clientId: ObjectId, endpointId: ObjectId, id: ObjectId): Promise<DeliveryDocument | null> {
      return deliveries.findOne({ _id: id, clientId, endpointId })
    },

    /** An endpoint's deliveries newest first, after `beforeId`. */
    async list (clientId: ObjectId, endpointId: ObjectId, query: { limit: number, beforeId?: ObjectId, state?: DeliveryDocument['state'] }): Promise<DeliveryDocument[]> {
      const filter: Filter<DeliveryDocument> = { clientId, endpointId }
      if (query.state) filter.state = query.state
      if (query.beforeId) filter._id = { $lt: query.beforeId }
      return deliveries.find(filter, { projection: { 'event.data': 0 } }).sort({ _id: -1 }).limit(query.limit).toArray()
    },

    /** A delivery's attempts, newest first, after `beforeId`. */
    async listAttempts (clientId: ObjectId, deliveryId: ObjectId, query: { limit: number, beforeId?: ObjectId }): Promise<AttemptDocument[]> {
      const filter: Filter<AttemptDocument> = { clientId, deliveryId }
      if (query.beforeId) filter._id = { $lt: query.beforeId }
      return attempts.find(filter).sort({ _id: -1 }).limit(query.limit).toArray()
    },

    /** Schedules a delivery again now, with a new retry window; null while an attempt of it is in flight. */
    async redeliver (clientId: ObjectId, endpointId: ObjectId, id: ObjectId, retryWindowMs: number, now = new Date()): Promise<DeliveryDocument | null> {
      return deliveries.findOneAndUpdate(
        { _id: id, clientId, endpointId, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lte: now } }] },
        { $set: { state: 'pending', nextAttemptAt: now, retryUntil: new Date(now.getTime() + retryWindowMs), expiresAt: expiry(now) }, $unset: { leaseOwner: '', leaseUntil: '' } },
        { returnDocument: 'after' }
      )
    },

    /** Removes an endpoint's deliveries and attempts (it was deleted). */
    async removeFor (clientId: ObjectId, endpointId: ObjectId): Promise<void> {
      await deliveries.deleteMany({ clientId, endpointId })
      await attempts.deleteMany({ clientId, endpointId })
    }
  }
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>
