import type { AnyBulkWriteOperation, Collection, Document, ObjectId, UpdateFilter } from 'mongodb'
import type { EventDraft, EventType, OutboxEntry } from './types.js'

/** A domain document that may owe the log events: they wait in its `outbox` until they are appended. */
export interface OutboxDocument extends Document {
  _id: ObjectId
  clientId: ObjectId
  outbox?: OutboxEntry[]
}

/** A collection whose documents carry an outbox, and how an entry becomes an event (whom it is for, what it carries). */
export interface EventSource<T extends OutboxDocument = OutboxDocument> {
  collection: Collection<T>
  describe (doc: T, entry: OutboxEntry): { audience: string[], data: Document }
  /**
   * Completes what the documents' entries committed before their events are logged, when a record's write is the
   * commit of another record (a chat's admission of a message, which is stored next): so the log never names a record
   * that is not stored, whoever announces it and whenever. `completed`: keys of entries the announcing caller has
   * completed itself (the request that stored the message), which need no check.
   */
  settle? (docs: T[], completed: ReadonlySet<string>): Promise<void>
}

/** The most entries one document's outbox holds (migration 012's validator says the same). */
export const OUTBOX_MAX = 100

/**
 * A filter condition a write that adds an outbox entry takes, so that a document whose events have not been announced
 * for a while (the log refused them) refuses new ones instead of growing, or failing validation.
 */
export const OUTBOX_HAS_ROOM = { [`outbox.${OUTBOX_MAX - 1}`]: { $exists: false } }

/** Slots a chat's outbox keeps for its own changes (assignments, the close) once messages have filled the rest. */
export const OUTBOX_CHANGE_RESERVE = 10

/** The condition for a chat admitting a message: room for it and for the reserve, so a close never fails for want of room. */
export const OUTBOX_HAS_MESSAGE_ROOM = { [`outbox.${OUTBOX_MAX - 1 - OUTBOX_CHANGE_RESERVE}`]: { $exists: false } }

export function outboxEntry (type: EventType, key: string, facts?: Document): OutboxEntry {
  return { key, type, at: new Date(), ...(facts ? { facts } : {}) }
}

/**
 * Adds outbox entries to an update, so the record's change and the events it owes are one atomic document write.
 * Works for an update document (`$push`) and for an update pipeline (one more `$set` stage).
 */
export function withOutbox<T extends Document> (update: UpdateFilter<T>, entries: OutboxEntry[]): UpdateFilter<T>
export function withOutbox (update: Document[], entries: OutboxEntry[]): Document[]
export function withOutbox (update: Document | Document[], entries: OutboxEntry[]): Document | Document[] {
  if (Array.isArray(update)) {
    return [...update, { $set: { outbox: { $concatArrays: [{ $ifNull: ['$outbox', []] }, { $literal: entries }] } } }]
  }
  return { ...update, $push: { ...(update.$push as Document | undefined), outbox: { $each: entries } } }
}

/** The drafts a document's pending outbox entries become, in the order they were written. */
export function draftsOf<T extends OutboxDocument> (source: EventSource<T>, doc: T): EventDraft[] {
  return (doc.outbox ?? []).map((entry) => ({ key: entry.key, type: entry.type, ...source.describe(doc, entry) }))
}

/**
 * Removes the entries just announced from each document's outbox, and the outbox once it is empty, in one round trip;
 * an entry written meanwhile (a chat changing again) stays. One update per document, each found by its `_id`.
 */
export async function clearOutboxes<T extends OutboxDocument> (collection: Collection<T>, docs: T[]): Promise<void> {
  const operations = docs.filter((doc) => (doc.outbox?.length ?? 0) > 0).map((doc): AnyBulkWriteOperation<T> => {
    const keys = (doc.outbox ?? []).map((entry) => entry.key)
    return {
      updateOne: {
        filter: { _id: doc._id } as never,
        update: [
          { $set: { outbox: { $filter: { input: { $ifNull: ['$outbox', []] }, cond: { $not: [{ $in: ['$$this.key', keys] }] } } } } },
          { $set: { outbox: { $cond: [{ $gt: [{ $size: '$outbox' }, 0] }, '$outbox', '$$REMOVE'] } } }
        ]
      }
    }
  })
  if (operations.length > 0) await collection.bulkWrite(operations, { ordered: false })
}
