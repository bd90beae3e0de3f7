import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection } from 'mongodb'

/** Failed authentications per address, or requests (per key or per address). */
export type BucketKind = 'auth' | 'request'

/** One bucket's count in one fixed window, shared by every instance: `_id` is "<bucket>|<window start ms>". */
export interface RateLimitDocument { _id: string, kind: BucketKind, count: number, windowStart: Date, expiresAt: Date }

/** What one instance knows of a bucket in the current window: its total is shared + written + unsent. */
interface Bucket {
  /** The shared total as last read back from the database. */
  shared: number
  /** Written by this instance since that read. */
  written: number
  /** Counted here, not yet written. */
  unsent: number
}

export interface Verdict { allowed: boolean, limit: number, remaining: number, resetMs: number }

export interface StoreOptions {
  collection: Collection<RateLimitDocument>
  windowMs: number
  /** Most buckets of one kind (verified keys, addresses) kept per window; beyond, the least recently created leaves. */
  maxBuckets: number
  /** The limit of each kind: spent buckets are read back by every flush, so every instance learns they are spent. */
  limits: Record<BucketKind, number>
  /** Marks the store's commands as background work. */
  comment: string
  now?: () => number
}

/** The most spent buckets a flush reads back besides its own. */
const SPENT_READ_LIMIT = 10_000
/** Documents with counts waiting to be written, at most (while the database is away); beyond, new buckets count here only. */
const MAX_OUTBOX = 200_000

/** Buckets of failed authentications are named "auth:…"; every other bucket counts requests. */
export const kindOf = (bucket: string): BucketKind => (bucket.startsWith('auth:') ? 'auth' : 'request')
const bucketOf = (documentId: string) => documentId.slice(0, documentId.lastIndexOf('|'))
const windowOf = (documentId: string) => Number(documentId.slice(documentId.lastIndexOf('|') + 1))

/**
 * Fixed-window counters shared through MongoDB without a database round trip per request: each instance counts in
 * memory and every flush adds its increments with one unordered bulk `$inc`, then reads back in one query the totals
 * of the buckets it wrote and of every bucket that reached its limit. A request is judged on the totals last read
 * plus what this instance counted since. Buckets of verified keys and of addresses are kept apart, each bounded, so
 * traffic of one kind never pushes the other's out; a bucket pushed out keeps its unsent counts in the outbox.
 */
export function createRateLimitStore (options: StoreOptions) {
  const { collection, windowMs, comment, maxBuckets } = options
  const now = options.now ?? Date.now
  let windowStart = Math.floor(now() / windowMs) * windowMs
  let keys = new Map<string, Bucket>()
  let addresses = new Map<string, Bucket>()
  /** Increments still to be written, by document id (a window that has ended keeps its own until written). */
  let outbox = new Map<string, number>()
  let running: Promise<void> | null = null
  let queued: Promise<void> | null = null

  function rotate (): void {
    const current = Math.floor(now() / windowMs) * windowMs
    if (current === windowStart) return
    windowStart = current
    keys = new Map()
    addresses = new Map()
  }

  const tableOf = (bucket: string) => (bucket.startsWith('key:') ? keys : addresses)
  const totalOf = (counts: Bucket) => counts.shared + counts.written + counts.unsent

  function bucketFor (bucket: string): Bucket {
    const table = tableOf(bucket)
    let counts = table.get(bucket)
    if (counts === undefined) {
      counts = { shared: 0, written: 0, unsent: 0 }
      table.set(bucket, counts)
      if (table.size > maxBuckets) table.delete(table.keys().next().value as string)
    }
    return counts
  }

  function add (bucket: string): void {
    bucketFor(bucket).unsent++
    const documentId = `${bucket}|${windowStart}`
    const queued = outbox.get(documentId)
    if (queued !== undefined) outbox.set(documentId, queued + 1)
    else if (outbox.size < MAX_OUTBOX) outbox.set(documentId, 1)
  }

  function verdict (counts: Bucket | undefined, limit: number, allowed: boolean): Verdict {
    const remaining = Math.max(0, limit - (counts ? totalOf(counts) : 0))
    return { allowed, limit, remaining, resetMs: windowStart + windowMs - now() }
  }

  function upsert (_id: string, count: number): AnyBulkWriteOperation<RateLimitDocument> {
    const start = windowOf(_id)
    return {
      updateOne: {
        filter: { _id },
        update: { $inc: { count }, $setOnInsert: { kind: kindOf(bucketOf(_id)), windowStart: new Date(start), expiresAt: new Date(start + 2 * windowMs) } },
        upsert: true
      }
    }
  }

  /**
   * Writes the outbox and returns the documents written; what a failed write may not have stored goes back into the
   * outbox (counted twice rather than never). A failure is thrown after what was written is accounted for.
   */
  async function write (): Promise<string[]> {
    const batch = [...outbox].filter(([_id]) => windowOf(_id) >= windowStart - windowMs)
    outbox = new Map()
    if (batch.length === 0) return []
    let failure: unknown
    let failed = new Set<number>()
    try {
      await collection.bulkWrite(batch.map(([_id, count]) => upsert(_id, count)), { ordered: false, comment })
    } catch (error) {
      failure = error
      // Only refused writes name themselves; a lost connection (also reported as a bulk error) may have stored any of them.
      const refused = error instanceof MongoBulkWriteError ? [error.writeErrors].flat().map((writeError) => writeError.index) : []
      failed = new Set(refused.length > 0 ? refused : batch.keys())
    }
    const written: string[] = []
    batch.forEach(([_id, count], index) => {
      if (failed.has(index)) {
        outbox.set(_id, (outbox.get(_id) ?? 0) + count)
        return
      }
      const counts = windowOf(_id) === windowStart ? tableOf(bucketOf(_id)).get(bucketOf(_id)) : undefined
      if (counts === undefined) return
      // A bucket pushed out and counted again holds less than its document received.
      const moved = Math.min(count, counts.unsent)
      counts.unsent -= moved
      counts.written += moved
      written.push(_id)
    })
    if (failure !== undefined) throw failure
    return written
  }

  async function readBack (written: string[]): Promise<void> {
    const start = windowStart
    const spent = (kind: BucketKind) => ({ windowStart: new Date(start), kind, count: { $gte: options.limits[kind] } })
    const docs = await collection.find(
      { $or: [{ _id: { $in: written } }, spent('auth'), spent('request')] },
      { projection: { count: 1 }, limit: written.length + SPENT_READ_LIMIT, comment }
    ).toArray()
    if (start !== windowStart) return
    for (const doc of docs) {
      const counts = bucketFor(bucketOf(doc._id))
      counts.shared = doc.count
      counts.written = 0
    }
  }

  function start (): Promise<void> {
    running = (async () => {
      rotate()
      await readBack(await write())
    })().finally(() => { running = null })
    return running
  }

  return {
    /** Counts one request against `bucket` unless it has already reached `limit`. */
    hit (bucket: string, limit: number): Verdict {
      rotate()
      const counts = tableOf(bucket).get(bucket)
      if (counts !== undefined && totalOf(counts) >= limit) return verdict(counts, limit, false)
      add(bucket)
      return verdict(tableOf(bucket).get(bucket), limit, true)
    },
    /** Whether `bucket` is still under `limit`, without counting. */
    check (bucket: string, limit: number): Verdict {
      rotate()
      const counts = tableOf(bucket).get(bucket)
      return verdict(counts, limit, counts === undefined || totalOf(counts) < limit)
    },
    /** Counts one event (a failed authentication) without judging it. */
    count (bucket: string): void {
      rotate()
      add(bucket)
    },
    /** Writes what was counted and reads the shared totals back: a flush that starts after this call (one at a time). */
    flush (): Promise<void> {
      if (queued) return queued
      if (running) {
        queued = running.catch(() => {}).then(() => {
          queued = null
          return start()
        })
        return queued
      }
      return start()
    },
    /** Removes windows past their end (MongoDB's TTL index does it too; the embedded engine has no TTL monitor). */
    async removeExpired (): Promise<void> {
      await collection.deleteMany({ expiresAt: { $lt: new Date(now()) } }, { comment })
    },
    get windowStart (): number { return windowStart }
  }
}

export type RateLimitStore = ReturnType<typeof createRateLimitStore>
