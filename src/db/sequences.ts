import { MongoServerError, type Db, type ObjectId } from 'mongodb'

interface Counter { _id: string, seq: number }

/**
 * Integer ids per client and sequence (users, chats, messages, customers, chatrooms, chatroomMessages):
 * `{_id: "<clientId>:<name>", seq}`, where seq is the last id handed out automatically.
 *
 * Only automatic allocation moves a counter. Customers are the one kind that also takes explicit ids (from the source
 * data, or any agent key recording an interaction): those never move the counter, so no input can push it to the end of
 * the range; automatic allocation steps over an id an explicit record holds instead (insertWithNextId). The other kinds
 * are only ever numbered here, so their counters reach the end only after 2,147,483,647 records.
 */
function counterId (clientId: ObjectId, name: string): string {
  return `${clientId.toHexString()}:${name}`
}

/** The largest id a sequence hands out: ids are 32-bit integers (the API's IntegerId, the collections' validators). */
export const MAX_SEQUENCE_ID = 2_147_483_647

function exhausted (name: string): Error {
  return Object.assign(new Error(`Ids of this client's ${name} run up to ${MAX_SEQUENCE_ID} and every one is taken: no new one can be given`), {
    statusCode: 409, code: 'IDS_EXHAUSTED'
  })
}

/** Reserves `count` consecutive ids atomically and returns the first; past MAX_SEQUENCE_ID the request is a 409. */
export async function reserveIds (db: Db, clientId: ObjectId, name: string, count = 1): Promise<number> {
  const counter = await db.collection<Counter>('counters').findOneAndUpdate(
    { _id: counterId(clientId, name) },
    { $inc: { seq: count } },
    { upsert: true, returnDocument: 'after' }
  )
  const last = Number(counter?.seq ?? count)
  if (last > MAX_SEQUENCE_ID) throw exhausted(name)
  return last - count + 1
}

/** Makes sure the next id handed out is above `usedId`: for trusted data written with explicit ids (the demo data), never for input. */
export async function advanceSequence (db: Db, clientId: ObjectId, name: string, usedId: number): Promise<void> {
  await db.collection<Counter>('counters').updateOne({ _id: counterId(clientId, name) }, { $max: { seq: usedId } }, { upsert: true })
}

function isDuplicateOf (error: unknown, field: string): boolean {
  return error instanceof MongoServerError && Number(error.code) === 11000 && field in (error.keyValue ?? error.keyPattern ?? {})
}

export interface NextIdSequence<T> {
  name: string
  /** The field holding the id in the sequence's collection (its unique index reports a duplicate on it). */
  field: string
  insert: (id: number) => Promise<T>
  /** Ids already stored from `from` upwards, ascending, at most `limit` of them. */
  takenFrom: (from: number, limit: number) => Promise<number[]>
}

const SCAN_BATCH = 1000
const MAX_ATTEMPTS = 20

/** The lowest id from `from` up that no stored record holds (ids taken in a row are read 1,000 at a time, through the index). */
async function firstFreeId<T> (sequence: NextIdSequence<T>, from: number): Promise<number> {
  let candidate = from
  for (;;) {
    const taken = await sequence.takenFrom(candidate, SCAN_BATCH)
    for (const id of taken) {
      if (id !== candidate) return candidate
      candidate++
    }
    if (taken.length < SCAN_BATCH) return candidate
  }
}

/**
 * Stores a record under the next automatic id. The unique index decides: when an explicit record already holds the
 * id, the counter jumps past the run of taken ids that starts there and the next one is tried. Each id is handed out
 * once (the counter only grows), and each explicit id is stepped over at most once.
 */
export async function insertWithNextId<T> (db: Db, clientId: ObjectId, sequence: NextIdSequence<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const id = await reserveIds(db, clientId, sequence.name)
    try {
      return await sequence.insert(id)
    } catch (error) {
      if (!isDuplicateOf(error, sequence.field) || attempt === MAX_ATTEMPTS) throw error
    }
    const free = await firstFreeId(sequence, id + 1)
    if (free > MAX_SEQUENCE_ID) throw exhausted(sequence.name)
    await advanceSequence(db, clientId, sequence.name, free - 1)
  }
}
