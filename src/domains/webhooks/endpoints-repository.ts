import { MongoServerError, ObjectId, type Collection, type Db } from 'mongodb'
import type { EventType } from '../events/types.js'
import { newSecret } from './signature.js'
import type { UpdateWebhookBody, Webhook } from './schemas.js'

export interface EndpointDocument {
  _id: ObjectId
  clientId: ObjectId
  url: string
  eventTypes: EventType[]
  description: string
  secret: string
  enabled: boolean
  disabledReason?: string
  failingSince?: Date
  /** Events up to this seq (the log's head when the endpoint was created or re-enabled) are not delivered to it. */
  startSeq: number
  createdAt: Date
  updatedAt: Date
}

export function toWebhook (doc: EndpointDocument): Webhook {
  return {
    id: doc._id.toHexString(),
    url: doc.url,
    eventTypes: doc.eventTypes,
    description: doc.description,
    enabled: doc.enabled,
    disabledReason: doc.disabledReason ?? null,
    failingSince: doc.failingSince?.toISOString() ?? null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString()
  }
}

/**
 * Webhook endpoints of each client, and the one fan-out position per client their deliveries are made from.
 * `comment`: set on the commands of the dispatcher's reads and writes (the instance's own work, not a request's).
 */
export function createEndpointsRepository (db: Db, comment?: string) {
  const endpoints: Collection<EndpointDocument> = db.collection<EndpointDocument>('webhooks')
  const cursors: Collection<{ _id: ObjectId, seq: number }> = db.collection('webhookCursors')
  const tagged = comment === undefined ? {} : { comment }

  return {
    async create (clientId: ObjectId, fields: { url: string, eventTypes: EventType[], description?: string }, startSeq: number): Promise<EndpointDocument> {
      const now = new Date()
      const doc: EndpointDocument = {
        _id: new ObjectId(), clientId, url: fields.url, eventTypes: fields.eventTypes, description: fields.description ?? '',
        secret: newSecret(), enabled: true, startSeq, createdAt: now, updatedAt: now
      }
      await endpoints.insertOne(doc)
      await this.skipToIfAlone(clientId, startSeq)
      return doc
    },

    /**
     * Moves the client's fan-out position up to `seq` when only one endpoint is enabled (the one just created or
     * re-enabled): the events before it were fanned out to no one, so they need not be read again.
     */
    async skipToIfAlone (clientId: ObjectId, seq: number): Promise<void> {
      if (await endpoints.countDocuments({ clientId, enabled: true }) !== 1) return
      // Two first endpoints of a client at once both upsert the position: the loser moves the existing one.
      await cursors.updateOne({ _id: clientId }, { $max: { seq } }, { upsert: true })
        .catch(async (error: unknown) => {
          if (!(error instanceof MongoServerError) || Number(error.code) !== 11000) throw error
          await cursors.updateOne({ _id: clientId }, { $max: { seq } })
        })
    },

    async count (clientId: ObjectId): Promise<number> {
      return endpoints.countDocuments({ clientId })
    },

    async findById (clientId: ObjectId, id: ObjectId): Promise<EndpointDocument | null> {
      return endpoints.findOne({ _id: id, clientId }, tagged)
    },

    /** The client's endpoints oldest first, after `afterId`. */
    async list (clientId: ObjectId, { limit, afterId }: { limit: number, afterId?: ObjectId }): Promise<EndpointDocument[]> {
      return endpoints.find(afterId ? { clientId, _id: { $gt: afterId } } : { clientId }).sort({ _id: 1 }).limit(limit).toArray()
    },

    /** Applies a change; re-enabling clears the failure and starts the endpoint from `headSeq`. */
    async update (clientId: ObjectId, id: ObjectId, changes: UpdateWebhookBody, headSeq: number): Promise<EndpointDocument | null> {
      const set: Partial<EndpointDocument> = { updatedAt: new Date() }
      if (changes.url !== undefined) set.url = changes.url
      if (changes.eventTypes !== undefined) set.eventTypes = changes.eventTypes
      if (changes.description !== undefined) set.description = changes.description
      if (changes.enabled === false) set.enabled = false
      if (changes.enabled === true) {
        const reenabled = await endpoints.findOneAndUpdate(
          { _id: id, clientId, enabled: false },
          { $set: { ...set, enabled: true, startSeq: headSeq }, $unset: { disabledReason: '', failingSince: '' } },
          { returnDocument: 'after' }
        )
        if (reenabled) {
          await this.skipToIfAlone(clientId, headSeq)
          return reenabled
        }
      }
      return endpoints.findOneAndUpdate({ _id: id, clientId }, { $set: set }, { returnDocument: 'after' })
    },

    async delete (clientId: ObjectId, id: ObjectId): Promise<boolean> {
      return (await endpoints.deleteOne({ _id: id, clientId })).deletedCount === 1
    },

    async enabledFor (clientId: ObjectId): Promise<EndpointDocument[]> {
      return endpoints.find({ clientId, enabled: true }, tagged).toArray()
    },

    /** The clients with an enabled endpoint: those whose events are fanned out. */
    async activeClients (): Promise<ObjectId[]> {
      return endpoints.distinct('clientId', { enabled: true }, tagged)
    },

    async position (clientId: ObjectId): Promise<number> {
      return Number((await cursors.findOne({ _id: clientId }, tagged))?.seq ?? 0)
    },

    async advance (clientId: ObjectId, seq: number): Promise<void> {
      await cursors.updateOne({ _id: clientId }, { $max: { seq } }, { upsert: true, ...tagged })
    },

    async recordSuccess (id: ObjectId): Promise<void> {
      await endpoints.updateOne({ _id: id, failingSince: { $exists: true } }, { $unset: { failingSince: '' } }, tagged)
    },

    /** Notes a failed delivery; an endpoint failing since `disableAfterMs` ago is disabled (true when this did it). */
    async recordFailure (id: ObjectId, at: Date, disableAfterMs: number): Promise<boolean> {
      await endpoints.updateOne({ _id: id, failingSince: { $exists: false } }, { $set: { failingSince: at } }, tagged)
      const since = new Date(at.getTime() - disableAfterMs)
      const disabled = await endpoints.updateOne(
        { _id: id, enabled: true, failingSince: { $lte: since } },
        [{
          $set: {
            enabled: false,
            updatedAt: at,
            disabledReason: {
              $concat: ['Disabled by Switchboard: every delivery failed from ', { $dateToString: { date: '$failingSince', format: '%Y-%m-%dT%H:%M:%S.%LZ' } },
                ` to ${at.toISOString()}. Fix the endpoint, then re-enable it with PATCH {"enabled": true}.`]
            }
          }
        }],
        tagged
      )
      return disabled.modifiedCount === 1
    }
  }
}

export type EndpointsRepository = ReturnType<typeof createEndpointsRepository>
