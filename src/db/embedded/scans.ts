/**
 * The stages that read a collection: its records in natural order (COLLSCAN), an index's key ranges (IXSCAN), one
 * document by `_id` (IDHACK); and the key ranges index bounds describe, as mongod's explain prints them.
 */
import { formatInterval, isFull, type Interval } from './bounds.js'
import type { Collection } from './collection.js'
import type { Index } from './indexes.js'
import { AFTER, SEQ_BYTES, seqOfKey, skipValue } from './keys.js'
import type { Predicate } from './query.js'
import { EOF, NEED_TIME, Stage, filterField, type Result } from './stages.js'
import type { Doc } from './values.js'

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

export interface Range { low: string, high: string }

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
  ranges.sort((a, b) => index.compare(a.low, b.low))
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
      if (this.direction > 0 ? this.index.compare(key, range.high) >= 0 : this.index.compare(key, range.low) < 0) {
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
      const compare = this.index.fieldCompares[field]
      if (!ranges.some(([s, e]) => compare(segment, s) >= 0 && compare(segment, e) < 0)) return false
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
