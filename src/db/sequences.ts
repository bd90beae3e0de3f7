import type { Db, ObjectId } from 'mongodb'

interface Counter { _id: string, seq: number }

/** Integer ids per client and sequence (users, chats, messages, customers, chatrooms): `{_id: "<clientId>:<name>", seq}`. */
function counterId (clientId: ObjectId, name: string): string {
  return `${clientId.toHexString()}:${name}`
}

/** The largest id a sequence hands out: ids are 32-bit integers (the API's IntegerId, the collections' validators). */
export const MAX_SEQUENCE_ID = 2_147_483_647

/**
 * Reserves `count` consecutive ids atomically and returns the first. When they would pass MAX_SEQUENCE_ID (a client
 * stored an explicit id at the very top of the range), the request is refused with a 409 instead of failing on the
 * validator; the counter stays past the end, so every later request is refused the same way.
 */
export async function reserveIds (db: Db, clientId: ObjectId, name: string, count = 1): Promise<number> {
  const counter = await db.collection<Counter>('counters').findOneAndUpdate(
    { _id: counterId(clientId, name) },
    { $inc: { seq: count } },
    { upsert: true, returnDocument: 'after' }
  )
  const last = Number(counter?.seq ?? count)
  if (last > MAX_SEQUENCE_ID) {
    throw Object.assign(new Error(`Ids of this client's ${name} run up to ${MAX_SEQUENCE_ID} and the highest is taken: no new one can be given`), {
      statusCode: 409, code: 'IDS_EXHAUSTED'
    })
  }
  return last - count + 1
}

/** Makes sure the next id handed out is above `usedId` (after data was written with explicit ids). */
export async function advanceSequence (db: Db, clientId: ObjectId, name: string, usedId: number): Promise<void> {
  await db.collection<Counter>('counters').updateOne({ _id: counterId(clientId, name) }, { $max: { seq: usedId } }, { upsert: true })
}
