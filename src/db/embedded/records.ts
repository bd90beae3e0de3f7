/**
 * Documents are stored once, as their BSON bytes held in a one-byte string (one character per byte: no Buffer object
 * and no off-heap allocation per document), and decoded when a command reads them. An interaction's 273 bytes take
 * 307 bytes of heap so, and 888 decoded into objects (bench/document-size.ts).
 */
import { deserialize, serializeWithBufferAndIndex } from 'bson'
import { CommandError } from './errors.js'
import { latin1 } from './keys.js'
import { toStored, toView, type Doc } from './values.js'

const MAX_BSON_SIZE = 16 * 1024 * 1024
let scratch: Buffer | undefined

/** The stored bytes of a document (stored form: numeric wrappers kept). */
export function encodeDocument (doc: Doc): string {
  scratch ??= Buffer.allocUnsafe(MAX_BSON_SIZE + 16 * 1024)
  let end: number
  try {
    end = serializeWithBufferAndIndex(doc, scratch, { checkKeys: false, ignoreUndefined: false })
  } catch (error) {
    if (error instanceof RangeError) throw new CommandError(10334, 'BSONObjectTooLarge', `BSONObj size is invalid. Size must be between 0 and ${MAX_BSON_SIZE}(16MB)`)
    throw error
  }
  if (end + 1 > MAX_BSON_SIZE) throw new CommandError(10334, 'BSONObjectTooLarge', `BSONObj size: ${end + 1} is invalid. Size must be between 0 and ${MAX_BSON_SIZE}(16MB)`)
  return latin1(scratch, 0, end + 1)
}

/**
 * True when a stored-form value holds a Long, Decimal128 or Double wrapper (its evaluation form then differs). A walk
 * without closures: it runs on every document written.
 */
export function holdsWrapper (value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsWrapper(value[i])) return true
    return false
  }
  const type = (value as { _bsontype?: string })._bsontype
  if (type !== undefined) return type === 'Long' || type === 'Double' || type === 'Decimal128' || type === 'Int32'
  if (value instanceof Date || value instanceof RegExp) return false
  for (const key in value) if (holdsWrapper((value as Doc)[key])) return true
  return false
}

/** The stored bytes of a document the client sent as BSON, when they are what encodeDocument would write. */
export const bytesOf = (raw: Uint8Array): string => latin1(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), 0, raw.byteLength)

const PLAIN = { promoteValues: true, promoteBuffers: false, bsonRegExp: false } as const
const TYPED = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const

/**
 * A stored document, decoded afresh (callers own the objects). `wrapped`: it holds Long, Decimal128 or integral Double
 * values, whose stored form keeps the wrapper; otherwise the stored and evaluation forms are one object.
 */
export function decodeDocument (bytes: string, wrapped: boolean): { doc: Doc, view: Doc } {
  const buffer = Buffer.from(bytes, 'latin1')
  if (!wrapped) {
    const doc = deserialize(buffer, PLAIN) as Doc
    return { doc, view: doc }
  }
  const doc = toStored(deserialize(buffer, TYPED)) as Doc
  return { doc, view: toView(doc) as Doc }
}

const isInt32 = (n: number): boolean => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 && !Object.is(n, -0)

/**
 * values.ts' toStored for a value nothing else holds — a command just decoded from the wire — converted in place, so
 * that an insert of a thousand documents does not copy every one of them once more.
 */
export function toStoredInPlace (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = toStoredInPlace(value[i])
    return value
  }
  const type = (value as { _bsontype?: string })._bsontype
  if (type === 'Int32') return (value as { value: number }).value
  if (type === 'Double') {
    const n = (value as { value: number }).value
    return isInt32(n) ? value : n
  }
  if (type !== undefined || value instanceof Date || value instanceof RegExp) return value
  for (const key in value) {
    const item = (value as Doc)[key]
    if (typeof item === 'object' && item !== null) (value as Doc)[key] = toStoredInPlace(item)
  }
  return value
}
