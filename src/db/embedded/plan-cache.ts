/**
 * The plan cache, as mongod keeps one: once the trial has picked among several candidate plans for a query shape,
 * later queries of that shape on the collection reuse the winner without a trial. A shape is the query with its
 * values replaced by their BSON types (so `{clientId: <ObjectId>, userId: <number>}` is one shape whatever the ids),
 * with what else decides the candidates: the sort, whether there is a skip, a limit or a projection, the variables'
 * names, the purpose and the collation. An entry is dropped when the collection's indexes change, and when the
 * collection has since grown or shrunk past twice or half its size then, where another plan may win. `explain`
 * always plans afresh, as mongod's does. At most MAX_SHAPES shapes per collection (the oldest goes first).
 */
import { ObjectId } from 'bson'
import type { Collection } from './collection.js'
import { isPlainObject, type Doc } from './values.js'

export const MAX_SHAPES = 200
/** A collection this small is re-planned only once it has grown past this many documents. */
const SIZE_SLACK = 100

interface Entry { indexName: string, size: number }
interface CollectionCache { indexes: string, shapes: Map<string, Entry> }

const caches = new WeakMap<Collection, CollectionCache>()

function typeTag (value: unknown): string {
  if (value === null) return 'null'
  // Clauses (`$and`, `$or`, `$nor`) each have a shape; a list of values (`$in`) is one type, whatever its length.
  if (Array.isArray(value)) return value.some(isPlainObject) ? `[${value.map(typeTag).join(',')}]` : `[${value.length === 0 ? '' : typeTag(value[0])}]`
  if (value instanceof Date) return 'date'
  if (value instanceof RegExp) return 'regex'
  if (value instanceof ObjectId) return 'oid'
  if (isPlainObject(value)) return shapeOf(value)
  if (typeof value === 'object') return (value as { _bsontype?: string })._bsontype ?? 'object'
  return typeof value
}

/** The query with its values replaced by their types; operator and field names are kept. */
export function shapeOf (doc: Doc): string {
  let out = '{'
  for (const key of Object.keys(doc)) out += `${JSON.stringify(key)}:${typeTag(doc[key])},`
  return `${out}}`
}

function indexSignature (collection: Collection): string {
  return collection.indexes().map((index) => index.name).join('\u0000')
}

function cacheOf (collection: Collection): CollectionCache {
  const signature = indexSignature(collection)
  let cache = caches.get(collection)
  if (cache === undefined || cache.indexes !== signature) {
    cache = { indexes: signature, shapes: new Map() }
    caches.set(collection, cache)
  }
  return cache
}

/** The index name the cache holds for this shape, while the collection's size is still near what it was. */
export function cachedWinner (collection: Collection, shape: string): string | undefined {
  const cache = cacheOf(collection)
  const entry = cache.shapes.get(shape)
  if (entry === undefined) return undefined
  const size = collection.size
  if (size > 2 * entry.size + SIZE_SLACK || 2 * size < entry.size) {
    cache.shapes.delete(shape)
    return undefined
  }
  return entry.indexName
}

export function rememberWinner (collection: Collection, shape: string, indexName: string): void {
  const { shapes } = cacheOf(collection)
  shapes.delete(shape)
  if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value as string)
  shapes.set(shape, { indexName, size: collection.size })
}
