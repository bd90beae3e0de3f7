/**
 * What a stored interaction document costs (not a test): N generated interaction documents as BSON, then the heap each
 * one takes stored as the engine stores it (its bytes in a one-byte string, records.ts) and decoded into objects.
 * Run: npx tsx --expose-gc bench/document-size.ts [N=50000]
 */
import { createHash } from 'node:crypto'
import { ObjectId, deserialize, serialize } from 'bson'
import { encodeDocument } from '../src/db/embedded/records.js'
import { log } from './measure.js'

const N = Number(process.argv[2] ?? 50_000)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const heap = (): number => {
  gc()
  return process.memoryUsage().heapUsed
}
const clientId = new ObjectId()
const engagementId = new ObjectId()
const interaction = (i: number) => ({
  _id: new ObjectId(), clientId, engagementId, customerId: (i * 7919) % 50_000 + 1, interactionDate: new Date(Date.UTC(2019, 0, 1) + i * 60_000),
  topics: ['p1'], topicSource: 'calendar', custom: {}, contentKey: createHash('sha256').update(String(i)).digest('hex'), createdAt: new Date()
})
const bytes = Array.from({ length: N }, (_, i) => serialize(interaction(i)))
const start = heap()
const stored = bytes.map((b) => encodeDocument(deserialize(b, { promoteValues: true })))
const afterStored = heap()
const decoded = bytes.map((b) => deserialize(b, { promoteValues: true }))
const afterDecoded = heap()
log(`BSON bytes per document: ${Math.round(bytes.reduce((sum, b) => sum + b.length, 0) / N)}`)
log(`heap per document stored as bytes in a one-byte string: ${Math.round((afterStored - start) / N)} B`)
log(`heap per document decoded into objects: ${Math.round((afterDecoded - afterStored) / N)} B`)
void [stored.length, decoded.length]
