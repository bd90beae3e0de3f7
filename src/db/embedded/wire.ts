import { deserialize, serialize } from 'bson'
import { toStoredInPlace } from './records.js'
import type { Doc } from './values.js'

export const OP_REPLY = 1
export const OP_QUERY = 2004
export const OP_MSG = 2013

export const CHECKSUM_PRESENT = 1
export const MORE_TO_COME = 2

const HEADER_SIZE = 16
export const MAX_MESSAGE_SIZE = 48_000_000

/** Documents are decoded without promoting numbers so Int32, Double and Long keep their BSON types. */
const decode = (bytes: Buffer): Doc => deserialize(bytes, { promoteValues: false, promoteBuffers: false, bsonRegExp: false }) as Doc
const PROMOTED = { promoteValues: true, promoteBuffers: false, bsonRegExp: false } as const

const FIXED_SIZES: Record<number, number> = { 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x13: 16, 0xff: 0, 0x7f: 0 }

/**
 * True unless the BSON document at `start` holds no value whose type promotion would lose (double, int64, symbol, code
 * with scope) at any depth: such a document decoded with promoted values (Int32 as numbers) is already in the engine's
 * stored form (records.ts toStoredInPlace). Anything unexpected answers true.
 */
function needsTypedDecode (buffer: Buffer, start: number, end: number): boolean {
  let i = start + 4
  while (i < end - 1) {
    const type = buffer[i]
    const nameEnd = buffer.indexOf(0, i + 1)
    if (nameEnd < 0 || nameEnd >= end) return true
    i = nameEnd + 1
    const fixed = FIXED_SIZES[type]
    if (fixed !== undefined) {
      i += fixed
    } else if (type === 0x02 || type === 0x0d) {
      i += 4 + buffer.readInt32LE(i)
    } else if (type === 0x03 || type === 0x04) {
      const size = buffer.readInt32LE(i)
      if (size < 5 || i + size > end || needsTypedDecode(buffer, i, i + size)) return true
      i += size
    } else if (type === 0x05) {
      i += 5 + buffer.readInt32LE(i)
    } else if (type === 0x0b) {
      const pattern = buffer.indexOf(0, i)
      const options = pattern < 0 ? -1 : buffer.indexOf(0, pattern + 1)
      if (options < 0) return true
      i = options + 1
    } else if (type === 0x0c) {
      i += 4 + buffer.readInt32LE(i) + 12
    } else {
      return true
    }
  }
  return i !== end - 1
}

/** A document of a document sequence in the engine's stored form: promoted when nothing is lost, else typed (converted by the caller). */
function readSequenceDocument (buffer: Buffer, offset: number): [Doc, number, boolean] {
  const size = buffer.readInt32LE(offset)
  if (size < 5 || offset + size > buffer.length) throw new ProtocolError('invalid BSON document size')
  const bytes = buffer.subarray(offset, offset + size)
  let typed = true
  try {
    typed = needsTypedDecode(buffer, offset, offset + size)
  } catch {
    // A length that runs past the buffer: the typed decode reports the malformed document.
  }
  return [typed ? decode(bytes) : deserialize(bytes, PROMOTED) as Doc, offset + size, typed]
}

export interface MessageHeader {
  length: number
  requestId: number
  responseTo: number
  opCode: number
}

export interface OpMsgRequest {
  kind: 'msg'
  header: MessageHeader
  flags: number
  /** The body section with every document-sequence section attached as an array field, in stored form (records.ts). */
  body: Doc
  /** The BSON bytes of each document of each document-sequence section (an insert stores them as they are). */
  raw: Record<string, Buffer[]>
}

export interface OpQueryRequest {
  kind: 'query'
  header: MessageHeader
  collection: string
  query: Doc
}

export type Request = OpMsgRequest | OpQueryRequest

export class ProtocolError extends Error {}

/** Reassembles whole messages from TCP chunks: a message may span chunks, a chunk may hold several. */
export class MessageReader {
  private buffered: Buffer[] = []
  private size = 0

  push (chunk: Buffer): Buffer[] {
    this.buffered.push(chunk)
    this.size += chunk.length
    const messages: Buffer[] = []
    while (this.size >= 4) {
      if (this.buffered[0].length < 4) this.flatten()
      const length = this.buffered[0].readInt32LE(0)
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) throw new ProtocolError(`invalid message length ${length}`)
      if (this.size < length) break
      const head = this.flatten()
      messages.push(head.subarray(0, length))
      const rest = head.subarray(length)
      this.buffered = rest.length > 0 ? [rest] : []
      this.size = rest.length
    }
    return messages
  }

  /** Joins buffered chunks only once a whole message is there, so large messages are copied once. */
  private flatten (): Buffer {
    const whole = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered)
    this.buffered = [whole]
    return whole
  }
}

function readHeader (message: Buffer): MessageHeader {
  return {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12)
  }
}

function readCString (buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset)
  if (end < 0) throw new ProtocolError('unterminated string')
  return [buffer.toString('utf8', offset, end), end + 1]
}

function readDocument (buffer: Buffer, offset: number): [Doc, number] {
  const size = buffer.readInt32LE(offset)
  if (size < 5 || offset + size > buffer.length) throw new ProtocolError('invalid BSON document size')
  return [decode(buffer.subarray(offset, offset + size)), offset + size]
}

export function parseMessage (message: Buffer): Request {
  const header = readHeader(message)
  if (header.opCode === OP_MSG) return parseOpMsg(message, header)
  if (header.opCode === OP_QUERY) return parseOpQuery(message, header)
  throw new ProtocolError(`unsupported opCode ${header.opCode}`)
}

function parseOpMsg (message: Buffer, header: MessageHeader): OpMsgRequest {
  const flags = message.readUInt32LE(HEADER_SIZE)
  const end = (flags & CHECKSUM_PRESENT) !== 0 ? message.length - 4 : message.length
  let offset = HEADER_SIZE + 4
  let body: Doc | undefined
  const sequences: Array<[string, Doc[]]> = []
  const raw: Record<string, Buffer[]> = {}
  while (offset < end) {
    const kind = message.readUInt8(offset)
    offset += 1
    if (kind === 0) {
      [body, offset] = readDocument(message, offset)
    } else if (kind === 1) {
      const sectionEnd = offset + message.readInt32LE(offset)
      const [identifier, start] = readCString(message, offset + 4)
      let cursor = start
      const docs: Doc[] = []
      const bytes: Buffer[] = []
      while (cursor < sectionEnd) {
        const from = cursor
        let doc: Doc
        let typed: boolean
        [doc, cursor, typed] = readSequenceDocument(message, cursor)
        docs.push(typed ? toStoredInPlace(doc) as Doc : doc)
        bytes.push(message.subarray(from, cursor))
      }
      sequences.push([identifier, docs])
      raw[identifier] = bytes
      offset = sectionEnd
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`)
    }
  }
  if (body === undefined) throw new ProtocolError('OP_MSG without a body section')
  toStoredInPlace(body)
  for (const [identifier, docs] of sequences) body[identifier] = docs
  return { kind: 'msg', header, flags, body, raw }
}

function parseOpQuery (message: Buffer, header: MessageHeader): OpQueryRequest {
  const [collection, offset] = readCString(message, HEADER_SIZE + 4)
  const [query] = readDocument(message, offset + 8)
  return { kind: 'query', header, collection, query }
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

function writeHeader (buffer: Buffer, responseTo: number, opCode: number, requestId: number): void {
  buffer.writeInt32LE(buffer.length, 0)
  buffer.writeInt32LE(requestId, 4)
  buffer.writeInt32LE(responseTo, 8)
  buffer.writeInt32LE(opCode, 12)
}

export function encodeOpMsg (reply: Doc, responseTo: number, requestId: number): Buffer {
  const body = toBuffer(serialize(reply))
  const message = Buffer.alloc(HEADER_SIZE + 4 + 1 + body.length)
  writeHeader(message, responseTo, OP_MSG, requestId)
  message.writeUInt32LE(0, HEADER_SIZE)
  message.writeUInt8(0, HEADER_SIZE + 4)
  body.copy(message, HEADER_SIZE + 5)
  return message
}

export function encodeOpReply (reply: Doc, responseTo: number, requestId: number): Buffer {
  const body = toBuffer(serialize(reply))
  const message = Buffer.alloc(HEADER_SIZE + 20 + body.length)
  writeHeader(message, responseTo, OP_REPLY, requestId)
  message.writeInt32LE(8, HEADER_SIZE) // responseFlags: AwaitCapable
  message.writeBigInt64LE(0n, HEADER_SIZE + 4)
  message.writeInt32LE(0, HEADER_SIZE + 12)
  message.writeInt32LE(1, HEADER_SIZE + 16)
  body.copy(message, HEADER_SIZE + 20)
  return message
}
