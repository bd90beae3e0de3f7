import { randomBytes } from 'node:crypto'
import { calculateObjectSize, Long } from 'bson'
import { CommandError } from './errors.js'
import type { Doc } from './values.js'

const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024
const IDLE_TIMEOUT_MS = 10 * 60 * 1000

/** Documents a cursor hands out: computed already, or produced one at a time by a query plan as batches are asked for. */
export interface DocSource { next (): Doc | undefined }

class ArraySource implements DocSource {
  private position = 0
  constructor (private readonly docs: Doc[]) {}
  next (): Doc | undefined {
    return this.docs[this.position++]
  }
}

interface OpenCursor {
  id: Long
  ns: string
  source: DocSource
  /** The document read ahead to learn whether the batch ended the results. */
  pending?: Doc
  lastUsed: number
}

export interface CursorReply extends Doc {
  cursor: { id: Long; ns: string; firstBatch?: Doc[]; nextBatch?: Doc[] }
}

/** Server-side cursors: results computed when the command ran, handed out batch by batch. */
export class Cursors {
  private readonly open = new Map<string, OpenCursor>()

  get size (): number {
    return this.open.size
  }

  /** Replies with the first batch; keeps a cursor only when documents remain. */
  first (ns: string, docs: Doc[] | DocSource, batchSize: number | undefined, singleBatch = false): CursorReply {
    const cursor: OpenCursor = { id: Long.ZERO, ns, source: Array.isArray(docs) ? new ArraySource(docs) : docs, lastUsed: Date.now() }
    const batch = takeBatch(cursor, batchSize)
    if (cursor.pending === undefined || singleBatch) return { cursor: { firstBatch: batch, id: Long.ZERO, ns } }
    cursor.id = newCursorId()
    this.open.set(cursor.id.toString(), cursor)
    return { cursor: { firstBatch: batch, id: cursor.id, ns } }
  }

  more (id: Long, ns: string, batchSize: number | undefined): CursorReply {
    const cursor = this.open.get(id.toString())
    if (cursor === undefined || cursor.ns !== ns) throw new CommandError(43, 'CursorNotFound', `cursor id ${id.toString()} not found`)
    const batch = takeBatch(cursor, batchSize)
    cursor.lastUsed = Date.now()
    if (cursor.pending === undefined) {
      this.open.delete(id.toString())
      return { cursor: { nextBatch: batch, id: Long.ZERO, ns } }
    }
    return { cursor: { nextBatch: batch, id: cursor.id, ns } }
  }

  kill (id: Long): boolean {
    return this.open.delete(id.toString())
  }

  /** Forgets cursors idle for longer than mongod's default cursor timeout (10 minutes). */
  reap (now = Date.now()): void {
    for (const [key, cursor] of this.open) if (now - cursor.lastUsed > IDLE_TIMEOUT_MS) this.open.delete(key)
  }

  clear (): void {
    this.open.clear()
  }
}

/** Random positive 63-bit ids like mongod's, too large for a double, so drivers keep them as Long. */
function newCursorId (): Long {
  const bytes = randomBytes(8)
  bytes[0] = (bytes[0] & 0x7f) | 0x40
  return Long.fromBytesBE([...bytes])
}

/** Up to batchSize documents (every one left when it is unset) and below 16 MB; reads one more to know whether any remain. */
function takeBatch (cursor: OpenCursor, batchSize: number | undefined): Doc[] {
  const limit = batchSize !== undefined && batchSize > 0 ? batchSize : Infinity
  const batch: Doc[] = []
  let bytes = 0
  let next = cursor.pending ?? cursor.source.next()
  cursor.pending = undefined
  while (next !== undefined) {
    if (batch.length >= limit) break
    bytes += calculateObjectSize(next)
    if (bytes > MAX_BATCH_BYTES && batch.length > 0) break
    batch.push(next)
    next = cursor.source.next()
  }
  cursor.pending = next
  return batch
}
