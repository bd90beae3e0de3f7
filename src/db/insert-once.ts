import { EJSON } from 'bson'
import { MongoBulkWriteError, MongoServerError, type Collection, type WriteError, type Document, type ObjectId, type OptionalUnlessRequiredId, type WithId } from 'mongodb'

function isDuplicateKey (error: unknown): boolean {
  return error instanceof MongoServerError && Number(error.code) === 11000
}

/**
 * Inserts `doc` unless a document with its `_id` is already stored (an earlier attempt of the same idempotent request),
 * and returns the stored one. Pair with `creationId` (src/plugins/idempotent-writes.ts). Any duplicate-key refusal is
 * checked against the `_id`, because a re-run's document may collide on a natural key (a name, a content key) before
 * the database reports the `_id`; a duplicate of another document is thrown as it came.
 */
export async function insertOnce<T extends Document & { _id: ObjectId }> (
  collection: Collection<T>, doc: OptionalUnlessRequiredId<T> & { _id: ObjectId }
): Promise<WithId<T>> {
  try {
    await collection.insertOne(doc)
    return doc as WithId<T>
  } catch (error) {
    if (!isDuplicateKey(error)) throw error
    const stored = await collection.findOne({ _id: doc._id } as never)
    if (!stored) throw error
    return stored
  }
}

/** A unique index that identifies a document by its content: its name and fields. */
export interface NaturalKey { index: string, fields: string[] }

const sameValue = (a: unknown, b: unknown): boolean => EJSON.stringify({ v: a }) === EJSON.stringify({ v: b })

/**
 * The refusals of an unordered insert that mean "stored already": a duplicate on the natural key's index, or on `_id`
 * when the document stored under that `_id` has the same natural key (a re-run with fixed ids). Undefined when any
 * refusal is something else.
 */
async function storedAlready<T extends Document> (collection: Collection<T>, refused: WriteError[], key: NaturalKey): Promise<number | undefined> {
  const onKey = ` index: ${key.index} `
  const byId: Document[] = []
  for (const e of refused) {
    if (Number(e.code) !== 11000) return undefined
    if (e.errmsg?.includes(onKey) === true) continue
    if (e.errmsg?.includes(' index: _id_ ') !== true) return undefined
    byId.push(e.getOperation())
  }
  if (byId.length === 0) return refused.length
  const projection = Object.fromEntries(key.fields.map((field) => [field, 1]))
  const stored = new Map((await collection.find({ _id: { $in: byId.map((doc) => doc._id) } } as never, { projection }).toArray())
    .map((doc) => [EJSON.stringify({ v: doc._id }), doc]))
  const same = byId.every((doc) => {
    const found = stored.get(EJSON.stringify({ v: doc._id }))
    return found !== undefined && key.fields.every((field) => sameValue(found[field], doc[field]))
  })
  return same ? refused.length : undefined
}

/**
 * Inserts the documents not stored yet, identified by a unique index (unordered: every document is tried, and one
 * insert does what a batch of upserts would, at the cost of inserts). A document stored already is counted, not
 * changed; any other refusal is thrown.
 */
export async function insertNew<T extends Document> (
  collection: Collection<T>, docs: Array<OptionalUnlessRequiredId<T>>, key: NaturalKey
): Promise<{ inserted: number, existing: number }> {
  if (docs.length === 0) return { inserted: 0, existing: 0 }
  try {
    const result = await collection.insertMany(docs, { ordered: false })
    return { inserted: result.insertedCount, existing: 0 }
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError) || error.writeConcernError !== undefined) throw error
    const refused = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
    const existing = await storedAlready(collection, refused, key)
    if (existing === undefined) throw error
    return { inserted: error.insertedCount, existing }
  }
}
