/**
 * Compiled filters for the shapes queries mostly have — equality, `$in`, `$ne`, ranges and `$exists` on plain paths,
 * and `$and` of those — evaluated without mingo, with its semantics (test/db/embedded/filters.test.ts compares the two
 * on random documents and filters): dotted paths fan out over arrays of documents, an array matches when one element
 * does, a range compares only values of the operand's type. Anything else is left to mingo (undefined).
 */
import { compareBson, isPlainObject, resolvePath, type Doc } from './values.js'

export type Predicate = (view: Doc) => boolean

type Kind = 'number' | 'string' | 'date' | 'objectId' | 'bool'

function kindOf (v: unknown): Kind | undefined {
  switch (typeof v) {
    case 'number': return Number.isNaN(v) ? undefined : 'number'
    case 'string': return 'string'
    case 'boolean': return 'bool'
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : 'date'
  return (v as { _bsontype?: string } | null)?._bsontype === 'ObjectId' ? 'objectId' : undefined
}

/** A path's candidate values: what it resolves to, and the elements of arrays it resolves to. */
function candidates (resolved: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const value of resolved) {
    if (Array.isArray(value)) for (const item of value) out.push(item)
    else out.push(value)
  }
  return out
}

type Test = (values: unknown[], resolved: unknown[]) => boolean

const RANGE: Record<string, (c: number) => boolean> = {
  $gt: (c) => c > 0,
  $gte: (c) => c >= 0,
  $lt: (c) => c < 0,
  $lte: (c) => c <= 0
}

function operatorTest (op: string, operand: unknown): Test | undefined {
  if (op === '$eq') {
    if (kindOf(operand) === undefined) return undefined
    return (values) => values.some((v) => kindOf(v) === kindOf(operand) && compareBson(v, operand) === 0)
  }
  if (op === '$ne') {
    if (kindOf(operand) === undefined) return undefined
    return (values) => !values.some((v) => kindOf(v) === kindOf(operand) && compareBson(v, operand) === 0)
  }
  if (op === '$in') {
    if (!Array.isArray(operand) || operand.length === 0 || !operand.every((o) => kindOf(o) !== undefined)) return undefined
    return (values) => values.some((v) => operand.some((o) => kindOf(v) === kindOf(o) && compareBson(v, o) === 0))
  }
  const range = RANGE[op]
  if (range !== undefined) {
    const kind = kindOf(operand)
    if (kind === undefined) return undefined
    return (values) => values.some((v) => kindOf(v) === kind && range(compareBson(v, operand)))
  }
  if (op === '$exists' && typeof operand === 'boolean') {
    return operand ? (_v, resolved) => resolved.some((v) => v !== undefined) : (_v, resolved) => resolved.every((v) => v === undefined)
  }
  return undefined
}

/** The tests one field's condition asks for; undefined when a part of it is not a shape compiled here. */
function fieldTests (cond: unknown): Test[] | undefined {
  if (!isPlainObject(cond)) {
    const test = operatorTest('$eq', cond)
    return test === undefined ? undefined : [test]
  }
  const ops = Object.entries(cond)
  if (ops.length === 0 || !ops.every(([op]) => op.startsWith('$'))) return undefined
  const tests: Test[] = []
  for (const [op, operand] of ops) {
    const test = operatorTest(op, operand)
    if (test === undefined) return undefined
    tests.push(test)
  }
  return tests
}

/** A predicate for `filter`, or undefined when it holds anything but the shapes above. */
export function compileSimple (filter: Doc): Predicate | undefined {
  const fields: Array<{ path: string[], tests: Test[] }> = []
  const visit = (f: Doc): boolean => {
    for (const [key, cond] of Object.entries(f)) {
      if (key === '$and') {
        if (!Array.isArray(cond) || cond.length === 0 || !cond.every(isPlainObject)) return false
        if (!cond.every((sub) => visit(sub))) return false
        continue
      }
      if (key.startsWith('$') || key.length === 0) return false
      const tests = fieldTests(cond)
      if (tests === undefined) return false
      fields.push({ path: key.split('.'), tests })
    }
    return true
  }
  if (!visit(filter)) return undefined
  return (view) => {
    for (const { path, tests } of fields) {
      const resolved = resolvePath(view, path)
      const values = candidates(resolved)
      for (const test of tests) if (!test(values, resolved)) return false
    }
    return true
  }
}
