/**
 * mingo copies its whole operator table (hundreds of entries, six times over) whenever it is handed options it did not
 * build itself — every query compiled with variables, every update (its updater then adds four tables more, copying
 * again). That was an eighth of the engine's time on upserts. Here a context derived from the engine's base context is
 * an overlay instead: it reads the base's operators and keeps only what is added to it. Semantics are mingo's own:
 * an operator already present wins over one added later, and additions stay in the derived context.
 */
import { Context, type OpType } from 'mingo/core'

type Operators = Record<string, Record<string, unknown>>

/** Operators of a context this module can enumerate: the base's as given, an overlay's merged over its base's. */
const tables = new WeakMap<Context, Operators>()
const overlays = new WeakSet<Context>()

function overlay (base: Context): Context {
  const own: Operators = {}
  const ctx = Object.create(Context.prototype) as Context
  const get = (type: OpType, name: string): unknown => own[type]?.[name] ?? base.getOperator(type, name)
  Object.defineProperties(ctx, {
    getOperator: { value: (type: OpType, name: string) => get(type, name) ?? null },
    addOps: {
      value: (type: OpType, ops: Record<string, unknown>) => {
        if (known(base, type, ops)) return ctx
        for (const [name, fn] of Object.entries(ops)) if (get(type, name) === undefined || get(type, name) === null) (own[type] ??= {})[name] = fn
        return ctx
      }
    }
  })
  overlays.add(ctx)
  tables.set(ctx, new Proxy({}, { get: (_t, type: string) => ({ ...(operatorsOf(base)?.[type] ?? {}), ...(own[type] ?? {}) }) }))
  return ctx
}

/** Per base context and operator table: whether the base has every one of them already (then adding them changes nothing). */
const present = new WeakMap<Context, WeakMap<object, Set<string>>>()

function known (base: Context, type: OpType, ops: Record<string, unknown>): boolean {
  let byTable = present.get(base)
  if (byTable === undefined) present.set(base, byTable = new WeakMap())
  let types = byTable.get(ops)
  if (types === undefined) byTable.set(ops, types = new Set())
  if (types.has(type)) return true
  if (!Object.keys(ops).every((name) => base.getOperator(type, name) !== null)) return false
  types.add(type)
  return true
}

function operatorsOf (ctx: Context): Operators | undefined {
  return tables.get(ctx)
}

const from = Context.from.bind(Context)
let installed = false

/** A mingo context over these operators whose derived contexts are overlays. */
export function baseContext (operators: Operators): Context {
  const ctx = Context.init(operators as never)
  tables.set(ctx, operators)
  if (!installed) {
    installed = true
    Context.from = (...contexts: Context[]): Context => {
      if (contexts.length === 1 && tables.has(contexts[0])) return overlay(contexts[0])
      // Anything else merges real contexts: overlays become real ones first.
      return from(...contexts.map((c) => {
        if (!overlays.has(c)) return c
        const ops = operatorsOf(c) as Operators
        return Context.init(Object.fromEntries(['accumulator', 'expression', 'pipeline', 'projection', 'query', 'window'].map((t) => [t, ops[t]])) as never)
      }))
    }
  }
  return ctx
}
