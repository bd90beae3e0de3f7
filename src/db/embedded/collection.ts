import { randomUUID } from 'node:crypto'
import { Binary, ObjectId } from 'bson'
import { activeCollation, holdsString, type Collation } from './collation.js'
import { CommandError, badValue } from './errors.js'
import { Index, duplicateKeyError, type IndexPlan, type IndexSpec } from './indexes.js'
import { keyOf } from './keys.js'
import { compileFilter, equalityConstraints } from './query.js'
import { compileJsonSchema } from './validator.js'
import { cloneValue, hasNumericWrapper, isPlainObject, toView, type Doc } from './values.js'

/** A stored document and its evaluation form (the same object when it holds no numeric wrappers). */
export interface StoredRecord {
  readonly doc: Doc
  readonly view: Doc
  /** Insertion order (natural order); an update keeps it. */
  readonly seq: number
}

export interface CollectionOptions extends Doc {
  validator?: Doc
  validationLevel?: string
  validationAction?: string
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' }

const makeRecord = (doc: Doc, seq: number): StoredRecord => ({ doc, view: hasNumericWrapper(doc) ? toView(doc) as Doc : doc, seq })

/** Puts `_id` first, generating an ObjectId when it is missing (as mongod does on insert). */
export function withId (doc: Doc): Doc {
  if (doc._id !== undefined && Object.keys(doc)[0] === '_id') return doc
  const out: Doc = { _id: doc._id === undefined ? new ObjectId() : doc._id }
  for (const [k, v] of Object.entries(doc)) if (k !== '_id') out[k] = v
  return out
}

export class Collection {
  readonly uuid = new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID)
  private records = new Map<string, StoredRecord>()
  private nextSeq = 0
  private secondary: Index[] = []
  private validate?: (record: StoredRecord) => boolean
  options: CollectionOptions = {}
  name: string
  dbName: string

  constructor (dbName: string, name: string, options: CollectionOptions = {}) {
    this.dbName = dbName
    this.name = name
    this.setOptions(options)
  }

  get ns (): string {
    return `${this.dbName}.${this.name}`
  }

  get size (): number {
    return this.records.size
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
    this.validate = (record) => schema(record.doc) && filter(record.view)
  }

  indexSpecs (): IndexSpec[] {
    return [ID_INDEX, ...this.secondary.map((index) => index.spec)]
  }

  all (): StoredRecord[] {
    return [...this.records.values()]
  }

  get (id: unknown): StoredRecord | undefined {
    return this.records.get(keyOf(id))
  }

  /** Records that may match `filter` (evaluation form): an index's candidates when one applies, else all. */
  candidates (filter: Doc): StoredRecord[] {
    const constraints = equalityConstraints(filter)
    return (constraints.size === 0 ? undefined : this.candidatesFor(constraints)) ?? this.all()
  }

  /**
   * Records whose fields may equal the constraints (field → accepted values, evaluation form), from
   * the `_id` index or the most selective secondary index, in natural order; undefined when no
   * index applies.
   */
  candidatesFor (constraints: Map<string, unknown[]>, collation: Collation | undefined = activeCollation()): StoredRecord[] | undefined {
    const ids = constraints.get('_id')
    // The _id map holds ids as they are: under a collation it answers only for ids without strings.
    if (ids !== undefined && (collation === undefined || !ids.some(holdsString))) {
      const out = new Map<string, StoredRecord>()
      for (const id of ids) {
        const key = keyOf(id)
        const record = this.records.get(key)
        if (record !== undefined) out.set(key, record)
      }
      return [...out.values()]
    }
    let best: IndexPlan | undefined
    for (const index of this.secondary) {
      if (!index.complete) continue
      const plan = index.plan(constraints, collation)
      if (plan !== undefined && (best === undefined || plan.size < best.size)) best = plan
    }
    if (best === undefined) return undefined
    const out: StoredRecord[] = []
    for (const id of best.ids()) {
      const record = this.records.get(id)
      if (record !== undefined) out.push(record)
    }
    return out.sort((a, b) => a.seq - b.seq)
  }

  /** Inserts a document with `_id` already set; throws 11000 / 121 without changing anything. */
  insert (doc: Doc, bypassValidation = false): StoredRecord {
    const record = makeRecord(doc, this.nextSeq)
    const id = keyOf(doc._id)
    if (Array.isArray(doc._id)) throw new CommandError(2, 'BadValue', "can't use an array for _id")
    if (!bypassValidation) this.checkValid(record)
    if (this.records.has(id)) throw duplicateKeyError(this.ns, { name: '_id_', key: { _id: 1 }, fields: ['_id'] }, [doc._id])
    const keys = this.secondary.map((index) => index.keysOf(record.view))
    this.checkUnique(keys, id)
    this.secondary.forEach((index, i) => index.add(keys[i], id))
    this.records.set(id, record)
    this.nextSeq++
    return record
  }

  /** Replaces the stored document with the same `_id`; throws 11000 / 121 without changing anything. */
  replace (old: StoredRecord, doc: Doc, bypassValidation = false): StoredRecord {
    const record = makeRecord(doc, old.seq)
    const id = keyOf(old.doc._id)
    const exempt = bypassValidation || (this.options.validationLevel === 'moderate' && this.validate !== undefined && !this.validate(old))
    if (!exempt) this.checkValid(record)
    const oldKeys = this.secondary.map((index) => index.keysOf(old.view))
    const keys = this.secondary.map((index) => index.keysOf(record.view))
    this.checkUnique(keys, id)
    this.secondary.forEach((index, i) => {
      index.remove(oldKeys[i], id)
      index.add(keys[i], id)
    })
    this.records.set(id, record)
    return record
  }

  remove (record: StoredRecord): void {
    const id = keyOf(record.doc._id)
    for (const index of this.secondary) index.remove(index.keysOf(record.view), id)
    this.records.delete(id)
  }

  clear (): void {
    this.records = new Map()
    this.secondary = this.secondary.map((index) => new Index(index.spec))
  }

  findIndex (name: string): Index | undefined {
    return this.secondary.find((index) => index.spec.name === name)
  }

  /** Adds an index over the existing documents; a unique violation leaves the collection unchanged. */
  addIndex (spec: IndexSpec): void {
    this.secondary.push(this.build(spec))
  }

  dropIndex (name: string): void {
    const i = this.secondary.findIndex((index) => index.spec.name === name)
    if (i >= 0) this.secondary.splice(i, 1)
  }

  dropAllIndexes (): void {
    this.secondary = []
  }

  private build (spec: IndexSpec): Index {
    const index = new Index(spec)
    for (const [id, record] of this.records) {
      const keys = index.keysOf(record.view)
      const clash = index.conflict(keys, id)
      if (clash !== undefined) {
        const error = duplicateKeyError(this.ns, { name: spec.name, key: spec.key, fields: index.fields, collation: spec.collation }, clash.values)
        throw new CommandError(11000, 'DuplicateKey', `Index build failed: ${error.message}`, error.extra)
      }
      index.add(keys, id)
    }
    return index
  }

  private checkValid (record: StoredRecord): void {
    if (this.validate === undefined || this.options.validationLevel === 'off' || this.options.validationAction === 'warn') return
    if (!this.validate(record)) {
      throw new CommandError(121, 'DocumentValidationFailure', 'Document failed validation', {
        errInfo: { failingDocumentId: record.doc._id, details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: [] } }
      })
    }
  }

  private checkUnique (keys: ReturnType<Index['keysOf']>[], id: string): void {
    this.secondary.forEach((index, i) => {
      const clash = index.conflict(keys[i], id)
      if (clash !== undefined) throw duplicateKeyError(this.ns, { name: index.spec.name, key: index.spec.key, fields: index.fields, collation: index.spec.collation }, clash.values)
    })
  }
}

export const assertCollectionName = (name: unknown): string => {
  if (typeof name !== 'string' || name.length === 0) throw new CommandError(73, 'InvalidNamespace', `Invalid collection name: ${String(name)}`)
  if (name.includes('$') || name.startsWith('.') || name.includes('\0')) throw badValue(`Invalid collection name: ${name}`)
  return name
}
