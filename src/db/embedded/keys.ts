import { EJSON } from 'bson'
import { bsonTypeName, toView } from './values.js'

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
      return Number.isNaN(n) ? 'NaN' : `d${Object.is(n, -0) ? 0 : n}`
    }
    case 'string': return `s${value as string}`
    case 'bool': return value === true ? 'T' : 'F'
    case 'date': return `t${(value as Date).getTime()}`
    case 'objectId': return `o${(value as { toHexString(): string }).toHexString()}`
    default: return `${type}:${EJSON.stringify(toView(value), { relaxed: true })}`
  }
}
