/**
 * The collation each command runs under: its own `collation` (per statement for update and
 * delete), else the collection's default; `{locale: "simple"}` means binary comparison.
 */
import { CommandError } from '../errors.js'
import { keyOf } from '../keys.js'
import { activeCollation, canonicalValue, parseCollation, storedCollation, withCollation, type Collation } from '../collation.js'
import { compareBson, isPlainObject, resolvePath, type Doc } from '../values.js'
import { viewOf } from '../views.js'
import { filterOf, matching, stringArg, type CommandContext, type Handler } from './context.js'

const READS: Record<string, string> = { find: 'find', count: 'count', distinct: 'distinct', aggregate: 'aggregate', findAndModify: 'findAndModify', findandmodify: 'findAndModify' }
const STATEMENTS: Record<string, string> = { update: 'updates', delete: 'deletes' }

/** The default collation of the collection a command names (undefined when simple or missing). */
export function collectionCollation (ctx: CommandContext, name: unknown): Collation | undefined {
  if (typeof name !== 'string') return undefined
  const view = viewOf(ctx.store, ctx.db, name)
  return storedCollation(view === undefined ? ctx.store.get(ctx.db, name)?.options.collation : view.collation)
}

const effective = (raw: unknown, command: string, fallback: () => Collation | undefined): Collation | undefined =>
  raw === undefined ? fallback() : parseCollation(raw, command)

/** Runs a command's handler under the collation it asks for, statement by statement for writes. */
export function runCollated (name: string, body: Doc, ctx: CommandContext, handler: Handler): Doc {
  const fallback = (): Collation | undefined => collectionCollation(ctx, body[name])
  if (Object.hasOwn(READS, name)) {
    const collation = effective(body.collation, READS[name], fallback)
    if (body.collation !== undefined && typeof body[name] === 'string' && viewOf(ctx.store, ctx.db, body[name]) !== undefined && collation?.id !== fallback()?.id) {
      throw new CommandError(167, 'OptionNotSupportedOnView', "Cannot override a view's default collation")
    }
    const own = name === 'distinct' && collation !== undefined && viewOf(ctx.store, ctx.db, String(body.distinct)) === undefined
    return withCollation(collation, () => (own ? collatedDistinct(body, ctx) : handler(body, ctx)))
  }
  const list = STATEMENTS[name]
  if (list === undefined || !Array.isArray(body[list])) return withCollation(fallback(), () => handler(body, ctx))
  const statements = body[list] as unknown[]
  const collations = statements.map((s) => effective(isPlainObject(s) ? s.collation : undefined, `${name}.${list}`, fallback))
  const runs: Array<{ start: number; end: number }> = []
  collations.forEach((c, i) => {
    const last = runs[runs.length - 1]
    if (last !== undefined && collations[last.start]?.id === c?.id) last.end = i + 1
    else runs.push({ start: i, end: i + 1 })
  })
  if (runs.length <= 1) return withCollation(collations[0], () => handler(body, ctx))
  return mergeRuns(runs.map((run) => ({ start: run.start, reply: withCollation(collations[run.start], () => handler({ ...body, [list]: statements.slice(run.start, run.end) }, ctx)) })), body.ordered !== false)
}

/** The collation an explained command runs under: as it would run itself (its first statement's, for a write). */
export function explainedCollation (name: string, body: Doc, ctx: CommandContext): Collation | undefined {
  const fallback = (): Collation | undefined => collectionCollation(ctx, body[name])
  const list = STATEMENTS[name]
  if (list === undefined) return effective(body.collation, READS[name] ?? name, fallback)
  const first = Array.isArray(body[list]) ? (body[list] as unknown[]).find(isPlainObject) : undefined
  return effective(first?.collation, `${name}.${list}`, fallback)
}

/** One write reply from the replies of consecutive runs of statements (indexes shifted back). */
function mergeRuns (replies: Array<{ start: number; reply: Doc }>, ordered: boolean): Doc {
  const out: Doc = { n: 0 }
  const upserted: Doc[] = []
  const writeErrors: Doc[] = []
  for (const { start, reply } of replies) {
    out.n = (out.n as number) + (reply.n as number)
    if (reply.nModified !== undefined) out.nModified = ((out.nModified as number | undefined) ?? 0) + (reply.nModified as number)
    for (const u of (reply.upserted as Doc[] | undefined) ?? []) upserted.push({ ...u, index: (u.index as number) + start })
    const errors = (reply.writeErrors as Doc[] | undefined) ?? []
    for (const e of errors) writeErrors.push({ ...e, index: (e.index as number) + start })
    if (ordered && errors.length > 0) break
  }
  if (upserted.length > 0) out.upserted = upserted
  if (writeErrors.length > 0) out.writeErrors = writeErrors
  return { ...out, ok: 1 }
}

/** `distinct` under a collation: values equal under it count once (the first met), sorted by it. */
function collatedDistinct (body: Doc, ctx: CommandContext): Doc {
  const collation = activeCollation() as Collation
  const key = body.key
  if (typeof key !== 'string') throw new CommandError(14, 'TypeMismatch', "BSON field 'distinct.key' is missing or not a string")
  const canon = collation.canonicalizer()
  const seen = new Map<string, unknown>()
  for (const record of matching(ctx.store.get(ctx.db, stringArg(body, 'distinct')), filterOf(body.query))) {
    for (const value of resolvePath(record.doc, key)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === undefined) continue
        const k = keyOf(canonicalValue(v, canon))
        if (!seen.has(k)) seen.set(k, v)
      }
    }
  }
  return { values: [...seen.values()].sort((a, b) => collation.compare(a, b) || compareBson(a, b)), ok: 1 }
}
