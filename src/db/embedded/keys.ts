import { EJSON } from 'bson'
import { bsonTypeName, toView } from './values.js'

/** A flat string: keys are kept in Maps for as long as their documents, and `+` would keep them as V8 cons strings. */
const flat = (...pieces: unknown[]): string => pieces.join('')

/**
 * Canonical string for an indexed value: values mongod considers equal in an index
 * (1, 1.0, NumberLong(1); null and missing) share a key.
 */
export function keyOf (value: unknown): string {
  const type = bsonTypeName(value)
  switch (type) {
    case 'missing':
    case 'null': return 'n'
    case 'int':
    case 'long':
    case 'double':
    case 'decimal': {
      const n = toView(value) as number
      return Number.isNaN(n) ? 'NaN' : flat('d', Object.is(n, -0) ? 0 : n)
    }
    case 'string': return flat('s', value as string)
    case 'bool': return value === true ? 'T' : 'F'
    case 'date': return flat('t', (value as Date).getTime())
    // Its 12 bytes as 12 one-byte characters: half the size of hex, in every index key that holds an id.
    case 'objectId': {
      const bytes = (value as { id: Uint8Array }).id
      return flat('o', Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'))
    }
    default: return flat(type, ':', EJSON.stringify(toView(value), { relaxed: true }))
  }
}
