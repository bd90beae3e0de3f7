/**
 * Index keys as byte strings whose order is MongoDB's order of BSON values: one latin1 character per byte, compared
 * with `<`. Each value is a type tag in mongod's canonical type order followed by a body that sorts within the type;
 * every encoding is prefix-free (strings end with a terminator, fixed-size types have fixed sizes), so the encodings
 * of an index's fields can be concatenated and compare field by field. A descending field is the same bytes inverted.
 */
import type { Binary, Timestamp } from 'bson'
import { isPlainObject, type Doc } from './values.js'

export const TAG = {
  minKey: 0x01,
  undefined: 0x02,
  null: 0x03,
  number: 0x10,
  string: 0x14,
  object: 0x18,
  array: 0x1c,
  binData: 0x20,
  objectId: 0x24,
  bool: 0x28,
  date: 0x2c,
  timestamp: 0x30,
  regex: 0x34,
  javascript: 0x38,
  maxKey: 0x7e
} as const

/** The value an empty array contributes to a multikey index (mongod keys it as `undefined`, below null). */
export const EMPTY_ARRAY = Symbol('emptyArray')

/** Greater than every byte: appended to a key prefix, it bounds everything that starts with that prefix. */
export const AFTER = '\uffff'

/** Bytes of the record number that ends every key of a secondary index. */
export const SEQ_BYTES = 6

/** bson's ObjectId; `serializeInto` is internal to bson (it writes the 12 bytes at an offset), so it may be missing. */
interface ObjectIdLike { readonly id: Uint8Array, serializeInto?: (into: Uint8Array, offset: number) => number }

type Latin1Buffer = Buffer & { latin1Slice?: (start: number, end: number) => string }

/** Bytes as a flat one-byte string: Buffer#latin1Slice (undocumented, half the cost of toString) where Node has it. */
export const latin1 = (buf: Buffer, start: number, end: number): string =>
  (buf as Latin1Buffer).latin1Slice?.(start, end) ?? buf.toString('latin1', start, end)

const bsonType = (v: object): string | undefined => (v as { _bsontype?: string })._bsontype

/** The canonical type tag of a value (numbers of every BSON type share one). */
export function tagOf (value: unknown): number {
  if (value === undefined || value === null) return TAG.null
  if (value === EMPTY_ARRAY) return TAG.undefined
  switch (typeof value) {
    case 'number': case 'bigint': return TAG.number
    case 'string': return TAG.string
    case 'boolean': return TAG.bool
    case 'object': break
    default: return TAG.null
  }
  if (Array.isArray(value)) return TAG.array
  if (value instanceof Date) return TAG.date
  if (value instanceof RegExp) return TAG.regex
  switch (bsonType(value)) {
    case 'ObjectId': return TAG.objectId
    case 'Int32': case 'Long': case 'Double': case 'Decimal128': return TAG.number
    case 'Binary': return TAG.binData
    case 'Timestamp': return TAG.timestamp
    case 'BSONRegExp': return TAG.regex
    case 'MinKey': return TAG.minKey
    case 'MaxKey': return TAG.maxKey
    case 'Code': return TAG.javascript
    case 'BSONSymbol': return TAG.string
    default: return TAG.object
  }
}

/** The number a numeric value stands for (Long and Decimal128 rounded to the nearest double). */
export function numberOf (value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  const type = bsonType(value as object)
  if (type === 'Long') return (value as { toNumber(): number }).toNumber()
  if (type === 'Decimal128') return Number((value as { toString(): string }).toString())
  return (value as { value: number }).value
}

/** Appends encodings to a growing buffer; `finish` returns the bytes as a flat one-byte string. */
export class KeyWriter {
  private buf = Buffer.allocUnsafe(256)
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
  pos = 0

  reset (): this {
    this.pos = 0
    return this
  }

  private room (n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength)
  }

  byte (b: number): void {
    this.room(1)
    this.buf[this.pos++] = b
  }

  /** An order-preserving double: NaN first, then -Infinity … +Infinity, with -0 equal to 0. */
  double (n: number): void {
    this.room(8)
    if (Number.isNaN(n)) {
      this.buf.fill(0, this.pos, this.pos + 8)
    } else {
      this.view.setFloat64(this.pos, n === 0 ? 0 : n)
      if ((this.buf[this.pos] & 0x80) === 0) this.buf[this.pos] |= 0x80
      else for (let i = this.pos; i < this.pos + 8; i++) this.buf[i] = ~this.buf[i] & 0xff
    }
    this.pos += 8
  }

  uint32 (n: number): void {
    this.room(4)
    this.view.setUint32(this.pos, n >>> 0)
    this.pos += 4
  }

  bytes (bytes: Uint8Array): void {
    this.room(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** An ObjectId's 12 bytes, written in place where bson offers it (its `id` getter allocates a buffer each call). */
  objectId (value: ObjectIdLike): void {
    if (typeof value.serializeInto !== 'function') return this.bytes(value.id)
    this.room(12)
    value.serializeInto(this.buf, this.pos)
    this.pos += 12
  }

  /** UTF-8 with 0x00 → 01 01 and 0x01 → 01 02, then a 0x00 terminator: shorter strings sort first. */
  text (s: string): void {
    this.room(s.length * 4 + 1)
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i)
      if (c < 0x80) {
        if (c <= 1) {
          buf[p++] = 1
          buf[p++] = c + 1
        } else {
          buf[p++] = c
        }
        continue
      }
      if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6)
        buf[p++] = 0x80 | (c & 0x3f)
        continue
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(i + 1)
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          buf[p++] = 0xf0 | (c >> 18)
          buf[p++] = 0x80 | ((c >> 12) & 0x3f)
          buf[p++] = 0x80 | ((c >> 6) & 0x3f)
          buf[p++] = 0x80 | (c & 0x3f)
          continue
        }
        c = 0xfffd // a lone surrogate, as BSON encodes it
      }
      buf[p++] = 0xe0 | (c >> 12)
      buf[p++] = 0x80 | ((c >> 6) & 0x3f)
      buf[p++] = 0x80 | (c & 0x3f)
    }
    buf[p++] = 0
    this.pos = p
  }

  /** A value: its type tag, then its body. */
  value (value: unknown): void {
    const tag = tagOf(value)
    this.byte(tag)
    this.body(tag, value)
  }

  private body (tag: number, value: unknown): void {
    switch (tag) {
      case TAG.number: return this.double(numberOf(value))
      case TAG.string: return this.text(typeof value === 'string' ? value : String((value as { value: string }).value))
      case TAG.bool: return this.byte(value === true ? 1 : 0)
      case TAG.date: return this.double((value as Date).getTime())
      case TAG.objectId: return this.objectId(value as ObjectIdLike)
      case TAG.array:
        for (const item of value as unknown[]) this.value(item)
        return this.byte(0)
      case TAG.object: {
        const doc = isPlainObject(value) ? value : objectOf(value)
        // mongod compares the elements of two documents by type, then name, then value.
        for (const name of Object.keys(doc)) {
          const item = doc[name]
          if (item === undefined) continue
          const itemTag = tagOf(item)
          this.byte(itemTag)
          this.text(name)
          this.body(itemTag, item)
        }
        return this.byte(0)
      }
      case TAG.binData: {
        const bin = value as Binary
        const bytes = bin.buffer.subarray(0, bin.position)
        this.uint32(bytes.length)
        this.byte(bin.sub_type)
        return this.bytes(bytes)
      }
      case TAG.timestamp: {
        const ts = value as Timestamp
        this.uint32(ts.high)
        return this.uint32(ts.low)
      }
      case TAG.regex: {
        const [pattern, flags] = value instanceof RegExp ? [value.source, value.flags] : [(value as { pattern: string }).pattern, (value as { options: string }).options]
        this.text(pattern)
        return this.text(flags)
      }
      case TAG.javascript: return this.text(String((value as { code: unknown }).code))
      default: // null, undefined, minKey, maxKey: the tag is the whole value
    }
  }

  /** Inverts the bytes written since `from`: the encoding of a descending field. */
  invert (from: number): void {
    for (let i = from; i < this.pos; i++) this.buf[i] = 255 - this.buf[i]
  }

  /** A record number, big-endian in SEQ_BYTES bytes. */
  seq (seq: number): void {
    this.room(SEQ_BYTES)
    let n = seq
    for (let i = SEQ_BYTES - 1; i >= 0; i--) {
      this.buf[this.pos + i] = n % 256
      n = Math.floor(n / 256)
    }
    this.pos += SEQ_BYTES
  }

  finish (): string {
    return latin1(this.buf, 0, this.pos)
  }
}

/** DBRef and other BSON classes that compare as documents. */
function objectOf (value: unknown): Doc {
  const v = value as { toJSON?: () => unknown }
  const json = typeof v.toJSON === 'function' ? v.toJSON() : value
  return isPlainObject(json) ? json : {}
}

let prefixScratch = Buffer.allocUnsafe(1024)

/**
 * The first `length` bytes of a key as a flat string. `slice` would make a sliced string, which V8 compares several
 * times slower than a flat one, and a tree lookup compares its key about twenty times.
 */
export function flatPrefix (key: string, length: number): string {
  if (length < 13) return key.slice(0, length) // V8 copies slices this short
  if (prefixScratch.length < key.length) prefixScratch = Buffer.allocUnsafe(key.length * 2)
  prefixScratch.write(key, 0, length, 'latin1')
  return latin1(prefixScratch, 0, length)
}

/** The record number at the end of a secondary index key. */
export function seqOfKey (key: string): number {
  let n = 0
  for (let i = key.length - SEQ_BYTES; i < key.length; i++) n = n * 256 + key.charCodeAt(i)
  return n
}

const shared = new KeyWriter()

/**
 * Canonical string of one value: values mongod considers equal in an index (1, 1.0, NumberLong(1); null and missing)
 * share it, and strings of values compare as the values do.
 */
export function keyOf (value: unknown): string {
  shared.reset().value(value)
  return shared.finish()
}

/** The byte at `i` of a key, read through the inversion of a descending field. */
const byteAt = (key: string, i: number, inverted: boolean): number => (inverted ? 255 - key.charCodeAt(i) : key.charCodeAt(i))

function skipText (key: string, i: number, inverted: boolean): number {
  while (i < key.length) {
    const c = byteAt(key, i, inverted)
    if (c === 0) return i + 1
    i += c === 1 ? 2 : 1
  }
  return i
}

/** Where the body of a value of type `tag` starting at `i` ends. */
export function skipBody (key: string, tag: number, i: number, inverted: boolean): number {
  switch (tag) {
    case TAG.number: case TAG.date: case TAG.timestamp: return i + 8
    case TAG.objectId: return i + 12
    case TAG.bool: return i + 1
    case TAG.string: case TAG.javascript: return skipText(key, i, inverted)
    case TAG.regex: return skipText(key, skipText(key, i, inverted), inverted)
    case TAG.binData: {
      const length = ((byteAt(key, i, inverted) << 24) >>> 0) + (byteAt(key, i + 1, inverted) << 16) + (byteAt(key, i + 2, inverted) << 8) + byteAt(key, i + 3, inverted)
      return i + 5 + length
    }
    case TAG.array:
      while (i < key.length && byteAt(key, i, inverted) !== 0) i = skipBody(key, byteAt(key, i, inverted), i + 1, inverted)
      return i + 1
    case TAG.object:
      while (i < key.length && byteAt(key, i, inverted) !== 0) {
        const itemTag = byteAt(key, i, inverted)
        i = skipBody(key, itemTag, skipText(key, i + 1, inverted), inverted)
      }
      return i + 1
    default: return i
  }
}

/**
 * Where the encoding of one value starts at `pos` in `key` ends (the next field's start). `inverted`: the bytes of a
 * descending field. Used to read the fields of a stored key without decoding them.
 */
export function skipValue (key: string, pos: number, inverted: boolean): number {
  return skipBody(key, byteAt(key, pos, inverted), pos + 1, inverted)
}
