/**
 * Query execution stages, as mongod's classic engine has them: each `work()` call does one unit of work and returns a
 * member (a record), NEED_TIME (work done, nothing to return yet) or EOF, and counts what it did — the figures explain
 * reports. A plan is a tree of stages; the root is worked until EOF or until a cursor's batch is full.
 */
import type { Collection, StoredRecord } from './collection.js'
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

export const filterField = (filter: Doc | undefined): Doc => (filter !== undefined && Object.keys(filter).length > 0 ? { filter } : {})

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
