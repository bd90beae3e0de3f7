/**
 * The query planner: for a filter (and sort, skip, limit, projection, hint) it builds one candidate plan per index
 * whose bounds it can use or whose order gives the sort, runs the candidates side by side for a trial as mongod's
 * multi-planner does (until one returns 101 documents or ends, or 10,000 rounds), and picks the most productive:
 * results per unit of work, a plan that finished first, then one without a blocking sort. No usable index: a
 * collection scan. `_id` equality alone: IDHACK.
 */
import { fullBounds, intersect, isFull, type Interval } from './bounds.js'
import type { Collection, StoredRecord } from './collection.js'
import { CommandError } from './errors.js'
import type { Index } from './indexes.js'
import { AFTER, TAG } from './keys.js'
import { activeCollation, holdsString } from './collation.js'
import { idEquality, pinnedUnique, sameCollation } from './pinned.js'
import { cachedWinner, rememberWinner, shapeOf } from './plan-cache.js'
import { analyze, residual, type Atom, type Conjunct } from './predicates.js'
import { compileFilter, type Predicate } from './query.js'
import { Count, CountScan, DistinctScan, FastCount } from './counting.js'
import { CollScan, IdHack, IndexScan, scanPlan } from './scans.js'
import { EofStage, Fetch, Limit, NEED_TIME, EOF, Projection, Skip, Sort, type Stage } from './stages.js'
import { isPlainObject, type Doc } from './values.js'

export interface QueryRequest {
  /** Evaluation form. */
  filter: Doc
  variables?: Doc
  sort?: Doc
  projection?: Doc
  skip?: number
  /** > 0: at most that many. */
  limit?: number
  hint?: unknown
  /** What the plan feeds: documents (find, updates, deletes), a count, or distinct values of a field. */
  purpose?: 'find' | 'count' | { distinct: string }
  /** Plan afresh, without the plan cache (explain: every candidate is tried and shown). */
  fresh?: boolean
}

export interface Plan {
  /** The winning plan, fresh (not yet worked). */
  root: Stage
  /** Every candidate as the trial left it (the winner first), for explain. */
  candidates: Stage[]
  /** Index names the winner scans. */
  indexes: string[]
  /** What the parsed query is shown as. */
  parsed: Doc
}

const TRIAL_RESULTS = 101
const TRIAL_WORKS = 10_000

interface Candidate {
  index?: Index
  build: () => Stage
  providesSort: boolean
}


/** Intervals that reach into strings (or documents and arrays holding them): no use from an index of another collation. */
const touchesStrings = (i: Interval): boolean => {
  const start = i.loInc ? i.lo : i.lo + AFTER
  const end = i.hiInc ? i.hi + AFTER : i.hi
  return start < String.fromCharCode(TAG.binData) && end > String.fromCharCode(TAG.string)
}

interface Binding {
  bounds: Interval[][]
  covered: Set<Conjunct>
}

/** The bounds the conjuncts give each field of the index; which conjuncts the index answers exactly. */
function bind (index: Index, conjuncts: Conjunct[], stringsUsable: boolean): Binding {
  const used = new Set<Atom>()
  const bounds = index.fields.map((field, f) => {
    let atoms = conjuncts.flatMap((c) => c.atoms.filter((a) => a.path === field))
    if (!stringsUsable) atoms = atoms.filter((a) => !a.bounds.intervals.some(touchesStrings))
    if (atoms.length === 0) return fullBounds().intervals
    if (index.multikeyPaths[f].size > 0) {
      // Each atom may be met by a different element of the array: keep one (an equality if there is one).
      const chosen = atoms.find((a) => a.equality) ?? atoms[0]
      used.add(chosen)
      return chosen.bounds.intervals
    }
    for (const a of atoms) used.add(a)
    return atoms.map((a) => a.bounds.intervals).reduce((a, b) => intersect(a, b))
  })
  const covered = new Set(conjuncts.filter((c) => c.complete && c.atoms.length > 0 && c.atoms.every((a) => used.has(a) && a.bounds.tight)))
  return { bounds, covered }
}

const contains = (outer: Interval[], inner: Interval[]): boolean => inner.every((i) => outer.some((o) =>
  (o.loInc ? o.lo : o.lo + AFTER) <= (i.loInc ? i.lo : i.lo + AFTER) && (i.hiInc ? i.hi + AFTER : i.hi) <= (o.hiInc ? o.hi + AFTER : o.hi)))

const IMPLIED_OPS = new Set(['$eq', '$in', '$gt', '$gte', '$lt', '$lte', '$exists', '$type'])

/** True when every document the filter matches is in the partial index: each of its conditions is implied by one of the query's. */
function impliesPartial (conjuncts: Conjunct[], expression: Doc): boolean {
  const queryAtoms = conjuncts.flatMap((c) => c.atoms)
  return analyze(expression).every((pc) => pc.complete && pc.atoms.every((pa) => {
    if (!IMPLIED_OPS.has(pa.op)) return false
    const exists = pa.op === '$exists' && isFull(pa.bounds.intervals)
    return queryAtoms.some((qa) => qa.path === pa.path && (exists ? qa.excludesMissing : contains(pa.bounds.intervals, qa.bounds.intervals)))
  }))
}

/** A sparse index holds every document the query can match when some indexed field's condition excludes missing values. */
const sparseUsable = (index: Index, conjuncts: Conjunct[]): boolean =>
  conjuncts.some((c) => c.atoms.some((a) => a.excludesMissing && index.fields.includes(a.path)))

/** The direction that gives the sort from the index's order, if one does. */
function sortDirection (index: Index, bounds: Interval[][], sort: Doc, conjuncts: Conjunct[]): 1 | -1 | undefined {
  const wanted = Object.entries(sort)
  if (wanted.length === 0) return 1
  const pointed = new Set(conjuncts.flatMap((c) => c.atoms.filter((a) => a.equality).map((a) => a.path)))
  let direction: 1 | -1 | undefined
  let f = 0
  for (const [field, dir] of wanted) {
    if (isPlainObject(dir)) return undefined
    const want = Number(dir) < 0 ? -1 : 1
    while (f < index.fields.length && index.fields[f] !== field && bounds[f].length === 1 && bounds[f][0].point) f++
    if (f >= index.fields.length || index.fields[f] !== field) {
      if (pointed.has(field)) continue
      return undefined
    }
    if (index.multikeyPaths[f].size > 0) return undefined
    const d = (index.directions[f] * want) as 1 | -1
    if (direction !== undefined && d !== direction) return undefined
    direction = d
    f++
  }
  return direction ?? 1
}

function hintedIndex (collection: Collection, hint: unknown): Index | 'natural' | undefined {
  if (hint === undefined || hint === null) return undefined
  if (typeof hint === 'string') {
    const found = collection.indexes().find((i) => i.name === hint)
    if (found === undefined) throw badHint()
    return found
  }
  if (!isPlainObject(hint)) throw badHint()
  if (Object.keys(hint).length === 0) return undefined
  if ('$natural' in hint) return 'natural'
  const keys = Object.keys(hint)
  const found = collection.indexes().find((i) => i.fields.length === keys.length && i.fields.every((f, n) => f === keys[n] && i.directions[n] === (Number(hint[f]) < 0 ? -1 : 1)))
  if (found === undefined) throw badHint()
  return found
}

const badHint = (): CommandError => new CommandError(2, 'BadValue', 'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index')

/** Sort, skip, limit and projection over a stage returning documents. */
function finish (node: Stage, request: QueryRequest, sortDone: boolean): Stage {
  const skip = request.skip ?? 0
  const limit = request.limit ?? 0
  const sort = request.sort !== undefined && Object.keys(request.sort).length > 0 ? request.sort : undefined
  let out = node
  if (sort !== undefined && !sortDone) out = new Sort(out, sort, limit > 0 ? skip + limit : 0)
  if (skip > 0) out = new Skip(out, skip)
  if (limit > 0) out = new Limit(out, limit)
  if (request.projection !== undefined && Object.keys(request.projection).length > 0) out = new Projection(out, request.projection)
  return out
}

/** Works the candidates in turn; the index of the winner. */
function trial (stages: Stage[], collectionSize: number): number {
  const results = stages.map(() => 0)
  const rounds = Math.max(TRIAL_WORKS, Math.ceil(collectionSize * 0.3))
  let stop = false
  for (let round = 0; round < rounds && !stop; round++) {
    for (let i = 0; i < stages.length; i++) {
      const r = stages[i].isEOF ? EOF : stages[i].work()
      if (r === EOF) stop = true
      else if (r !== NEED_TIME && ++results[i] >= TRIAL_RESULTS) stop = true
    }
  }
  let best = 0
  let bestScore = -1
  stages.forEach((s, i) => {
    const productivity = s.works === 0 ? 0 : s.advanced / s.works
    const score = 1 + productivity + (s.isEOF ? 1 : 0) + (s.has('SORT') ? 0 : 1e-4) + (s.has('FETCH') ? 0 : 1e-4)
    if (score > bestScore) {
      bestScore = score
      best = i
    }
  })
  return best
}

/** Plans a query over a collection (undefined: no such collection, an EOF plan). */
export function planQuery (collection: Collection | undefined, request: QueryRequest): Plan {
  const parsed = request.filter
  if (collection === undefined) return { root: new EofStage(), candidates: [], indexes: [], parsed }
  const purpose = request.purpose ?? 'find'
  const filter = request.filter
  const conjuncts = analyze(filter, request.variables)
  // Residual filters by the conjuncts they keep, each compiled once per query.
  const predicates = new Map<string, Predicate | undefined>()
  const predicateFor = (doc: Doc, key: string): Predicate | undefined => {
    if (Object.keys(doc).length === 0) return undefined
    if (!predicates.has(key)) predicates.set(key, compileFilter(doc, request.variables))
    return predicates.get(key)
  }
  const shape: QueryRequest = purpose === 'find' ? request : { filter, variables: request.variables }
  const sort = request.sort !== undefined && Object.keys(request.sort).length > 0 ? request.sort : undefined
  const hinted = hintedIndex(collection, request.hint)
  const collscan = (direction: 1 | -1): Candidate => ({
    build: () => finish(new CollScan(collection, direction, predicateFor(filter, 'all'), filter), shape, false),
    providesSort: false
  })

  if (purpose === 'count' && Object.keys(filter).length === 0 && hinted === undefined) {
    return { root: new FastCount(collection, request.skip ?? 0, request.limit ?? 0), candidates: [], indexes: [], parsed }
  }
  const natural = sort !== undefined && Object.keys(sort).length === 1 && sort.$natural !== undefined
  if (hinted === 'natural' || natural) {
    const direction = Number((natural ? sort : request.hint as Doc).$natural) < 0 ? -1 : 1
    const c = collscan(direction)
    return { root: wrap(c.build(), request), candidates: [], indexes: [], parsed }
  }
  // The query's collation (the running command's): an index of another collation answers no string bounds and no sort.
  const collation = activeCollation()
  if (hinted === undefined && sort === undefined && (request.skip ?? 0) === 0 && purpose === 'find') {
    const id = idEquality(filter)
    if (id !== undefined && (sameCollation(collection.idIndex, collation) || !holdsString(id.value))) return { root: finish(new IdHack(collection, id.value), request, true), candidates: [], indexes: ['_id_'], parsed }
  }

  if (purpose === 'find' && hinted === undefined && sort === undefined && (request.skip ?? 0) === 0 && request.variables === undefined) {
    const quick = pinnedUnique(collection, filter, collation)
    if (quick !== undefined) return { root: wrap(finish(quick.stage, shape, true), request), candidates: [quick.stage], indexes: [quick.index], parsed }
  }
  /** The candidate an index gives the query, and whether it is pinned (then nothing can do better); undefined if none. */
  const candidateFor = (index: Index): { candidate: Candidate, pinned: boolean } | undefined => {
    if (!index.maintained) return undefined
    if (index.partial !== undefined && !impliesPartial(conjuncts, index.spec.partialFilterExpression as Doc)) {
      if (hinted !== undefined) throw badHint()
      return undefined
    }
    if (index.sparse && hinted === undefined && !sparseUsable(index, conjuncts)) return undefined
    const usable = sameCollation(index, collation)
    const { bounds, covered } = bind(index, conjuncts, usable)
    const direction = sort === undefined ? 1 : usable ? sortDirection(index, bounds, sort, conjuncts) : undefined
    const bounded = bounds.some((b) => !isFull(b))
    if (hinted === undefined && !bounded && (sort === undefined || direction === undefined)) return undefined
    const rest = residual(conjuncts, covered)
    const restKey = conjuncts.map((c) => (covered.has(c) ? '1' : '0')).join('')
    const needDocs = purpose === 'find' || Object.keys(rest).length > 0
    // A unique index pinned to single values on every field reads at most one key per value: nothing can do better.
    const pinned = hinted === undefined && index.unique && bounds.every((b) => b.length > 0 && b.every((i) => i.point)) && (sort === undefined || direction !== undefined)
    return {
      pinned,
      candidate: {
        index,
        providesSort: sort === undefined || direction !== undefined,
        build: () => {
          const scan = new IndexScan(index, bounds, direction ?? 1)
          const node = needDocs ? new Fetch(collection, scan, predicateFor(rest, restKey), rest) : scan
          return finish(node, shape, sort === undefined || direction !== undefined)
        }
      }
    }
  }
  // A shape the cache holds had several candidates and no pinned one when it was planned (which a shape, not its values,
  // decides): only the winner's index is bound again, and used if it still serves these values (a partial index may not).
  const cacheKey = hinted === undefined && request.fresh !== true ? planShape(request, collation?.id) : undefined
  if (cacheKey !== undefined) {
    const name = cachedWinner(collection, cacheKey)
    const index = name === undefined ? undefined : collection.indexes().find((i) => i.name === name)
    const cached = index === undefined ? undefined : candidateFor(index)
    if (cached !== undefined && !cached.pinned) return { root: wrap(cached.candidate.build(), request), candidates: [], indexes: [name as string], parsed }
  }
  const candidates: Candidate[] = []
  for (const index of collection.indexes()) {
    if (hinted !== undefined && index !== hinted) continue
    const considered = candidateFor(index)
    if (considered === undefined) continue
    if (considered.pinned) {
      candidates.length = 0
      candidates.push(considered.candidate)
      break
    }
    candidates.push(considered.candidate)
  }
  if (candidates.length === 0) candidates.push(collscan(1))
  let stages = candidates.map((c) => c.build())
  let winner = 0
  if (candidates.length > 1) winner = trial(stages, collection.size)
  const chosen = candidates[winner]
  if (cacheKey !== undefined && candidates.length > 1 && chosen.index !== undefined) rememberWinner(collection, cacheKey, chosen.index.name)
  stages = [stages[winner], ...stages.filter((_, i) => i !== winner)]
  return { root: wrap(chosen.build(), request), candidates: stages, indexes: chosen.index === undefined ? [] : [chosen.index.name], parsed }
}

/** The plan cache's key: what decides which candidates there are and which wins, values aside (src/db/embedded/plan-cache.ts). */
function planShape (request: QueryRequest, collation: string | undefined): string {
  const purpose = request.purpose ?? 'find'
  return [
    typeof purpose === 'string' ? purpose : `distinct ${purpose.distinct}`,
    shapeOf(request.filter),
    request.sort === undefined ? '' : JSON.stringify(request.sort),
    (request.skip ?? 0) > 0 ? 'skip' : '',
    (request.limit ?? 0) > 0 ? 'limit' : '',
    request.projection === undefined ? '' : shapeOf(request.projection),
    request.variables === undefined ? '' : shapeOf(request.variables),
    collation ?? ''
  ].join('|')
}

/** The count command's stages over the plan; a count scan when one index range answers the whole query. */
function wrap (root: Stage, request: QueryRequest): Stage {
  const purpose = request.purpose ?? 'find'
  if (purpose === 'count') {
    if (root instanceof IndexScan && !root.index.multikey && root.plan.ranges.length === 1 && root.plan.checks.length === 0) {
      return new Count(new CountScan(root.index, root.bounds), request.skip ?? 0, request.limit ?? 0)
    }
    return new Count(root, request.skip ?? 0, request.limit ?? 0)
  }
  return root
}

/**
 * A DISTINCT_SCAN when an index leads with the field (after fields the query pins to one value), the field is not
 * multikey and the index answers the whole query; undefined otherwise.
 */
export function planDistinct (collection: Collection, field: string, filter: Doc): Stage | undefined {
  const collation = activeCollation()
  const conjuncts = analyze(filter)
  for (const index of collection.indexes()) {
    const f = index.fields.indexOf(field)
    if (f < 0 || !index.maintained || index.sparse || index.partial !== undefined || index.multikeyPaths[f].size > 0) continue
    if (!sameCollation(index, collation)) continue
    const { bounds, covered } = bind(index, conjuncts, true)
    if (covered.size !== conjuncts.length) continue
    if (bounds.slice(0, f).some((b) => !(b.length === 1 && b[0].point))) continue
    if (bounds.slice(f + 1).some((b) => !isFull(b))) continue
    if (scanPlan(index, bounds).ranges.length !== 1) continue
    return new DistinctScan(collection, index, bounds, f)
  }
  return undefined
}

/** Records matching `filter` (evaluation form), through the planner: for callers that need the records themselves. */
export function candidateRecords (collection: Collection, filter: Doc, variables?: Doc): StoredRecord[] {
  const { root } = planQuery(collection, { filter, variables })
  const out: StoredRecord[] = []
  for (;;) {
    const r = root.work()
    if (r === EOF) return out
    if (r !== NEED_TIME && r.rec !== undefined) out.push(r.rec)
  }
}
