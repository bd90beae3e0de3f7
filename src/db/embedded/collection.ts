import { randomUUID } from 'node:crypto'
import { Binary, ObjectId } from 'bson'
import { CommandError, badValue } from './errors.js'
import { Index, duplicateKeyError, type Forms, type IndexSpec } from './indexes.js'
import { candidateRecords } from './planner.js'
import { compileFilter } from './query.js'
import { bytesOf, decodeDocument, encodeDocument, holdsWrapper } from './records.js'
import { compileJsonSchema } from './validator.js'
import { cloneValue, isPlainObject, toView, type Doc } from './values.js'

/** A decoded document: stored form, evaluation form (the same object when it holds no numeric wrappers), record number. */
export interface StoredRecord {
  readonly doc: Doc
  readonly view: Doc
  /** Record number: natural (insertion) order; an update keeps it. */
  readonly seq: number
}

export interface CollectionOptions extends Doc {
  validator?: Doc
  validationLevel?: string
  validationAction?: string
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' }

const formsOf = (doc: Doc): Forms => (holdsWrapper(doc) ? { doc, view: toView(doc) as Doc } : { doc, view: doc })

function firstKey (doc: Doc): string | undefined {
  for (const key in doc) return key
  return undefined
}

/** Puts `_id` first, generating an ObjectId when it is missing (as mongod does on insert). */
export function withId (doc: Doc): Doc {
  if (doc._id !== undefined && firstKey(doc) === '_id') return doc
  const out: Doc = { _id: doc._id === undefined ? new ObjectId() : doc._id }
  for (const [k, v] of Object.entries(doc)) if (k !== '_id') out[k] = v
  return out
}

/**
 * The documents of one collection, each stored once as BSON bytes (records.ts) under its record number, and its
 * indexes (indexes.ts), the `_id` index first. Writes check everything before they change anything.
 */
export class Collection {
  readonly uuid = new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID)
  /** Record number → BSON bytes, in natural order (a Map iterates in insertion order and survives changes while iterating). */
  private docs = new Map<number, string>()
  /** Record numbers of documents holding numeric wrappers (their stored and evaluation forms differ). */
  private wrapped = new Set<number>()
  private nextSeq = 1
  /** The `_id` index: it has the collection's default collation, so `_id` is unique under it (as in mongod). */
  readonly idIndex: Index
  private secondary: Index[] = []
  private validate?: (forms: Forms) => boolean
  options: CollectionOptions = {}
  name: string
  dbName: string

  constructor (dbName: string, name: string, options: CollectionOptions = {}) {
    this.dbName = dbName
    this.name = name
    this.setOptions(options)
    this.idIndex = new Index(isPlainObject(options.collation) ? { ...ID_INDEX, collation: cloneValue(options.collation) } : ID_INDEX)
  }

  get ns (): string {
    return `${this.dbName}.${this.name}`
  }

  get size (): number {
    return this.docs.size
  }

  setOptions (options: CollectionOptions): void {
    this.options = cloneValue(options)
    const validator = options.validator
    if (!isPlainObject(validator) || Object.keys(validator).length === 0) {
      this.validate = undefined
      return
    }
    const { $jsonSchema, ...rest } = validator
    const schema = isPlainObject($jsonSchema) ? compileJsonSchema($jsonSchema) : () => true
    const filter = Object.keys(rest).length > 0 ? compileFilter(toView(rest) as Doc) : () => true
    this.validate = (forms) => schema(forms.doc) && filter(forms.view)
  }

  /** Every index, `_id` first. */
  indexes (): Index[] {
    return [this.idIndex, ...this.secondary]
  }

  indexSpecs (): IndexSpec[] {
    return this.indexes().map((index) => index.spec)
  }

  /** The document under a record number, decoded afresh. */
  record (seq: number): StoredRecord | undefined {
    const bytes = this.docs.get(seq)
    if (bytes === undefined) return undefined
    const { doc, view } = decodeDocument(bytes, this.wrapped.has(seq))
    return { doc, view, seq }
  }

  /** Record numbers in natural order; live: records added while iterating are visited, removed ones are not. */
  seqs (): IterableIterator<number> {
    return this.docs.keys()
  }

  /** Bytes of the stored documents (what a collection scan reads), for statistics. */
  dataSize (): number {
    let total = 0
    for (const bytes of this.docs.values()) total += bytes.length
    return total
  }

  all (): StoredRecord[] {
    const out: StoredRecord[] = []
    for (const seq of this.docs.keys()) out.push(this.record(seq) as StoredRecord)
    return out
  }

  get (id: unknown): StoredRecord | undefined {
    const seq = this.idIndex.seqWith(this.idIndex.prefixOf([id]))
    return seq === undefined ? undefined : this.record(seq)
  }

  /** Records that may match `filter` (evaluation form), in an order the planner chose; the caller checks the filter. */
  candidates (filter: Doc, variables?: Doc): StoredRecord[] {
    return candidateRecords(this, filter, variables)
  }

  /**
   * Inserts a document with `_id` already set; throws 11000 / 121 / 171 without changing anything. `raw`: the BSON the
   * client sent for exactly this document (stored as it is, not encoded again).
   */
  insert (doc: Doc, bypassValidation = false, raw?: Uint8Array): StoredRecord {
    if (Array.isArray(doc._id)) throw new CommandError(2, 'BadValue', "can't use an array for _id")
    const forms = formsOf(doc)
    if (!bypassValidation) this.checkValid(forms)
    const seq = this.nextSeq
    const indexes = this.indexes()
    const keys: string[][] = new Array(indexes.length)
    for (let i = 0; i < indexes.length; i++) keys[i] = indexes[i].keysOf(forms, seq, this.ns)
    this.checkUnique(indexes, keys, forms, seq)
    const bytes = raw === undefined ? encodeDocument(doc) : bytesOf(raw)
    for (let i = 0; i < indexes.length; i++) indexes[i].add(keys[i])
    this.docs.set(seq, bytes)
    if (forms.view !== forms.doc) this.wrapped.add(seq)
    this.nextSeq++
    return { doc, view: forms.view, seq }
  }

  /** Replaces a stored document (same `_id`); only indexes whose keys changed are touched. Throws without changing anything. */
  replace (old: StoredRecord, doc: Doc, bypassValidation = false): StoredRecord {
    const forms = formsOf(doc)
    const exempt = bypassValidation || (this.options.validationLevel === 'moderate' && this.validate !== undefined && !this.validate(old))
    if (!exempt) this.checkValid(forms)
    const seq = old.seq
    const changes: Array<{ index: Index, removed: string[], added: string[] }> = []
    for (const index of this.indexes()) {
      const before = index.keysOf(old, seq, this.ns)
      const after = index.keysOf(forms, seq, this.ns)
      if (before.length === after.length && before.every((k, i) => k === after[i])) continue
      const kept = new Set(before)
      const next = new Set(after)
      changes.push({ index, removed: before.filter((k) => !next.has(k)), added: after.filter((k) => !kept.has(k)) })
    }
    this.checkUnique(changes.map((c) => c.index), changes.map((c) => c.added), forms, seq)
    const bytes = encodeDocument(doc)
    for (const { index, removed, added } of changes) {
      index.remove(removed)
      index.add(added)
    }
    this.docs.set(seq, bytes)
    if (forms.view !== forms.doc) this.wrapped.add(seq)
    else this.wrapped.delete(seq)
    return { doc, view: forms.view, seq }
  }

  remove (record: StoredRecord): void {
    if (!this.docs.has(record.seq)) return
    for (const index of this.indexes()) index.remove(index.keysOf(record, record.seq, this.ns))
    this.docs.delete(record.seq)
    this.wrapped.delete(record.seq)
  }

  clear (): void {
    this.docs = new Map()
    this.wrapped = new Set()
    for (const index of this.indexes()) index.clear()
  }

  findIndex (name: string): Index | undefined {
    return this.secondary.find((index) => index.spec.name === name)
  }

  /** Adds an index over the existing documents; a unique violation leaves the collection unchanged. */
  addIndex (spec: IndexSpec): void {
    const index = new Index(spec)
    for (const seq of this.docs.keys()) {
      const record = this.record(seq) as StoredRecord
      const keys = index.keysOf(record, seq, this.ns)
      const clash = index.conflict(keys, seq)
      if (clash !== undefined) {
        const error = this.duplicate(index, clash, record)
        throw new CommandError(11000, 'DuplicateKey', `Index build failed: ${error.message}`, error.extra)
      }
      index.add(keys)
    }
    this.secondary.push(index)
  }

  dropIndex (name: string): void {
    const i = this.secondary.findIndex((index) => index.spec.name === name)
    if (i >= 0) this.secondary.splice(i, 1)
  }

  dropAllIndexes (): void {
    this.secondary = []
  }

  private checkValid (forms: Forms): void {
    if (this.validate === undefined || this.options.validationLevel === 'off' || this.options.validationAction === 'warn') return
    if (!this.validate(forms)) {
      throw new CommandError(121, 'DocumentValidationFailure', 'Document failed validation', {
        errInfo: { failingDocumentId: forms.doc._id, details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: [] } }
      })
    }
  }

  private checkUnique (indexes: Index[], keys: string[][], forms: Forms, seq: number): void {
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i]
      const clash = index.conflict(keys[i], seq)
      if (clash !== undefined) throw this.duplicate(index, clash, forms)
    }
  }

  /**
   * The duplicate-key error of `forms` clashing with record `clash.seq` in `index`. Under a collation the values shown
   * are the stored document's (collation-equal to the new ones: mongod shows the collation key they share).
   */
  private duplicate (index: Index, clash: { key: string, seq: number }, forms: Forms): CommandError {
    const stored = index.collation === undefined ? undefined : this.record(clash.seq)
    return duplicateKeyError(this.ns, { name: index.spec.name, key: index.spec.key, fields: index.fields, collation: index.spec.collation }, index.valuesOf(stored ?? forms, clash.key))
  }
}

export const assertCollectionName = (name: unknown): string => {
  if (typeof name !== 'string' || name.length === 0) throw new CommandError(73, 'InvalidNamespace', `Invalid collection name: ${String(name)}`)
  if (name.includes('$') || name.startsWith('.') || name.includes('\0')) throw badValue(`Invalid collection name: ${name}`)
  return name
}
