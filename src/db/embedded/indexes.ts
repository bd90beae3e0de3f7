import { activeCollation, canonicalValue, holdsString, storedCollation, type Canonicalizer, type Collation } from './collation.js'
import { keyOf } from './keys.js'
import { CommandError } from './errors.js'
import { compileFilter } from './query.js'
import { isPlainObject, resolvePath, type Doc } from './values.js'

export interface IndexSpec extends Doc {
  v: number
  key: Doc
  name: string
  unique?: boolean
  sparse?: boolean
  partialFilterExpression?: Doc
}

/** One key of one document: the key of every prefix of the index's fields (the last is the whole key). */
interface IndexKey { key: string; prefixes: string[]; values: unknown[] }

/**
 * The ids holding one key: a bare id while it is the only one (most keys of an index whose fields end in a unique value,
 * such as `_id`), a Set once there are more. Keeping a Set per document per level cost about 3 KB per document
 * for an interactions collection with nine indexes.
 */
type Ids = string | Set<string>

const sizeOf = (ids: Ids): number => (typeof ids === 'string' ? 1 : ids.size)
const idList = (ids: Ids): Iterable<string> => (typeof ids === 'string' ? [ids] : ids)

/** Candidates an index offers for a filter: how many, and (on demand) which. */
export interface IndexPlan { size: number; ids: () => Set<string> }

/**
 * Length-prefixed, so concatenated parts never collide. Stored keys are built with `join`, which gives flat strings:
 * `+` and template literals give V8 cons strings, which a Map keeps as they are (about 30 bytes more per key, per level).
 */
const part = (value: unknown): string => {
  const key = keyOf(value)
  return [key.length, ':', key].join('')
}

const MAX_LOOKUP_KEYS = 1000

/** A secondary index: index key → ids of the documents holding it. */
export class Index {
  readonly spec: IndexSpec
  readonly fields: string[]
  private readonly paths: string[][]
  readonly unique: boolean
  /** Only ascending/descending keys are maintained; text, 2dsphere… indexes are kept as specs. */
  readonly maintained: boolean
  private readonly partial?: (view: Doc) => boolean
  /** The index's collation: its keys hold each string as the first equal string it met (collation.ts). */
  readonly collation?: Collation
  private readonly canon?: Canonicalizer
  /**
   * levels[k - 1]: key of the first k fields → ids. The last level is the whole key (uniqueness);
   * the others let equality on any leading prefix read only the documents that match it.
   */
  private readonly levels: Array<Map<string, Ids>>

  constructor (spec: IndexSpec) {
    this.spec = spec
    this.fields = Object.keys(spec.key)
    this.paths = this.fields.map((field) => field.split('.'))
    this.levels = this.fields.map(() => new Map())
    this.unique = spec.unique === true
    this.maintained = Object.values(spec.key).every((v) => typeof v === 'number')
    if (isPlainObject(spec.partialFilterExpression)) this.partial = compileFilter(spec.partialFilterExpression)
    this.collation = storedCollation(spec.collation)
    this.canon = this.collation?.canonicalizer()
  }

  /** The part of a key for one value: under a collation, equal strings share it. */
  private keyPart (value: unknown): string {
    return part(this.canon === undefined ? value : canonicalValue(value, this.canon))
  }

  /**
   * True when the index's keys can answer equality on `values` under the query's collation:
   * no string is involved, the collations are the same, or the query is simple (a collated
   * index then offers a superset, which the filter narrows).
   */
  usableFor (values: unknown[], collation: Collation | undefined): boolean {
    return collation === undefined || collation.id === this.collation?.id || !values.some(holdsString)
  }

  /** True when the index holds every document, so an equality on its first field can use it. */
  get complete (): boolean {
    return this.maintained && this.spec.sparse !== true && this.partial === undefined
  }

  keysOf (view: Doc): IndexKey[] {
    if (!this.maintained) return []
    if (this.partial !== undefined && !this.partial(view)) return []
    const perField = this.paths.map((path) => {
      const values = resolvePath(view, path)
      if (values.length === 1 && !Array.isArray(values[0])) return values
      const expanded = values.flatMap((v) => (Array.isArray(v) ? (v.length === 0 ? [undefined] : v) : [v]))
      return expanded.length === 0 ? [undefined] : expanded
    })
    if (this.spec.sparse === true && perField.every((values) => values.every((v) => v === undefined))) return []
    if (perField.length === 1 && perField[0].length === 1) {
      const key = this.keyPart(perField[0][0])
      return [{ key, prefixes: [key], values: perField[0] }]
    }
    let combos: unknown[][] = [[]]
    for (const values of perField) combos = combos.flatMap((combo) => values.map((v) => [...combo, v]))
    const out = new Map<string, IndexKey>()
    for (const values of combos) {
      const parts = values.map((v) => this.keyPart(v))
      const prefixes = parts.map((_, k) => parts.slice(0, k + 1).join(''))
      const key = prefixes[prefixes.length - 1]
      out.set(key, { key, prefixes, values })
    }
    return [...out.values()]
  }

  /** The first key another document already holds, if this index is unique. */
  conflict (keys: IndexKey[], ownId: string): IndexKey | undefined {
    if (!this.unique) return undefined
    for (const k of keys) {
      const ids = this.levels[this.levels.length - 1].get(k.key)
      if (ids === undefined) continue
      for (const id of idList(ids)) if (id !== ownId) return k
    }
    return undefined
  }

  add (keys: IndexKey[], id: string): void {
    for (const { prefixes } of keys) prefixes.forEach((prefix, i) => addTo(this.levels[i], prefix, id))
  }

  remove (keys: IndexKey[], id: string): void {
    for (const { prefixes } of keys) prefixes.forEach((prefix, i) => removeFrom(this.levels[i], prefix, id))
  }

  /**
   * Candidates for equality constraints (field → accepted values) on the longest constrained
   * prefix of this index's fields; undefined when its first field is unconstrained.
   */
  plan (constraints: Map<string, unknown[]>, collation: Collation | undefined = activeCollation()): IndexPlan | undefined {
    let keys = ['']
    let depth = 0
    const lookupPart = (v: unknown): string => part(this.canon === undefined ? v : canonicalValue(v, this.canon.peek))
    for (const field of this.fields) {
      const values = constraints.get(field)
      if (values === undefined || keys.length * values.length > MAX_LOOKUP_KEYS || !this.usableFor(values, collation)) break
      keys = keys.flatMap((prefix) => values.map((v) => prefix + lookupPart(v)))
      depth++
    }
    if (depth === 0) return undefined
    const level = this.levels[depth - 1]
    const found = [...new Set(keys)].flatMap((key) => {
      const ids = level.get(key)
      return ids === undefined ? [] : [ids]
    })
    return {
      size: found.reduce((sum, ids) => sum + sizeOf(ids), 0),
      ids: () => (found.length === 1 && typeof found[0] !== 'string' ? found[0] : new Set(found.flatMap((ids) => [...idList(ids)])))
    }
  }
}

function addTo (map: Map<string, Ids>, key: string, id: string): void {
  const ids = map.get(key)
  if (ids === undefined) map.set(key, id)
  else if (typeof ids !== 'string') ids.add(id)
  else if (ids !== id) map.set(key, new Set([ids, id]))
}

function removeFrom (map: Map<string, Ids>, key: string, id: string): void {
  const ids = map.get(key)
  if (ids === undefined) return
  if (typeof ids === 'string') {
    if (ids === id) map.delete(key)
    return
  }
  ids.delete(id)
  if (ids.size === 0) map.delete(key)
}

export function duplicateKeyError (ns: string, index: { name: string; key: Doc; fields: string[]; collation?: unknown }, values: unknown[]): CommandError {
  const keyValue: Doc = {}
  index.fields.forEach((field, i) => { keyValue[field] = values[i] === undefined ? null : values[i] })
  const shown = index.fields.map((field) => `${field}: ${formatValue(keyValue[field])}`).join(', ')
  const collation = index.collation === undefined ? '' : ` collation: ${formatValue(index.collation)}`
  return new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${index.name}${collation} dup key: { ${shown} }`, {
    keyPattern: index.key,
    keyValue
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
