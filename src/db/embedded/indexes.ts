import sortedBtree from 'sorted-btree'
import { binaryCompare, collatedKeyCompare, type KeyCompare } from './collated-keys.js'
import { storedCollation, type Collation } from './collation.js'
import { CommandError } from './errors.js'
import { EMPTY_ARRAY, KeyWriter, SEQ_BYTES, flatPrefix, seqOfKey } from './keys.js'
import type { Predicate } from './query.js'
import { compileFilter } from './query.js'
import { isPlainObject, type Doc } from './values.js'

export interface IndexSpec extends Doc {
  v: number
  key: Doc
  name: string
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Doc
  expireAfterSeconds?: number
  collation?: Doc
}

/** A document in its stored form and (when they differ: numeric wrappers) its evaluation form. */
export interface Forms { readonly doc: Doc, readonly view: Doc }

/** sorted-btree is CommonJS: its class is the module's `default` export. */
const BTree = sortedBtree.default

/** One index field's values in a document, and the path of the first array met on the way (undefined: none). */
interface FieldValues { values: unknown[], arrayAt?: string }

/** Values a path reaches: arrays on the way fan out over their documents; an array at the end contributes its elements. */
function fieldValues (doc: Doc, parts: string[]): FieldValues {
  // The common case, no array on the way: no closure, no recursion.
  let value: unknown = doc
  let i = 0
  for (; i < parts.length; i++) {
    if (Array.isArray(value)) break
    value = isPlainObject(value) ? value[parts[i]] : undefined
  }
  if (i === parts.length && !Array.isArray(value)) return { values: [value] }
  const out: FieldValues = { values: [] }
  const walk = (value: unknown, i: number): void => {
    if (i === parts.length) {
      if (!Array.isArray(value)) {
        out.values.push(value)
        return
      }
      out.arrayAt ??= parts.slice(0, i).join('.')
      if (value.length === 0) out.values.push(EMPTY_ARRAY)
      else for (const item of value) out.values.push(item)
      return
    }
    if (Array.isArray(value)) {
      out.arrayAt ??= parts.slice(0, i).join('.')
      const part = parts[i]
      if (/^\d+$/.test(part)) {
        walk(value[Number(part)], i + 1)
        return
      }
      for (const item of value) if (isPlainObject(item)) walk(item, i)
      return
    }
    walk(isPlainObject(value) ? value[parts[i]] : undefined, i + 1)
  }
  walk(doc, 0)
  if (out.values.length === 0) out.values.push(undefined)
  return out
}

const writer = new KeyWriter()

/**
 * An index: a B+ tree (sorted-btree) of keys, one per indexed value combination of each document: the fields'
 * order-preserving encodings (descending ones inverted) followed by the record number, so every entry is distinct
 * and equal field values sort in insertion order. The tree is a sorted set: the key holds the record number. An index
 * with a collation orders its keys with collated-keys.ts: strings equal under the collation are equal keys.
 */
export class Index {
  readonly spec: IndexSpec
  readonly name: string
  readonly fields: string[]
  readonly directions: Array<1 | -1>
  private readonly parts: string[][]
  readonly unique: boolean
  readonly sparse: boolean
  /** Only ascending/descending keys are maintained; text, 2dsphere, hashed… indexes are kept as specs. */
  readonly maintained: boolean
  readonly partial?: Predicate
  /** The index's collation (undefined: binary), and the order of its keys under it. */
  readonly collation?: Collation
  readonly compare: KeyCompare
  /** Per field: the order of that field's encoded values alone (for checks on a key's later fields). */
  readonly fieldCompares: KeyCompare[]
  readonly tree: InstanceType<typeof BTree<string, undefined>>
  /** Per field: set once a document held an array on its path (never reset, as in mongod). */
  readonly multikeyPaths: Array<Set<string>>
  multikey = false
  /** Bumped on every change, so a paused scan knows to seek its position again. */
  version = 0

  constructor (spec: IndexSpec) {
    this.spec = spec
    this.name = spec.name
    this.fields = Object.keys(spec.key)
    this.parts = this.fields.map((field) => field.split('.'))
    this.directions = this.fields.map((field) => (Number(spec.key[field]) < 0 ? -1 : 1))
    this.multikeyPaths = this.fields.map(() => new Set())
    this.unique = spec.unique === true || spec.name === '_id_'
    this.sparse = spec.sparse === true
    this.maintained = Object.values(spec.key).every((v) => typeof v === 'number' || (v as { _bsontype?: string } | null)?._bsontype !== undefined)
    if (isPlainObject(spec.partialFilterExpression)) this.partial = compileFilter(spec.partialFilterExpression)
    this.collation = storedCollation(spec.collation)
    const strings = this.collation?.compareStrings
    this.compare = strings === undefined ? binaryCompare : collatedKeyCompare(this.directions, strings)
    this.fieldCompares = this.directions.map((d) => (strings === undefined ? binaryCompare : collatedKeyCompare([d], strings)))
    this.tree = new BTree<string, undefined>(undefined, this.compare, 64)
  }

  /** True when `key` (fields and record number) holds the same field values as `prefix` (fields only). */
  private sameFields (key: string, prefix: string): boolean {
    if (this.collation === undefined) return key.length === prefix.length + SEQ_BYTES && key.startsWith(prefix)
    return this.compare(key.slice(0, key.length - SEQ_BYTES), prefix) === 0
  }

  get size (): number {
    return this.tree.size
  }

  /** Every key of a document (deduplicated), or none when the index leaves it out (sparse, partial, not maintained). */
  keysOf (forms: Forms, seq: number, ns = ''): string[] {
    if (!this.maintained) return []
    if (this.partial !== undefined && !this.partial(forms.view)) return []
    const scalar = this.scalarKeys(forms.doc, seq)
    if (scalar !== undefined) return scalar
    const count = this.parts.length
    const perField: FieldValues[] = new Array(count)
    let single = true
    let present = false
    let firstArray: string | undefined
    let parallel = false
    for (let i = 0; i < count; i++) {
      const f = fieldValues(forms.doc, this.parts[i])
      perField[i] = f
      if (f.values.length !== 1) single = false
      if (!present) for (const v of f.values) if (v !== undefined) present = true
      if (f.arrayAt === undefined) continue
      this.multikeyPaths[i].add(f.arrayAt)
      this.multikey = true
      if (firstArray === undefined) firstArray = f.arrayAt
      else if (f.arrayAt !== firstArray && !f.arrayAt.startsWith(`${firstArray}.`) && !firstArray.startsWith(`${f.arrayAt}.`)) parallel = true
    }
    if (this.sparse && !present) return []
    if (parallel) {
      const names = perField.filter((f) => f.arrayAt !== undefined).map((f) => `[${f.arrayAt}]`).join(' ')
      throw new CommandError(171, 'CannotIndexParallelArrays', `cannot index parallel arrays ${names}${ns === '' ? '' : ` in ${ns}`}`)
    }
    if (single) {
      writer.reset()
      for (let i = 0; i < count; i++) this.write(i, perField[i].values[0])
      writer.seq(seq)
      return [writer.finish()]
    }
    const keys = new Set<string>()
    const combo: unknown[] = []
    const build = (i: number): void => {
      if (i === count) {
        keys.add(this.encode(combo, seq))
        return
      }
      for (const v of perField[i].values) {
        combo[i] = v
        build(i + 1)
      }
    }
    build(0)
    return [...keys]
  }

  /**
   * The keys of a document with no array on any of the index's paths (the common case), written straight from its
   * fields; undefined when an array is met (keysOf's general walk handles it, and the multikey flags).
   */
  private scalarKeys (doc: Doc, seq: number): string[] | undefined {
    writer.reset()
    let present = false
    for (let i = 0; i < this.parts.length; i++) {
      const parts = this.parts[i]
      let value: unknown = doc
      for (let j = 0; j < parts.length; j++) {
        if (Array.isArray(value)) return undefined
        value = isPlainObject(value) ? value[parts[j]] : undefined
      }
      if (Array.isArray(value)) return undefined
      if (value !== undefined) present = true
      this.write(i, value)
    }
    if (this.sparse && !present) return []
    writer.seq(seq)
    return [writer.finish()]
  }

  private write (field: number, value: unknown): void {
    const start = writer.pos
    writer.value(value)
    if (this.directions[field] < 0) writer.invert(start)
  }

  /** The values of the document's key that equals `key` in this index (for duplicate-key errors). */
  valuesOf (forms: Forms, key: string): unknown[] {
    const perField = this.parts.map((parts) => fieldValues(forms.doc, parts).values)
    const prefix = key.slice(0, key.length - SEQ_BYTES)
    let found: unknown[] = perField.map((values) => values[0])
    const build = (i: number, combo: unknown[]): boolean => {
      if (i === perField.length) {
        if (this.compare(this.encode(combo, 0).slice(0, -SEQ_BYTES), prefix) !== 0) return false
        found = combo
        return true
      }
      return perField[i].some((v) => build(i + 1, [...combo, v]))
    }
    build(0, [])
    return found.map((v) => (v === EMPTY_ARRAY ? [] : v))
  }

  private encode (values: unknown[], seq: number): string {
    writer.reset()
    for (let i = 0; i < values.length; i++) this.write(i, values[i])
    writer.seq(seq)
    return writer.finish()
  }

  /** The record (other than `ownSeq`) already holding one of `keys` in this unique index, and which key. */
  conflict (keys: string[], ownSeq: number): { key: string, seq: number } | undefined {
    if (!this.unique) return undefined
    for (const key of keys) {
      const prefix = flatPrefix(key, key.length - SEQ_BYTES)
      let other = this.tree.nextHigherKey(prefix)
      // At most two records hold a key while a document is being replaced: its own and the other one.
      for (let n = 0; n < 2 && other !== undefined && this.sameFields(other, prefix); n++) {
        const seq = seqOfKey(other)
        if (seq !== ownSeq) return { key, seq }
        other = this.tree.nextHigherKey(other)
      }
    }
    return undefined
  }

  /** The record holding the key made of `prefix` (the fields' encoding), in a unique index. */
  seqWith (prefix: string): number | undefined {
    const found = this.tree.nextHigherKey(prefix)
    return found !== undefined && this.sameFields(found, prefix) ? seqOfKey(found) : undefined
  }

  add (keys: string[]): void {
    for (const key of keys) this.tree.set(key, undefined)
    if (keys.length > 0) this.version++
  }

  remove (keys: string[]): void {
    for (const key of keys) this.tree.delete(key)
    if (keys.length > 0) this.version++
  }

  clear (): void {
    this.tree.clear()
    this.version++
  }

  /** The field-only encoding of `values` (no record number): what `seqWith` looks for. */
  prefixOf (values: unknown[]): string {
    writer.reset()
    for (let i = 0; i < values.length; i++) this.write(i, values[i])
    return writer.finish()
  }
}

/**
 * mongod's E11000 error. For an index with a collation, mongod names the collation, and each string of the key is its
 * collation key hex-encoded: `0x…` in the message, bare in `keyValue`, flagged per field in `hexEncoded`, with the
 * index's `collation` beside. Intl has no collation keys, so the bytes encoded are those of the stored string the key
 * clashed with (the one the equivalence class is filed under): the shape is mongod's, the hex digits are not.
 */
export function duplicateKeyError (ns: string, index: { name: string, key: Doc, fields: string[], collation?: Doc }, values: unknown[]): CommandError {
  const collated = index.collation !== undefined
  const keyValue: Doc = {}
  const hexEncoded: boolean[] = []
  const shown: string[] = []
  index.fields.forEach((field, i) => {
    const value = values[i] === undefined ? null : values[i]
    const hex = collated && typeof value === 'string'
    hexEncoded.push(hex)
    keyValue[field] = hex ? Buffer.from(value, 'utf8').toString('hex') : value
    shown.push(`${field}: ${hex ? `"0x${keyValue[field] as string}"` : formatValue(value)}`)
  })
  const collation = collated ? ` collation: ${formatValue(index.collation)}` : ''
  return new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${index.name}${collation} dup key: { ${shown.join(', ')} }`, {
    keyPattern: index.key,
    keyValue,
    ...(hexEncoded.some(Boolean) ? { hexEncoded } : {}),
    ...(collated ? { collation: index.collation } : {})
  })
}

/** A value as mongod shows it in error messages (`"x"`, `ObjectId('…')`, `{ a: 1 }`). */
export function formatValue (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (value instanceof Date) return `new Date(${value.getTime()})`
  if (typeof value === 'object') {
    const type = (value as { _bsontype?: string })._bsontype
    if (type === 'ObjectId') return `ObjectId('${String(value)}')`
    if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`
    if (type === undefined) {
      const inner = Object.entries(value as Doc).map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')
      return `{ ${inner} }`
    }
  }
  return String(value)
}
