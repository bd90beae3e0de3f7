/**
 * The stages of the count and distinct commands: COUNT over a plan, COUNT_SCAN over one index range without reading
 * documents, RECORD_STORE_FAST_COUNT for a whole collection, and DISTINCT_SCAN, one seek per distinct value.
 */
import type { Interval } from './bounds.js'
import type { Collection } from './collection.js'
import type { Index } from './indexes.js'
import { AFTER, seqOfKey, skipValue } from './keys.js'
import { formatBounds, indexFields, scanPlan, type Range } from './scans.js'
import { EOF, NEED_TIME, Stage, type Result } from './stages.js'
import type { Doc } from './values.js'

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
    if (next.done === true || this.index.compare(next.value, this.range.high) >= 0) return EOF
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
    if (key === undefined || this.index.compare(key, this.range.high) >= 0) return EOF
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
