import type { Db, ObjectId } from 'mongodb'

interface Counter { _id: string, seq: number }

/** Integer ids per client and sequence (users, chats, messages, customers, chatrooms): `{_id: "<clientId>:<name>", seq}`. */
function counterId (clientId: ObjectId, name: string): string {
  return `${clientId.toHexString()}:${name}`
}

/** Reserves `count` consecutive ids atomically and returns the first. */
export async function reserveIds (db: Db, clientId: ObjectId, name: string, count = 1): Promise<number> {
  const counter = await db.collection<Counter>('counters').findOneAndUpdate(
    { _id: counterId(clientId, name) },
    { $inc: { seq: count } },
    { upsert: true, returnDocument: 'after' }
  )
  return (counter?.seq ?? count) - count + 1
}

/** Makes sure the next id handed out is above `usedId` (after data was written with explicit ids). */
export async function advanceSequence (db: Db, clientId: ObjectId, name: string, usedId: number): Promise<void> {
  await db.collection<Counter>('counters').updateOne({ _id: counterId(clientId, name) }, { $max: { seq: usedId } }, { upsert: true })
}
