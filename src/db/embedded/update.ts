import { ObjectId } from 'bson'
import { update as mingoUpdate } from 'mingo/updater'
import { CommandError } from './errors.js'
import { formatValue } from './indexes.js'
import { mingoOptions, runPipeline } from './query.js'
import { checkReplacement, checkStoredId } from './refusals.js'
import { asKind, cloneValue, compareBson, isPlainObject, numericKind, toView, widerKind, type Doc } from './values.js'

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit', '$currentDate', '$setOnInsert'])
const ARITHMETIC = ['$inc', '$mul', '$min', '$max', '$bit']
const QUERY_OPTIONS = mingoOptions()

export type UpdateSpec = Doc | Doc[]

/** A document in its stored and evaluation forms. */
interface Forms { readonly doc: Doc; readonly view: Doc }

/** mongod reads an update document by its first field: `$`-prefixed means operators, anything else a replacement. */
export function isOperatorUpdate (u: UpdateSpec): u is Doc {
  return !Array.isArray(u) && (Object.keys(u)[0]?.startsWith('$') ?? false)
}

const immutableId = (): CommandError =>
  new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'")

const alteredId = (id: unknown): CommandError =>
  new CommandError(66, 'ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(id)}`)

/** The document an update produces from `base` (stored form), or undefined when nothing changed. */
export function applyUpdate (base: Forms, u: UpdateSpec, arrayFilters: Doc[] | undefined, inserting = false, filter: Doc = {}, variables?: Doc): Doc | undefined {
  let next: Doc
  if (Array.isArray(u)) {
    next = restoreTypes(runPipeline([cloneValue(base.view)], u.map((stage) => toView(stage) as Doc), { variables })[0] ?? {}, base.doc)
    // A pipeline whose result drops `_id` keeps the document's own (mongod puts it back).
    if (next._id === undefined && base.doc._id !== undefined) next = { _id: base.doc._id, ...next }
    if (base.doc._id !== undefined && compareBson(next._id, base.doc._id) !== 0) throw alteredId(next._id)
  } else if (isOperatorUpdate(u)) {
    next = applyOperators(base, u, arrayFilters, inserting, filter, variables)
  } else {
    checkReplacement(u)
    const replacement: Doc = cloneValue(u)
    delete replacement._id
    next = { _id: (u as Doc)._id ?? base.doc._id, ...replacement }
    if (next._id === undefined) delete next._id
    if (base.doc._id !== undefined && compareBson(next._id, base.doc._id) !== 0) throw alteredId(next._id)
  }
  if (base.doc._id !== undefined && compareBson(next._id, base.doc._id) !== 0) throw immutableId()
  if (base.doc._id !== undefined && Object.keys(next)[0] !== '_id') next = { _id: next._id, ...next }
  return sameDocument(next, base.doc) ? undefined : next
}

function applyOperators (base: Forms, u: Doc, arrayFilters: Doc[] | undefined, inserting: boolean, filter: Doc, variables?: Doc): Doc {
  const spec: Doc = {}
  let onInsert: Doc | undefined
  for (const [op, fields] of Object.entries(u)) {
    if (!OPERATORS.has(op)) {
      throw new CommandError(9, 'FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`)
    }
    if (!isPlainObject(fields)) throw new CommandError(9, 'FailedToParse', `Modifiers operate on fields but we found type ${typeof fields} instead.`)
    // Shim: mingo has no $setOnInsert; it is a $set that applies only when an upsert inserts.
    if (op === '$setOnInsert') {
      onInsert = fields
      continue
    }
    spec[op] = ARITHMETIC.includes(op) ? toView(fields) as Doc : fields
  }
  if (onInsert !== undefined) {
    const set = isPlainObject(spec.$set) ? spec.$set : {}
    assertNoConflict(Object.keys(set), Object.keys(onInsert))
    if (inserting) spec.$set = { ...set, ...onInsert }
  }
  const target = cloneValue(base.view)
  // mingo refuses any $set of _id; mongod allows setting it on insert (upsert) or to its current value.
  if (isPlainObject(spec.$set) && '_id' in spec.$set) {
    const { _id: id, ...rest } = spec.$set
    if (base.doc._id === undefined) target._id = cloneValue(id)
    else if (compareBson(id, base.doc._id) !== 0) throw immutableId()
    spec.$set = rest
    if (Object.keys(rest).length === 0) delete spec.$set
  }
  if (Object.keys(spec).length > 0) {
    try {
      mingoUpdate(target, spec, arrayFilters?.map((f) => toView(f) as Doc), toView(filter) as Doc, { cloneMode: 'deep', queryOptions: variables === undefined ? QUERY_OPTIONS : mingoOptions({ variables }) })
    } catch (error) {
      throw translateUpdateError(error)
    }
  }
  const next = base.view === base.doc ? target : restoreTypes(target, base.doc)
  for (const op of ['$inc', '$mul']) {
    const fields = u[op]
    if (isPlainObject(fields)) for (const [path, operand] of Object.entries(fields)) keepNumericKind(next, base.doc, path, operand)
  }
  return next
}

/** mongod refuses a `$set` and a `$setOnInsert` of the same path (or of a path and its prefix). */
function assertNoConflict (setPaths: string[], onInsertPaths: string[]): void {
  for (const a of onInsertPaths) {
    for (const b of setPaths) {
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        const [longer, shorter] = a.length >= b.length ? [a, b] : [b, a]
        throw new CommandError(40, 'ConflictingUpdateOperators', `Updating the path '${longer}' would create a conflict at '${shorter}'`)
      }
    }
  }
}

function translateUpdateError (error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof CommandError) return error
  if (message.includes("immutable field '_id'")) return immutableId()
  if (message.includes('would create a conflict')) return new CommandError(40, 'ConflictingUpdateOperators', message)
  return new CommandError(2, 'BadValue', message)
}

/** After $inc/$mul, the field keeps the wider BSON numeric type of its old value and the operand (as mongod). */
function keepNumericKind (doc: Doc, old: Doc, path: string, operand: unknown): void {
  if (path.includes('$')) return
  const parts = path.split('.')
  const last = parts.pop() as string
  let parent: unknown = doc
  let previous: unknown = old
  for (const part of parts) {
    parent = (parent as Doc | undefined)?.[part]
    previous = isPlainObject(previous) || Array.isArray(previous) ? (previous as Doc)[part] : undefined
  }
  if (!isPlainObject(parent) && !Array.isArray(parent)) return
  const container = parent as Doc
  const value = container[last]
  const operandKind = numericKind(operand)
  if (typeof value !== 'number' || operandKind === undefined) return
  const oldValue = isPlainObject(previous) || Array.isArray(previous) ? (previous as Doc)[last] : undefined
  const kind = widerKind(numericKind(oldValue) ?? 'int', operandKind)
  // int32 results that overflow become longs, as in mongod; other kinds keep their BSON type.
  container[last] = asKind(value, kind)
}

/**
 * Updates run on the evaluation form; values that did not change get their stored numeric
 * wrapper back, and changed numbers keep their old BSON numeric type.
 */
function restoreTypes (next: unknown, old: unknown): Doc {
  return restore(next, old) as Doc
}

function restore (next: unknown, old: unknown): unknown {
  const kind = numericKind(old)
  if (typeof next === 'number' && kind !== undefined && typeof old === 'object') {
    return (toView(old) as number) === next ? old : asKind(next, kind)
  }
  if (Array.isArray(next)) return next.map((v, i) => restore(v, Array.isArray(old) ? old[i] : undefined))
  if (isPlainObject(next)) {
    const out: Doc = {}
    for (const [k, v] of Object.entries(next)) out[k] = restore(v, isPlainObject(old) ? old[k] : undefined)
    return out
  }
  return next
}

function sameDocument (a: Doc, b: Doc): boolean {
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false
  return ka.every((k) => sameValue(a[k], b[k]))
}

function sameValue (a: unknown, b: unknown): boolean {
  if (isPlainObject(a) && isPlainObject(b)) return sameDocument(a, b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
  return compareBson(a, b) === 0 && numericKind(a) === numericKind(b)
}

/** The document an upsert starts from: the equality fields of its filter (stored form). */
export function upsertSeed (filter: Doc): Doc {
  const seed: Doc = {}
  const visit = (f: Doc): void => {
    for (const [field, cond] of Object.entries(f)) {
      if (field === '$and' && Array.isArray(cond)) {
        for (const sub of cond) if (isPlainObject(sub)) visit(sub)
        continue
      }
      if (field.startsWith('$')) continue
      if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
        if ('$eq' in cond) setPath(seed, field, cloneValue(cond.$eq))
        else if (Array.isArray(cond.$in) && cond.$in.length === 1) setPath(seed, field, cloneValue(cond.$in[0]))
        continue
      }
      setPath(seed, field, cloneValue(cond))
    }
  }
  visit(filter)
  return seed
}

function setPath (doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.')
  let target = doc
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(target[part])) target[part] = {}
    target = target[part] as Doc
  }
  target[parts[parts.length - 1]] = value
}

/** Builds the document an upsert inserts. */
export function upsertDocument (filter: Doc, u: UpdateSpec, arrayFilters: Doc[] | undefined): Doc {
  const seed = upsertSeed(filter)
  const base: Forms = { doc: seed, view: toView(seed) as Doc }
  let doc: Doc
  if (Array.isArray(u) || isOperatorUpdate(u)) {
    doc = applyUpdate(base, u, arrayFilters, true) ?? seed
  } else {
    checkReplacement(u)
    doc = cloneValue(u)
    if (doc._id === undefined && seed._id !== undefined) doc = { _id: seed._id, ...doc }
  }
  checkStoredId(doc)
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc }
  if (seed._id !== undefined && compareBson(seed._id, doc._id) !== 0) throw immutableId()
  return Object.keys(doc)[0] === '_id' ? doc : { _id: doc._id, ...doc }
}
