/**
 * Query execution stages, as mongod's classic engine has them: each `work()` call does one unit of work and returns a
 * member (a record), NEED_TIME (work done, nothing to return yet) or EOF, and counts what it did — the figures explain
 * reports. A plan is a tree of stages; the root is worked until EOF or until a cursor's batch is full.
 */
import { formatInterval, isFull, type Interval } from './bounds.js'
import type { Collection, StoredRecord } from './collection.js'
import type { Index } from './indexes.js'
import { AFTER, SEQ_BYTES, seqOfKey, skipValue } from './keys.js'
import { project, type Predicate } from './query.js'
import { sortBy } from './sorting.js'
import type { Doc } from './values.js'

export interface Member { seq: number, rec?: StoredRecord, out?: Doc }
export const NEED_TIME = 1
export const EOF = 2
export type Result = Member | typeof NEED_TIME | typeof EOF

export abstract class Stage {
  abstract readonly name: string
  readonly children: Stage[] = []
  works = 0
  advanced = 0
  needTime = 0
  isEOF = false
  private timed = false
  private ms = 0

  work (): Result {
    const started = this.timed ? performance.now() : 0
    this.works++
    const r = this.step()
    if (r === NEED_TIME) this.needTime++
    else if (r === EOF) this.isEOF = true
    else this.advanced++
    if (this.timed) this.ms += performance.now() - started
    return r
  }

  protected abstract step (): Result

  /** Stage-specific fields of the plan (queryPlanner). */
  protected planFields (): Doc {
    return {}
  }

  /** Stage-specific execution counters. */
  protected statFields (): Doc {
    return {}
  }

  keysExamined (): number {
    return this.children.reduce((sum, c) => sum + c.keysExamined(), 0)
  }

  docsExamined (): number {
    return this.children.reduce((sum, c) => sum + c.docsExamined(), 0)
  }

  /** Measures time spent per stage (explain only: two clock reads per work). */
  time (): this {
    this.timed = true
    for (const child of this.children) child.time()
    return this
  }

  private inputs (of: (s: Stage) => Doc): Doc {
    if (this.children.length === 0) return {}
    return this.children.length === 1 ? { inputStage: of(this.children[0]) } : { inputStages: this.children.map(of) }
  }

  describe (): Doc {
    return { stage: this.name, ...this.planFields(), ...this.inputs((s) => s.describe()) }
  }

  stats (): Doc {
    return {
      stage: this.name,
      ...this.planFields(),
      nReturned: this.advanced,
      executionTimeMillisEstimate: Math.round(this.ms),
      works: this.works,
      advanced: this.advanced,
      needTime: this.needTime,
      needYield: 0,
      saveState: 0,
      restoreState: 0,
      isEOF: this.isEOF ? 1 : 0,
      ...this.statFields(),
      ...this.inputs((s) => s.stats())
    }
  }

  /** Stages of the tree by name (planner checks: is there a FETCH, a SORT…). */
  has (name: string): boolean {
    return this.name === name || this.children.some((c) => c.has(name))
  }
}

export class EofStage extends Stage {
  readonly name = 'EOF'
  protected step (): Result {
    return EOF
  }
}

const filterField = (filter: Doc | undefined): Doc => (filter !== undefined && Object.keys(filter).length > 0 ? { filter } : {})

export class CollScan extends Stage {
  readonly name = 'COLLSCAN'
  private seqs?: Iterator<number>
  private examined = 0

  constructor (private readonly collection: Collection, private readonly direction: 1 | -1, private readonly filter?: Predicate, private readonly filterDoc?: Doc) {
    super()
  }

  protected step (): Result {
    this.seqs ??= this.direction > 0 ? this.collection.seqs() : [...this.collection.seqs()].reverse()[Symbol.iterator]()
    const next = this.seqs.next()
    if (next.done === true) return EOF
    const rec = this.collection.record(next.value)
    if (rec === undefined) return NEED_TIME
    this.examined++
    if (this.filter !== undefined && !this.filter(rec.view)) return NEED_TIME
    return { seq: rec.seq, rec }
  }

  protected override planFields (): Doc {
    return { ...filterField(this.filterDoc), direction: this.direction > 0 ? 'forward' : 'backward' }
  }

  protected override statFields (): Doc {
    return { docsExamined: this.examined }
  }

  override docsExamined (): number {
    return this.examined
  }
}

/** Inverts the bytes of an encoding (a descending field's key space). */
const invert = (s: string): string => {
  let out = ''
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(255 - s.charCodeAt(i))
  return out
}

/** [start, end) of an interval in a field's key space (inverted, and so reversed, for a descending field). */
export function segmentRange (i: Interval, direction: 1 | -1): [string, string] {
  if (direction > 0) return [i.loInc ? i.lo : i.lo + AFTER, i.hiInc ? i.hi + AFTER : i.hi]
  return [i.hiInc ? invert(i.hi) : invert(i.hi) + AFTER, i.loInc ? invert(i.lo) + AFTER : invert(i.lo)]
}

interface Range { low: string, high: string }

/** More ranges than this and the scan keeps the later fields as per-key checks instead. */
const MAX_RANGES = 5000

export interface ScanPlan {
  ranges: Range[]
  /** Fields checked on each key (those after the field the ranges end with, whose bounds are not everything). */
  checks: Array<{ field: number, ranges: Array<[string, string]> }>
}

/** The key ranges bounds describe: every combination of leading point intervals, then one field's intervals. */
export function scanPlan (index: Index, bounds: Interval[][]): ScanPlan {
  let prefixes = ['']
  let field = 0
  for (; field < bounds.length; field++) {
    const intervals = bounds[field]
    const points = intervals.every((i) => i.point)
    if (!points || field === bounds.length - 1 || prefixes.length * intervals.length > MAX_RANGES) break
    const segments = intervals.map((i) => segmentRange(i, index.directions[field])[0])
    prefixes = prefixes.flatMap((p) => segments.map((s) => p + s))
  }
  const ranges: Range[] = []
  const last = bounds[field] ?? []
  if (prefixes.length * last.length > MAX_RANGES) {
    // Too many combinations: one range per prefix over the whole field, the field's bounds checked per key.
    for (const p of prefixes) ranges.push({ low: p, high: p + AFTER })
  } else {
    for (const p of prefixes) {
      for (const i of last) {
        const [s, e] = segmentRange(i, index.directions[field])
        ranges.push({ low: p + s, high: p + e })
      }
    }
  }
  ranges.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0))
  const from = prefixes.length * last.length > MAX_RANGES ? field : field + 1
  const checks = []
  for (let f = from; f < bounds.length; f++) {
    if (!isFull(bounds[f])) checks.push({ field: f, ranges: bounds[f].map((i) => segmentRange(i, index.directions[f])) })
  }
  return { ranges, checks }
}

/** mongod's indexBounds: field → interval strings, in scan order. */
export function formatBounds (index: Index, bounds: Interval[][], direction: 1 | -1): Doc {
  const out: Doc = {}
  index.fields.forEach((field, f) => {
    const reversed = index.directions[f] * direction < 0
    const list = bounds[f].map((i) => formatInterval(i, reversed))
    out[field] = reversed ? list.reverse() : list
  })
  return out
}

export function indexFields (index: Index): Doc {
  const multiKeyPaths: Doc = {}
  index.fields.forEach((field, i) => { multiKeyPaths[field] = [...index.multikeyPaths[i]] })
  return {
    keyPattern: index.spec.key,
    indexName: index.name,
    isMultiKey: index.multikey,
    multiKeyPaths,
    isUnique: index.unique,
    isSparse: index.sparse,
    isPartial: index.partial !== undefined,
    indexVersion: 2
  }
}

export class IndexScan extends Stage {
  readonly name = 'IXSCAN'
  readonly plan: ScanPlan
  private range = -1
  private iter?: Iterator<[string, undefined]>
  private lastKey?: string
  private version = 0
  private readonly reused: [string, undefined] = ['', undefined]
  private readonly seen?: Set<number>
  examined = 0
  seeks = 0
  dupsTested = 0
  dupsDropped = 0

  constructor (readonly index: Index, readonly bounds: Interval[][], readonly direction: 1 | -1) {
    super()
    this.plan = scanPlan(index, bounds)
    if (index.multikey) this.seen = new Set()
  }

  private current (): Range {
    const ranges = this.plan.ranges
    return ranges[this.direction > 0 ? this.range : ranges.length - 1 - this.range]
  }

  /** Positions the tree iterator at the current range, or just past the last key when the index changed meanwhile. */
  private seek (): void {
    const tree = this.index.tree
    const range = this.current()
    this.iter = this.direction > 0
      ? tree.entries(this.lastKey ?? range.low, this.reused)
      : tree.entriesReversed(this.lastKey ?? range.high, this.reused, this.lastKey !== undefined)
    this.version = this.index.version
  }

  protected step (): Result {
    for (;;) {
      if (this.iter === undefined) {
        if (this.range >= this.plan.ranges.length - 1) {
          this.range = this.plan.ranges.length
          return EOF
        }
        this.range++
        this.lastKey = undefined
        this.seeks++
        this.seek()
      } else if (this.version !== this.index.version) {
        this.seek()
      }
      const range = this.current()
      const next = (this.iter as Iterator<[string, undefined]>).next()
      if (next.done === true) {
        this.iter = undefined
        continue
      }
      const key = next.value[0]
      if (key === this.lastKey) continue
      if (this.direction > 0 ? key >= range.high : key < range.low) {
        this.iter = undefined
        continue
      }
      this.lastKey = key
      this.examined++
      if (this.plan.checks.length > 0 && !this.passes(key)) return NEED_TIME
      const seq = seqOfKey(key)
      if (this.seen !== undefined) {
        this.dupsTested++
        if (this.seen.has(seq)) {
          this.dupsDropped++
          return NEED_TIME
        }
        this.seen.add(seq)
      }
      return { seq }
    }
  }

  /** The fields after the scanned ranges, checked on the key's own bytes. */
  private passes (key: string): boolean {
    const starts: number[] = []
    let pos = 0
    const needed = this.plan.checks[this.plan.checks.length - 1].field
    for (let f = 0; f <= needed && pos < key.length - SEQ_BYTES; f++) {
      starts.push(pos)
      pos = skipValue(key, pos, this.index.directions[f] < 0)
    }
    starts.push(pos)
    for (const { field, ranges } of this.plan.checks) {
      const segment = key.slice(starts[field], starts[field + 1])
      if (!ranges.some(([s, e]) => segment >= s && segment < e)) return false
    }
    return true
  }

  protected override planFields (): Doc {
    return { ...indexFields(this.index), direction: this.direction > 0 ? 'forward' : 'backward', indexBounds: formatBounds(this.index, this.bounds, this.direction) }
  }

  protected override statFields (): Doc {
    return { keysExamined: this.examined, seeks: this.seeks, dupsTested: this.dupsTested, dupsDropped: this.dupsDropped }
  }

  override keysExamined (): number {
    return this.examined
  }
}

export class Fetch extends Stage {
  readonly name = 'FETCH'
  private examined = 0

  constructor (private readonly collection: Collection, child: Stage, private readonly filter?: Predicate, private readonly filterDoc?: Doc) {
    super()
    this.children.push(child)
  }

  protected step (): Result {
    const r = this.children[0].work()
    if (typeof r === 'number') return r
    const rec = r.rec ?? this.collection.record(r.seq)
    if (rec === undefined) return NEED_TIME
    this.examined++
    if (this.filter !== undefined && !this.filter(rec.view)) return NEED_TIME
    return { seq: r.seq, rec }
  }

  protected override planFields (): Doc {
    return filterField(this.filterDoc)
  }

  protected override statFields (): Doc {
    return { docsExamined: this.examined, alreadyHasObj: 0 }
  }

  override docsExamined (): number {
    return this.examined + super.docsExamined()
  }
}

export class IdHack extends Stage {
  readonly name = 'IDHACK'
  private done = false
  private keys = 0
  private docs = 0

  constructor (private readonly collection: Collection, private readonly id: unknown) {
    super()
  }

  protected step (): Result {
    if (this.done) return EOF
    this.done = true
    const seq = this.collection.idIndex.seqWith(this.collection.idIndex.prefixOf([this.id]))
    if (seq === undefined) return EOF
    this.keys++
    const rec = this.collection.record(seq)
    if (rec === undefined) return EOF
    this.docs++
    return { seq, rec }
  }

  protected override statFields (): Doc {
    return { keysExamined: this.keys, docsExamined: this.docs }
  }

  override keysExamined (): number {
    return this.keys
  }

  override docsExamined (): number {
    return this.docs
  }
}

const MEM_LIMIT = 100 * 1024 * 1024

export class Sort extends Stage {
  readonly name = 'SORT'
  private buffer: Member[] = []
  private sorted?: Member[]
  private position = 0
  private bytes = 0

  constructor (child: Stage, private readonly pattern: Doc, private readonly limit: number) {
    super()
    this.children.push(child)
  }

  private order (members: Member[]): Member[] {
    return sortBy(members, this.pattern, (m) => (m.rec as StoredRecord).view)
  }

  protected step (): Result {
    if (this.sorted === undefined) {
      const r = this.children[0].work()
      if (r === NEED_TIME) return NEED_TIME
      if (r === EOF) {
        this.sorted = this.limit > 0 ? this.order(this.buffer).slice(0, this.limit) : this.order(this.buffer)
        this.buffer = []
        return NEED_TIME
      }
      this.bytes += r.out === undefined ? 0 : 1
      this.buffer.push(r)
      // A top-k sort keeps at most 2k members between trims.
      if (this.limit > 0 && this.buffer.length >= 2 * this.limit + 64) this.buffer = this.order(this.buffer).slice(0, this.limit)
      return NEED_TIME
    }
    if (this.position >= this.sorted.length) return EOF
    return this.sorted[this.position++]
  }

  protected override planFields (): Doc {
    return { sortPattern: this.pattern, memLimit: MEM_LIMIT, ...(this.limit > 0 ? { limitAmount: this.limit } : {}), type: 'simple' }
  }

  protected override statFields (): Doc {
    return { totalDataSizeSorted: this.bytes, usedDisk: false, spills: 0, spilledDataStorageSize: 0 }
  }
}

export class Limit extends Stage {
  readonly name = 'LIMIT'
  private returned = 0

  constructor (child: Stage, private readonly limit: number) {
    super()
    this.children.push(child)
  }

  protected step (): Result {
    if (this.returned >= this.limit) return EOF
    const r = this.children[0].work()
    if (typeof r !== 'number') this.returned++
    return r
  }

  protected override planFields (): Doc {
    return { limitAmount: this.limit }
  }
}

export class Skip extends Stage {
  readonly name = 'SKIP'
  private skipped = 0

  constructor (child: Stage, private readonly skip: number) {
    super()
    this.children.push(child)
  }

  protected step (): Result {
    const r = this.children[0].work()
    if (typeof r === 'number') return r
    if (this.skipped < this.skip) {
      this.skipped++
      return NEED_TIME
    }
    return r
  }

  protected override planFields (): Doc {
    return { skipAmount: this.skip }
  }
}

/** Top-level inclusion or exclusion of plain fields only: projected without mingo. */
export function isSimpleProjection (spec: Doc): boolean {
  const entries = Object.entries(spec)
  if (entries.some(([k, v]) => k.includes('.') || k.startsWith('$') || !(typeof v === 'number' || typeof v === 'boolean'))) return false
  const kinds = new Set(entries.filter(([k]) => k !== '_id').map(([, v]) => Boolean(v)))
  return kinds.size <= 1
}

function simpleProject (doc: Doc, spec: Doc): Doc {
  const keys = Object.keys(spec)
  const inclusion = keys.some((k) => k !== '_id' && Boolean(spec[k]))
  const out: Doc = {}
  if (inclusion || (keys.length === 1 && keys[0] === '_id' && Boolean(spec._id))) {
    for (const k of Object.keys(doc)) if ((k === '_id' ? spec._id === undefined || Boolean(spec._id) : Boolean(spec[k]))) out[k] = doc[k]
    return out
  }
  for (const k of Object.keys(doc)) if (spec[k] === undefined || Boolean(spec[k])) out[k] = doc[k]
  return out
}

export class Projection extends Stage {
  readonly name: string
  private readonly simple: boolean

  constructor (child: Stage, private readonly spec: Doc) {
    super()
    this.children.push(child)
    this.simple = isSimpleProjection(spec)
    this.name = this.simple ? 'PROJECTION_SIMPLE' : 'PROJECTION_DEFAULT'
  }

  protected step (): Result {
    const r = this.children[0].work()
    if (typeof r === 'number') return r
    const doc = (r.rec as StoredRecord).doc
    return { seq: r.seq, rec: r.rec, out: this.simple ? simpleProject(doc, this.spec) : project([doc], this.spec)[0] }
  }

  protected override planFields (): Doc {
    return { transformBy: this.spec }
  }
}

/** The count command's root: counts what its input returns (after skip, up to limit). */
export class Count extends Stage {
  readonly name = 'COUNT'
  counted = 0
  private skipped = 0

  constructor (child: Stage, private readonly skip: number, private readonly limit: number) {
    super()
    this.children.push(child)
  }

  protected step (): Result {
    if (this.limit > 0 && this.counted >= this.limit) return EOF
    const r = this.children[0].work()
    if (r === EOF) return EOF
    if (r !== NEED_TIME) {
      if (this.skipped < this.skip) this.skipped++
      else this.counted++
    }
    return NEED_TIME
  }

  protected override statFields (): Doc {
    return { nCounted: this.counted, nSkipped: this.skipped }
  }
}

/** Counts the keys of one index range without reading documents. */
export class CountScan extends Stage {
  readonly name = 'COUNT_SCAN'
  private iter?: Iterator<string>
  private examined = 0
  private readonly range: Range

  constructor (readonly index: Index, readonly bounds: Interval[][]) {
    super()
    this.range = scanPlan(index, bounds).ranges[0]
  }

  protected step (): Result {
    this.iter ??= this.index.tree.keys(this.range.low)
    const next = this.iter.next()
    if (next.done === true || next.value >= this.range.high) return EOF
    this.examined++
    return { seq: seqOfKey(next.value) }
  }

  protected override planFields (): Doc {
    const startKey: Doc = {}
    const endKey: Doc = {}
    this.index.fields.forEach((field, f) => {
      const i = this.bounds[f][0]
      const [lo, hi, loInc, hiInc] = this.index.directions[f] > 0 ? [i.loValue, i.hiValue, i.loInc, i.hiInc] : [i.hiValue, i.loValue, i.hiInc, i.loInc]
      startKey[field] = lo
      endKey[field] = hi
      if (f === 0) {
        startKey.__inclusive = loInc
        endKey.__inclusive = hiInc
      }
    })
    const { __inclusive: startKeyInclusive, ...start } = startKey
    const { __inclusive: endKeyInclusive, ...end } = endKey
    return { ...indexFields(this.index), indexBounds: { startKey: start, startKeyInclusive, endKey: end, endKeyInclusive } }
  }

  protected override statFields (): Doc {
    return { keysExamined: this.examined }
  }

  override keysExamined (): number {
    return this.examined
  }
}

/** The count of a whole collection (no query): read from the collection's size. */
export class FastCount extends Stage {
  readonly name = 'RECORD_STORE_FAST_COUNT'
  counted = -1

  constructor (private readonly collection: Collection, private readonly skip: number, private readonly limit: number) {
    super()
  }

  protected step (): Result {
    const n = Math.max(0, this.collection.size - this.skip)
    this.counted = this.limit > 0 ? Math.min(n, this.limit) : n
    return EOF
  }

  protected override statFields (): Doc {
    return { nCounted: Math.max(0, this.counted), nSkipped: 0 }
  }
}

/** Distinct values of one index field: one seek per value, past every other key holding it. */
export class DistinctScan extends Stage {
  readonly name = 'DISTINCT_SCAN'
  private position?: string
  private examined = 0
  private readonly range: Range

  constructor (private readonly collection: Collection, readonly index: Index, readonly bounds: Interval[][], private readonly field: number) {
    super()
    this.range = scanPlan(index, bounds.slice(0, field + 1).concat(bounds.slice(field + 1).map((b) => b))).ranges[0]
  }

  protected step (): Result {
    const from = this.position ?? this.range.low
    const key = this.index.tree.nextHigherKey(from === this.range.low ? from : from)
    if (key === undefined || key >= this.range.high) return EOF
    this.examined++
    let pos = 0
    for (let f = 0; f <= this.field; f++) pos = skipValue(key, pos, this.index.directions[f] < 0)
    this.position = key.slice(0, pos) + AFTER
    const seq = seqOfKey(key)
    const rec = this.collection.record(seq)
    return rec === undefined ? NEED_TIME : { seq, rec }
  }

  protected override planFields (): Doc {
    return { ...indexFields(this.index), direction: 'forward', indexBounds: formatBounds(this.index, this.bounds, 1) }
  }

  protected override statFields (): Doc {
    return { keysExamined: this.examined }
  }

  override keysExamined (): number {
    return this.examined
  }
}

/** Runs a stage to EOF, collecting what it returns. */
export function drain (root: Stage): Member[] {
  const out: Member[] = []
  for (;;) {
    const r = root.work()
    if (r === EOF) return out
    if (r !== NEED_TIME) out.push(r)
  }
}

/** What a find plan returns, one document at a time, as a cursor asks for them. */
export function documentsOf (root: Stage): { next (): Doc | undefined } {
  return {
    next: () => {
      for (;;) {
        const r = root.work()
        if (r === EOF) return undefined
        if (r !== NEED_TIME) return r.out ?? (r.rec as StoredRecord).doc
      }
    }
  }
}
