/**
 * $lookup that reads the foreign collection through its indexes. mingo's $lookup runs a
 * sub-pipeline over the whole foreign collection for every outer document (and, with
 * localField/foreignField and a pipeline, ignores the equality match). Here the foreign
 * documents are chosen first: by the equality match (mongod 5.0+: the pipeline then runs over
 * the matched documents only), or by the constant equalities and `$expr: {$eq: ['$field',
 * '$$var']}` of the sub-pipeline's leading `$match` with the variables of each outer document
 * substituted. An index of the foreign collection answers when one applies, else a hash table
 * built once per aggregate. mingo then runs the sub-pipeline (let, variables, every stage) over
 * those documents only.
 */
import { evalExpr } from 'mingo/core'
import { Lazy, type Iterator } from 'mingo/lazy'
import { $lookup } from 'mingo/operators/pipeline'
import type { AnyObject, CollectionResolver, Options } from 'mingo/types'
import { activeCompare, canonicalValue, commandCanonicalizer } from './collation.js'
import { keyOf as binaryKeyOf } from './keys.js'
import { compileFilter, equalityConstraints, type Predicate } from './query.js'
import { checkCountField } from './count-stage.js'
import { include, simpleInclusion } from './inclusion.js'
import { cloneValue, isPlainObject, resolvePath, type Doc } from './values.js'

/** Read access to the collections of the database an aggregate runs in. Returned documents may be shared: never modify them. */
export interface ForeignSource {
  /**
   * Evaluation-form documents of `name` that may match `filter` (with `$$variables` known), through an index the planner
   * picks; undefined when no index applies (the caller then builds a hash table once).
   */
  candidates(name: string, filter: Doc, variables?: Doc): Doc[] | undefined
  /** Every evaluation-form document of `name`, in natural order. */
  all(name: string): Doc[]
}

const sources = new WeakMap<CollectionResolver, ForeignSource>()
const tables = new WeakMap<ForeignSource, Map<string, Map<string, Doc[]>>>()

/** Ties a collection resolver (the mingo option) to the indexed source behind it. */
export function withForeignSource (resolver: CollectionResolver, source: ForeignSource): CollectionResolver {
  sources.set(resolver, source)
  return resolver
}

const isNil = (v: unknown): boolean => v === null || v === undefined

/** The hash key of a value: equal strings under the running command's collation share one. */
function keyOf (value: unknown): string {
  const canon = commandCanonicalizer()
  return binaryKeyOf(canon === undefined ? value : canonicalValue(value, canon))
}

/** Keys under which an index would file a document's field (arrays fan out; null, missing and [] share 'n'). */
function indexKeys (doc: Doc, path: string): string[] {
  const values = resolvePath(doc, path).flatMap((v) => (Array.isArray(v) ? (v.length === 0 ? [undefined] : v) : [v]))
  return values.length === 0 ? [keyOf(null)] : values.map(keyOf)
}

/** Keys a field equals under query equality: array elements, and null for null or missing (not for []). */
function equalityKeys (doc: Doc, path: string): string[] {
  return resolvePath(doc, path).flatMap((v) => (Array.isArray(v) ? v : [v])).map(keyOf)
}

/** A hash table of `name` on `field`, built once per aggregate when no index serves the field. */
function hashTable (source: ForeignSource, name: string, field: string): Map<string, Doc[]> {
  let byName = tables.get(source)
  if (byName === undefined) {
    byName = new Map()
    tables.set(source, byName)
  }
  const id = `${name}\u0000${field}`
  let table = byName.get(id)
  if (table === undefined) {
    table = new Map()
    for (const doc of source.all(name)) {
      for (const key of new Set(indexKeys(doc, field))) {
        const docs = table.get(key)
        if (docs === undefined) table.set(key, [doc])
        else docs.push(doc)
      }
    }
    byName.set(id, table)
  }
  return table
}

/**
 * Foreign documents that may match: an index's candidates for the filter (`exact`: its plan checked the whole filter),
 * else a hash table's for the equality constraints.
 */
function candidates (source: ForeignSource, name: string, filter: Doc, variables: Doc | undefined, constraints: Map<string, unknown[]>): { docs: Doc[], exact: boolean } {
  const indexed = source.candidates(name, filter, variables)
  if (indexed !== undefined) return { docs: indexed, exact: true }
  return { docs: hashed(source, name, constraints), exact: false }
}

function hashed (source: ForeignSource, name: string, constraints: Map<string, unknown[]>): Doc[] {
  // No index: the hash table of the constrained field that leaves the fewest documents.
  let best: Doc[] | undefined
  for (const [field, values] of constraints) {
    const table = hashTable(source, name, field)
    const keys = [...new Set(values.map(keyOf))]
    let found: Doc[]
    if (keys.length === 1) {
      found = table.get(keys[0]) ?? []
    } else {
      const union = new Set<Doc>()
      for (const key of keys) for (const doc of table.get(key) ?? []) union.add(doc)
      found = [...union]
    }
    if (best === undefined || found.length < best.length) best = found
  }
  return best ?? source.all(name)
}

const scalar = (v: unknown): boolean => !Array.isArray(v) && !isPlainObject(v)

interface VariableEquality { field: string; variable: string; path: string[] }

/** What the leading `$match` of a sub-pipeline lets the engine decide before mingo runs. */
interface MatchPlan {
  /** The `$match` itself, for the planner (it reads `$expr` comparisons with the outer document's variables). */
  filter: Doc
  /** Equalities on constants, for index candidates. */
  constant: Map<string, unknown[]>
  /** `$expr: {$eq: ['$field', '$$var']}` equalities, for index candidates once the variables are known. */
  variables: VariableEquality[]
  /**
   * Set when the whole `$match` is decided here: its conditions other than `$expr`, which use no
   * variables and are compiled once; the `$expr` is a conjunction of the `variables` equalities.
   */
  exact?: Predicate
}

/**
 * The leading `$match` of a sub-pipeline when it uses no variables (no `$expr`, no `$$`): the documents an equality
 * lookup joins must meet it too, so its conditions go into the candidates' query with the join field, and an index
 * such as (clientId, chatId) serves the join as mongod's does. The stage still runs afterwards.
 */
function constantMatch (stage: unknown): Doc | undefined {
  if (!isPlainObject(stage) || !isPlainObject(stage.$match)) return undefined
  const match = stage.$match as Doc
  if ('$expr' in match || '$where' in match || '$text' in match || Object.keys(match).some((key) => key.startsWith('$') && key !== '$and')) return undefined
  return mentionsVariable(match) ? undefined : match
}

/** Whether a string anywhere in a filter starts with `$$` (a variable), at any depth. */
function mentionsVariable (value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('$$')
  if (Array.isArray(value)) return value.some(mentionsVariable)
  return isPlainObject(value) && Object.values(value).some(mentionsVariable)
}

const MISSING = Symbol('missing')

function planMatch (stage: unknown, declared: Set<string>): MatchPlan | undefined {
  if (!isPlainObject(stage) || !isPlainObject(stage.$match)) return undefined
  const match = stage.$match
  const constant = new Map([...equalityConstraints(match)].filter(([, values]) => values.every(scalar)))
  const variables: VariableEquality[] = []
  let decided = true
  const visitExpression = (e: unknown): void => {
    if (isPlainObject(e) && Object.keys(e).length === 1 && Array.isArray(e.$and)) {
      e.$and.forEach(visitExpression)
      return
    }
    const pair = isPlainObject(e) && Object.keys(e).length === 1 && Array.isArray(e.$eq) && e.$eq.length === 2 ? e.$eq : undefined
    const equality = pair === undefined ? undefined : fieldAndVariable(pair[0], pair[1]) ?? fieldAndVariable(pair[1], pair[0])
    if (equality === undefined) decided = false
    else variables.push(equality)
    if (equality !== undefined && !declared.has(equality.variable)) decided = false
  }
  const { $expr: expression, ...rest } = match
  if (expression !== undefined) visitExpression(expression)
  if (usesVariables(rest)) decided = false
  // Equalities inside a top-level $and are still index candidates (the $match itself then runs in mingo).
  const visitAnd = (m: Doc): void => {
    if (!Array.isArray(m.$and)) return
    for (const sub of m.$and) {
      if (!isPlainObject(sub)) continue
      if (sub.$expr !== undefined) {
        const before = decided
        visitExpression(sub.$expr)
        decided = before
      }
      visitAnd(sub)
    }
  }
  visitAnd(match)
  const plan: MatchPlan = { filter: match, constant, variables }
  if (decided) plan.exact = compileFilter(rest)
  return constant.size > 0 || variables.length > 0 || plan.exact !== undefined ? plan : undefined
}

/** True when a filter holds an `$expr` or a `$$variable` (its meaning then depends on the outer document). */
function usesVariables (value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('$$')
  if (Array.isArray(value)) return value.some(usesVariables)
  if (!isPlainObject(value)) return false
  return Object.entries(value).some(([k, v]) => k === '$expr' || k === '$where' || usesVariables(v))
}

function fieldAndVariable (field: unknown, variable: unknown): VariableEquality | undefined {
  if (typeof field !== 'string' || !field.startsWith('$') || field.startsWith('$$') || field.length < 2) return undefined
  if (typeof variable !== 'string' || !variable.startsWith('$$')) return undefined
  const [name, ...path] = variable.slice(2).split('.')
  if (name === '' || name === 'ROOT' || name === 'CURRENT' || name === 'NOW' || name === 'REMOVE' || name === 'CLUSTER_TIME' || name === 'SEARCH_META') return undefined
  return { field: field.slice(1), variable: name, path }
}

/** A dotted path through embedded documents: MISSING when absent, undefined for an array on the way (mingo then decides). */
function walk (value: unknown, path: string[]): unknown {
  let out = value === undefined ? MISSING : value
  for (const part of path) {
    if (out === MISSING || out === null) return MISSING
    if (!isPlainObject(out)) return Array.isArray(out) ? undefined : MISSING
    out = Object.hasOwn(out, part) && out[part] !== undefined ? out[part] : MISSING
  }
  return out
}

/** The value a variable equality compares with, or undefined when it cannot be resolved here. */
function variableValue (equality: VariableEquality, variables: Doc): { value: unknown } | undefined {
  if (!Object.hasOwn(variables, equality.variable)) return { value: MISSING }
  const value = walk(variables[equality.variable], equality.path)
  return value === undefined ? undefined : { value }
}

/** The plan's equalities with the variables of one outer document substituted. */
function constraintsFor (plan: MatchPlan, variables: Doc): Map<string, unknown[]> {
  const out = new Map(plan.constant)
  for (const equality of plan.variables) {
    const resolved = variableValue(equality, variables)
    // $expr's $eq compares whole values; an index holds array elements, so only scalars are looked up.
    if (resolved !== undefined && scalar(resolved.value)) out.set(equality.field, [resolved.value === MISSING ? undefined : resolved.value])
  }
  return out
}

/** Aggregation `$eq` of a document's field and a value: missing equals only missing. */
function sameValue (doc: Doc, field: string, value: unknown, options: Options): boolean {
  let own = walk(doc, field.split('.'))
  if (own === undefined) {
    const computed = evalExpr(doc, `$${field}`, options)
    own = computed === undefined ? MISSING : computed
  }
  if (own === MISSING || value === MISSING) return own === value
  return activeCompare(own, value) === 0
}

/** Local values of an equality match: array elements; null when the field is missing or an empty array (as mongod). */
function localValues (doc: Doc, path: string): unknown[] {
  const values = resolvePath(doc, path).flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (v === undefined ? null : v))
  return values.length === 0 ? [null] : values
}

function withField (doc: AnyObject, path: string, value: unknown): AnyObject {
  const parts = path.split('.')
  const out: AnyObject = { ...doc }
  let target = out
  for (const part of parts.slice(0, -1)) {
    const next = isPlainObject(target[part]) ? { ...(target[part] as AnyObject) } : {}
    target[part] = next
    target = next
  }
  target[parts[parts.length - 1]] = value
  return out
}

const JOINED = '\u0000embeddedLookup'

/**
 * The field of a sub-pipeline that is only `{$count: <field>}` (checked as mongod checks it): its answer is one document
 * with the number of joined documents, none when there are none, without running a pipeline for it.
 */
function countOnly (stages: unknown[]): string | undefined {
  if (stages.length !== 1 || !isPlainObject(stages[0]) || Object.keys(stages[0]).length !== 1 || !('$count' in stages[0])) return undefined
  return checkCountField(stages[0].$count)
}

/** The fields of a sub-pipeline that is only a simple inclusion `$project` (inclusion.ts), done without mingo's `$lookup`. */
function projectionOnly (stages: unknown[]): Set<string> | undefined {
  if (stages.length !== 1 || !isPlainObject(stages[0]) || Object.keys(stages[0]).length !== 1) return undefined
  return simpleInclusion(stages[0].$project)
}

/** mingo's $lookup, which validates its own argument shapes. */
const mingoLookup = $lookup as unknown as (collection: Iterator, expr: AnyObject, options: Options) => Iterator

export function lookup (collection: Iterator, expr: AnyObject, options: Options): Iterator {
  const resolver = options.collectionResolver
  const source = resolver === undefined ? undefined : sources.get(resolver)
  const { from, as, localField, foreignField, pipeline } = expr
  const stages = pipeline ?? []
  const plain = source !== undefined && typeof from === 'string' && typeof as === 'string' && Array.isArray(stages) &&
    (typeof localField === 'string') === (typeof foreignField === 'string') && (isNil(localField) || typeof localField === 'string') &&
    (isNil(foreignField) || typeof foreignField === 'string') &&
    !stages.some((s) => isPlainObject(s) && s.$documents !== undefined)
  if (!plain) return mingoLookup(collection, expr, options)
  const equality = typeof localField === 'string' && typeof foreignField === 'string' ? { localField, foreignField } : undefined
  const letExpr = isPlainObject(expr.let) ? expr.let : undefined
  const commandVariables = options.variables ?? {}
  const plan = equality === undefined ? planMatch(stages[0], new Set([...Object.keys(commandVariables), ...Object.keys(letExpr ?? {})])) : undefined
  const leading = equality === undefined ? undefined : constantMatch(stages[0])

  return collection.map((item) => {
    const outer = item as AnyObject
    let foreign: Doc[]
    let remaining = stages
    if (equality !== undefined) {
      const values = localValues(outer, equality.localField)
      const wanted = new Set(values.map(keyOf))
      const joined = { [equality.foreignField]: { $in: values } }
      const query = leading === undefined ? joined : equality.foreignField in leading ? { $and: [joined, leading] } : { ...leading, ...joined }
      const found = candidates(source, from, query, undefined, new Map([[equality.foreignField, values]]))
      foreign = found.docs.filter((doc) => equalityKeys(doc, equality.foreignField).some((key) => wanted.has(key)))
      // The index plan checked the leading `$match` with the join: the sub-pipeline goes on from the next stage.
      if (leading !== undefined && found.exact) remaining = stages.slice(1)
    } else if (plan !== undefined) {
      const variables = { ...commandVariables, ...(letExpr === undefined ? {} : evalExpr(outer, letExpr, options) as Doc) }
      foreign = candidates(source, from, plan.filter, variables, constraintsFor(plan, variables)).docs
      const exact = plan.exact
      const values = plan.variables.map((eq) => variableValue(eq, variables))
      if (exact !== undefined && values.every((v) => v !== undefined)) {
        const checks = plan.variables.map((eq, i) => ({ field: eq.field, value: values[i]?.value }))
        foreign = foreign.filter((doc) => exact(doc) && checks.every(({ field, value }) => sameValue(doc, field, value, options)))
        remaining = stages.slice(1)
      }
    } else {
      foreign = source.all(from)
    }
    if (remaining.length === 0) return withField(outer, as, foreign.map(cloneValue))
    const counted = countOnly(remaining)
    if (counted !== undefined) return withField(outer, as, foreign.length === 0 ? [] : [{ [counted]: foreign.length }])
    const projected = projectionOnly(remaining)
    if (projected !== undefined) return withField(outer, as, foreign.map((doc) => include(doc, projected, true)))
    const sub: AnyObject = { from: foreign.map(cloneValue), pipeline: remaining, as: JOINED }
    if (letExpr !== undefined) sub.let = letExpr
    const [joined] = mingoLookup(Lazy([outer]), sub, options).collect() as AnyObject[]
    return withField(outer, as, joined[JOINED])
  })
}
