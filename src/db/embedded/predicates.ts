/**
 * What a filter says about each field, for the planner: the filter's top-level conjuncts (`$and` flattened), and for
 * each the atoms it contributes — a path and the index bounds one of its operators allows there. An `$or` contributes
 * the union of its branches' bounds on a path every branch constrains; `$expr` comparisons of a field with a constant
 * (or a `$$variable` the caller knows, as `$lookup` does) contribute bounds too. The filter itself is always checked on
 * the fetched document unless every atom of a conjunct is tight and used by the index.
 */
import { equalityBounds, fullBounds, nullPoint, intersect, notBounds, rangeBounds, regexBounds, typeBounds, union, type FieldBounds, type Interval } from './bounds.js'
import { EMPTY_ARRAY, keyOf } from './keys.js'
import { isPlainObject, type Doc } from './values.js'

export interface Atom {
  path: string
  /** The operator it comes from ('$eq' for a plain value, '$or', '$expr'…). */
  op: string
  bounds: FieldBounds
  /** An equality ($eq, plain value, one-element $in): a point on its path. */
  equality: boolean
  /** No document missing the path can match (a sparse index may answer). */
  excludesMissing: boolean
}

export interface Conjunct {
  fragment: Doc
  atoms: Atom[]
  /** Every part of the fragment is expressed by its atoms (otherwise it is always checked on the document). */
  complete: boolean
}

const NULL_KEY = keyOf(null)
const UNDEFINED_KEY = keyOf(EMPTY_ARRAY)
const contains = (list: Interval[], key: string): boolean => list.some((i) => (i.loInc ? i.lo <= key : i.lo < key) && (i.hiInc ? key <= i.hi : key < i.hi))

function atom (path: string, op: string, bounds: FieldBounds, equality = false, excludesMissing?: boolean): Atom {
  return { path, op, bounds, equality, excludesMissing: excludesMissing ?? !(contains(bounds.intervals, NULL_KEY) || contains(bounds.intervals, UNDEFINED_KEY)) }
}

const isOperatorDoc = (v: unknown): v is Doc => isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'))

/** The top-level conjuncts of a filter. */
export function analyze (filter: Doc, variables?: Doc): Conjunct[] {
  const out: Conjunct[] = []
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainObject(sub)) out.push(...analyze(sub, variables))
      continue
    }
    const fragment = { [key]: cond }
    if (key === '$or' && Array.isArray(cond)) out.push({ fragment, atoms: orAtoms(cond, variables), complete: false })
    else if (key === '$expr') out.push({ fragment, atoms: exprAtoms(cond, variables), complete: false })
    else if (key.startsWith('$')) out.push({ fragment, atoms: [], complete: false })
    else out.push(fieldConjunct(key, cond, fragment))
  }
  return out
}

function fieldConjunct (path: string, cond: unknown, fragment: Doc): Conjunct {
  if (!isOperatorDoc(cond)) {
    const bounds = equalityBounds(cond)
    return { fragment, atoms: [atom(path, '$eq', bounds, bounds.intervals.length === 1 && bounds.intervals[0].point)], complete: true }
  }
  const atoms: Atom[] = []
  let complete = true
  for (const [op, v] of Object.entries(cond)) {
    const made = operatorAtom(path, op, v, cond)
    if (made === undefined) {
      if (op !== '$options') complete = false
    } else {
      atoms.push(made)
    }
  }
  return { fragment, atoms, complete }
}

function operatorAtom (path: string, op: string, v: unknown, cond: Doc): Atom | undefined {
  switch (op) {
    case '$eq': {
      const bounds = equalityBounds(v)
      return atom(path, op, bounds, bounds.intervals.length === 1 && bounds.intervals[0].point)
    }
    case '$in': {
      if (!Array.isArray(v)) return undefined
      const parts = v.map(equalityBounds)
      const bounds = { intervals: union(parts.map((p) => p.intervals)), tight: parts.every((p) => p.tight) }
      return atom(path, op, bounds, bounds.intervals.length === 1 && bounds.intervals[0].point)
    }
    case '$gt': case '$gte': case '$lt': case '$lte': return atom(path, op, rangeBounds(op, v))
    // The complement of bounds is only safe when they say exactly which values match ($ne null, arrays: no bounds).
    case '$ne': return complementAtom(path, op, [equalityBounds(v)])
    case '$nin': return Array.isArray(v) ? complementAtom(path, op, v.map(equalityBounds)) : undefined
    case '$regex': return atom(path, op, regexBounds(v, typeof cond.$options === 'string' ? cond.$options : ''))
    // A missing field is keyed as null: one point, so an index can still give the order of the next field.
    case '$exists': return v === false || v === 0 ? atom(path, op, { intervals: nullPoint(), tight: false }, true) : atom(path, op, { ...fullBounds(), tight: false }, false, true)
    case '$type': return atom(path, op, typeBounds(v))
    case '$all': return Array.isArray(v) && v.length > 0 && !isOperatorDoc(v[0]) ? atom(path, op, { ...equalityBounds(v[0]), tight: false }) : undefined
    case '$not': {
      if (!isOperatorDoc(v)) return undefined
      const inner = fieldConjunct(path, v, {})
      if (!inner.complete || inner.atoms.length !== 1 || !inner.atoms[0].bounds.tight) return undefined
      return atom(path, op, notBounds(inner.atoms[0].bounds))
    }
    case '$elemMatch': {
      if (!isPlainObject(v)) return undefined
      if (isOperatorDoc(v)) {
        const inner = fieldConjunct(path, v, {})
        if (inner.atoms.length === 0) return undefined
        const intervals = inner.atoms.map((a) => a.bounds.intervals).reduce((a, b) => intersect(a, b))
        return atom(path, op, { intervals, tight: false })
      }
      // {a: {$elemMatch: {b: 1}}}: bounds on a.b; only the first is kept, as one atom per operator.
      const [first] = analyze(v).flatMap((c) => c.atoms)
      return first === undefined ? undefined : atom(`${path}.${first.path}`, op, { ...first.bounds, tight: false })
    }
    default: return undefined
  }
}

function complementAtom (path: string, op: string, parts: FieldBounds[]): Atom | undefined {
  if (!parts.every((p) => p.tight)) return undefined
  return atom(path, op, notBounds({ intervals: union(parts.map((p) => p.intervals)), tight: true }))
}

/** A path every branch constrains gets the union of the branches' bounds (one atom per branch: safe for arrays). */
function orAtoms (branches: unknown[], variables?: Doc): Atom[] {
  const perBranch = branches.map((b) => {
    const byPath = new Map<string, Atom>()
    if (isPlainObject(b)) for (const a of analyze(b, variables).flatMap((c) => c.atoms)) if (!byPath.has(a.path)) byPath.set(a.path, a)
    return byPath
  })
  if (perBranch.length === 0) return []
  const out: Atom[] = []
  for (const [path] of perBranch[0]) {
    const atoms = perBranch.map((m) => m.get(path))
    if (atoms.some((a) => a === undefined)) continue
    const present = atoms as Atom[]
    out.push(atom(path, '$or', { intervals: union(present.map((a) => a.bounds.intervals)), tight: false }, false, present.every((a) => a.excludesMissing)))
  }
  return out
}

const MISSING = Symbol('missing')

/** The constant an `$expr` operand stands for: a literal, or a known `$$variable` (MISSING when it is not one). */
function constantOf (operand: unknown, variables?: Doc): unknown {
  if (typeof operand === 'string') {
    if (!operand.startsWith('$')) return operand
    if (!operand.startsWith('$$') || variables === undefined) return MISSING
    const [name, ...path] = operand.slice(2).split('.')
    if (!Object.hasOwn(variables, name)) return MISSING
    let value: unknown = variables[name]
    for (const part of path) value = isPlainObject(value) ? value[part] : undefined
    return value === undefined ? MISSING : value
  }
  if (isPlainObject(operand)) return '$literal' in operand && Object.keys(operand).length === 1 ? operand.$literal : MISSING
  if (Array.isArray(operand)) return MISSING
  return operand
}

const fieldOf = (operand: unknown): string | undefined =>
  typeof operand === 'string' && operand.startsWith('$') && !operand.startsWith('$$') && operand.length > 1 ? operand.slice(1) : undefined

const FLIP: Record<string, string> = { $gt: '$lt', $gte: '$lte', $lt: '$gt', $lte: '$gte', $eq: '$eq' }

/**
 * `$expr: {$eq: ['$f', c]}` and the comparisons: aggregation compares across types in BSON order, so a range is open to
 * MinKey or MaxKey rather than bracketed by type; every atom is checked again on the document.
 */
function exprAtoms (expr: unknown, variables?: Doc): Atom[] {
  if (!isPlainObject(expr) || Object.keys(expr).length !== 1) return []
  const [op, args] = Object.entries(expr)[0]
  if (op === '$and' && Array.isArray(args)) return args.flatMap((e) => exprAtoms(e, variables))
  if (FLIP[op] === undefined || !Array.isArray(args) || args.length !== 2) return []
  let field = fieldOf(args[0])
  let value = constantOf(args[1], variables)
  let cmp = op
  if (field === undefined) {
    field = fieldOf(args[1])
    value = constantOf(args[0], variables)
    cmp = FLIP[op]
  }
  if (field === undefined || value === MISSING || value === null || Array.isArray(value) || isPlainObject(value)) return []
  if (cmp === '$eq') {
    const bounds = equalityBounds(value)
    return [atom(field, '$expr', { intervals: bounds.intervals, tight: false }, bounds.intervals.length === 1 && bounds.intervals[0].point)]
  }
  const point = equalityBounds(value).intervals[0]
  if (point === undefined) return []
  const full = fullBounds().intervals[0]
  const inclusive = cmp === '$gte' || cmp === '$lte'
  const i: Interval = cmp === '$gt' || cmp === '$gte'
    ? { ...point, loInc: inclusive, hi: full.hi, hiInc: true, hiValue: full.hiValue, point: false }
    : { ...point, lo: full.lo, loInc: true, loValue: full.loValue, hiInc: inclusive, point: false }
  return [atom(field, '$expr', { intervals: [i], tight: false }, false, false)]
}

/** The filter made of the conjuncts not listed (the residual a FETCH checks). */
export function residual (conjuncts: Conjunct[], covered: Set<Conjunct>): Doc {
  const left = conjuncts.filter((c) => !covered.has(c)).map((c) => c.fragment)
  if (left.length === 0) return {}
  if (left.length === 1) return left[0]
  const merged: Doc = {}
  for (const f of left) {
    const [key] = Object.keys(f)
    if (Object.hasOwn(merged, key)) return { $and: left }
    merged[key] = f[key]
  }
  return merged
}
