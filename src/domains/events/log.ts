import { MongoBulkWriteError, MongoServerError, ObjectId, type Collection, type Db } from 'mongodb'
import type { EventDocument, EventDraft } from './types.js'

interface HeadDocument { _id: ObjectId, seq: number }

export const SEQ_INDEX = 'clientId_seq_unique'
export const KEY_INDEX = 'clientId_key_unique'

/** How many events one read of the log returns at most. */
export const READ_BATCH = 200
/** Replays within this distance read the log by seq, REPLAY_WINDOW seqs at a time. */
const REPLAY_BY_SEQ_WITHIN = 5000
const REPLAY_WINDOW = 1000
const MAX_ATTEMPTS = 64
const MAX_HINTS = 10_000

/** Where an insert stopped on a duplicate key: the index of the refused document and the index that refused it. */
function duplicateAt (error: unknown): { index: number, on: 'seq' | 'key' | 'unknown' } | null {
  const first = error instanceof MongoBulkWriteError
    ? [error.writeErrors].flat()[0]
    : undefined
  const code = first ? first.code : error instanceof MongoServerError ? error.code : undefined
  if (Number(code) !== 11000) return null
  const message = first?.errmsg ?? (error as Error).message
  const on = message.includes(SEQ_INDEX) ? 'seq' : message.includes(KEY_INDEX) ? 'key' : 'unknown'
  return { index: first?.index ?? 0, on }
}

/**
 * One ordered log of events per client. An event gets seq `n` only from a writer that has seen seq `n - 1` stored:
 * its own insert acknowledged it, the database refused `n - 1` as taken, or the head document (moved only after an
 * insert) names it. So seqs have no gaps and become visible in their order: a reader that has seen `n` can never
 * later find an `n - 1` it had not seen. Two writers that pick the same seq race on the unique (clientId, seq)
 * index; the loser moves past it. An event's key is unique per client, so a retried or recovered append stores it once.
 */
export class EventLog {
  private readonly events: Collection<EventDocument>
  private readonly heads: Collection<HeadDocument>
  /** The seq this instance expects to write next per client: a hint, corrected by the unique index. */
  private readonly hints = new Map<string, number>()

  /** `comment`: set on every command of this log (one made for an instance's own readers: its tails, its webhooks). */
  constructor (db: Db, readonly retentionMs: number, private readonly comment?: string) {
    this.events = db.collection<EventDocument>('events')
    this.heads = db.collection<HeadDocument>('eventHeads')
  }

  /** The newest seq the head document names (0 for a client with no events): every seq up to it is stored. */
  async head (clientId: ObjectId): Promise<number> {
    const head = await this.heads.findOne({ _id: clientId }, this.tagged)
    return Number(head?.seq ?? 0)
  }

  /** Stores the drafts in their order after the client's newest event; a draft whose key is already logged is skipped. */
  async insert (clientId: ObjectId, drafts: EventDraft[]): Promise<void> {
    if (drafts.length === 0) return
    let pending = [...new Map(drafts.map((draft) => [draft.key, draft])).values()]
    let next = this.hints.get(clientId.toHexString()) ?? await this.head(clientId) + 1
    let stored = 0
    let seqConflicts = 0
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new Error(`could not append ${pending.length} events: the log of client ${clientId.toHexString()} is too contended`)
      const createdAt = new Date()
      const expiresAt = new Date(createdAt.getTime() + this.retentionMs)
      const docs = pending.map((draft, index): EventDocument => ({ _id: new ObjectId(), clientId, seq: next + index, ...draft, createdAt, expiresAt }))
      try {
        await this.events.insertMany(docs, { ordered: true, ...this.tagged })
        stored = next + docs.length - 1
        next += docs.length
        break
      } catch (error) {
        const duplicate = duplicateAt(error)
        if (!duplicate) throw error
        if (duplicate.index > 0) stored = next + duplicate.index - 1
        const rest = pending.slice(duplicate.index)
        const logged = duplicate.on === 'seq' ? new Set<string>() : await this.loggedKeys(clientId, rest.map((draft) => draft.key))
        pending = rest.filter((draft) => !logged.has(draft.key))
        const refused = next + duplicate.index
        // A refused key leaves its seq free for the next draft. A refused seq is stored by another writer, so the next
        // one may follow it, or the head when that is further on (the newest event itself when the head lags behind).
        if (logged.has(rest[0]?.key ?? '')) {
          next = refused
          continue
        }
        seqConflicts++
        next = Math.max(refused + 1, (seqConflicts > 2 ? await this.newest(clientId) : await this.head(clientId)) + 1)
      }
    }
    this.remember(clientId, next)
    if (stored > 0) await this.moveHead(clientId, stored)
  }

  /** The events right after `position`, in seq order, up to the first one not yet visible (never past a gap). */
  async after (clientId: ObjectId, position: number, limit = READ_BATCH): Promise<EventDocument[]> {
    const seqs = Array.from({ length: limit }, (_, index) => position + 1 + index)
    const found = await this.events.find({ clientId, seq: { $in: seqs } }, this.tagged).sort({ seq: 1 }).toArray()
    const run: EventDocument[] = []
    for (const event of found) {
      if (Number(event.seq) !== position + 1 + run.length) break
      run.push({ ...event, seq: Number(event.seq) })
    }
    return run
  }

  /**
   * The events of one audience tag in (after, upTo], oldest first, at most `limit`, and the seq the read covered
   * (every event of the tag up to `through` is in `events`): replay for a stream that reconnects or fell behind.
   * A short distance is read by seq (point lookups of the window, whatever share of it the tag has), a long one by
   * the audience index.
   */
  async replay (clientId: ObjectId, tag: string, after: number, upTo: number, limit = READ_BATCH): Promise<{ events: EventDocument[], through: number }> {
    if (upTo <= after) return { events: [], through: after }
    const windowEnd = Math.min(upTo, after + REPLAY_WINDOW)
    const seq = upTo - after <= REPLAY_BY_SEQ_WITHIN
      ? { $in: Array.from({ length: windowEnd - after }, (_, index) => after + 1 + index) }
      : { $gt: after, $lte: upTo }
    const found = await this.events.find({ clientId, audience: tag, seq }, this.tagged).sort({ seq: 1 }).limit(limit).toArray()
    const events = found.map((event) => ({ ...event, seq: Number(event.seq) }))
    const through = events.length === limit ? (events.at(-1) as EventDocument).seq : '$in' in seq ? windowEnd : upTo
    return { events, through }
  }

  /** Whether the log holds the event `seq` (still within retention). */
  async has (clientId: ObjectId, seq: number): Promise<boolean> {
    return (await this.events.countDocuments({ clientId, seq }, { limit: 1, ...this.tagged })) === 1
  }

  /** The seq of the client's newest stored event, read from the log itself. */
  private async newest (clientId: ObjectId): Promise<number> {
    const [event] = await this.events.find({ clientId }, { projection: { seq: 1 }, ...this.tagged }).sort({ seq: -1 }).limit(1).toArray()
    return Number(event?.seq ?? 0)
  }

  private async loggedKeys (clientId: ObjectId, keys: string[]): Promise<Set<string>> {
    const found = await this.events.find({ clientId, key: { $in: keys } }, { projection: { key: 1 }, ...this.tagged }).toArray()
    return new Set(found.map((event) => event.key))
  }

  private get tagged (): { comment?: string } {
    return this.comment === undefined ? {} : { comment: this.comment }
  }

  private remember (clientId: ObjectId, next: number): void {
    if (this.hints.size >= MAX_HINTS) this.hints.clear()
    this.hints.set(clientId.toHexString(), next)
  }

  private async moveHead (clientId: ObjectId, seq: number): Promise<void> {
    try {
      await this.heads.updateOne({ _id: clientId }, { $max: { seq } }, { upsert: true, ...this.tagged })
    } catch (error) {
      // Two first writers of a client both upserted; the head now exists, so move it as an update.
      if (!(error instanceof MongoServerError) || Number(error.code) !== 11000) throw error
      await this.heads.updateOne({ _id: clientId }, { $max: { seq } }, this.tagged)
    }
  }
}
