import { randomBytes } from 'node:crypto'
import { calculateObjectSize, Long } from 'bson'
import { CommandError } from './errors.js'
import type { Doc } from './values.js'

const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024
const IDLE_TIMEOUT_MS = 10 * 60 * 1000

interface OpenCursor {
  id: Long
  ns: string
  docs: Doc[]
  position: number
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
  first (ns: string, docs: Doc[], batchSize: number | undefined, singleBatch = false): CursorReply {
    const batch = takeBatch(docs, 0, batchSize)
    if (batch.length >= docs.length || singleBatch) return { cursor: { firstBatch: batch, id: Long.ZERO, ns } }
    const id = newCursorId()
    this.open.set(id.toString(), { id, ns, docs, position: batch.length, lastUsed: Date.now() })
    return { cursor: { firstBatch: batch, id, ns } }
  }

  more (id: Long, ns: string, batchSize: number | undefined): CursorReply {
    const cursor = this.open.get(id.toString())
    if (cursor === undefined || cursor.ns !== ns) throw new CommandError(43, 'CursorNotFound', `cursor id ${id.toString()} not found`)
    const batch = takeBatch(cursor.docs, cursor.position, batchSize)
    cursor.position += batch.length
    cursor.lastUsed = Date.now()
    if (cursor.position >= cursor.docs.length) {
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

function takeBatch (docs: Doc[], start: number, batchSize: number | undefined): Doc[] {
  const end = batchSize !== undefined && batchSize > 0 ? Math.min(docs.length, start + batchSize) : docs.length
  const batch: Doc[] = []
  let bytes = 0
  for (let i = start; i < end; i++) {
    bytes += calculateObjectSize(docs[i])
    if (bytes > MAX_BATCH_BYTES && batch.length > 0) break
    batch.push(docs[i])
  }
  return batch
}
