/**
 * The explain command for find, aggregate, count, distinct, update, delete and findAndModify, shaped as mongod's
 * classic engine answers it: `queryPlanner` (winningPlan, rejectedPlans), and for the `executionStats` and
 * `allPlansExecution` verbosities the winning plan run to the end (writes are not applied) with its counters.
 * An aggregate whose stages all become the query is explained like a find (`optimizedPipeline: true`); otherwise as
 * `stages`, the first a `$cursor` holding the query's explain.
 */
import { createHash } from 'node:crypto'
import { hostname } from 'node:os'
import type { Collection, StoredRecord } from './collection.js'
import { SERVER_VERSION } from './commands/admin.js'
import { withCollation } from './collation.js'
import { explainedCollation } from './commands/collation.js'
import { docArg, filterOf, letOf, type CommandContext } from './commands/context.js'
import { findStages } from './commands/views.js'
import { countRequest, distinctPlan, findRequest } from './commands/read.js'
import { CommandError } from './errors.js'
import { planQuery, type Plan } from './planner.js'
import { foreignSource, pipelineSource, splitPipeline, type LookupStats } from './pushdown.js'
import { runPipeline } from './query.js'
import { drain, Stage, type Member } from './stages.js'
import { applyUpdate, type UpdateSpec } from './update.js'
import { isPlainObject, toView, type Doc } from './values.js'
import { resolveView, viewOf } from './views.js'

export type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution'

const VERBOSITIES = new Set(['queryPlanner', 'executionStats', 'allPlansExecution'])

const hash = (value: unknown): string => createHash('sha1').update(JSON.stringify(value) ?? '').digest('hex').slice(0, 8).toUpperCase()

/** The query shape: field names and operators, not values (what mongod's queryHash stands for). */
function shapeOf (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf)
  if (!isPlainObject(value)) return typeof value
  const out: Doc = {}
  for (const [k, v] of Object.entries(value)) out[k] = shapeOf(v)
  return out
}

function queryPlanner (ns: string, plan: Plan, extra: Doc = {}): Doc {
  const key = hash(shapeOf(plan.parsed))
  return {
    namespace: ns,
    indexFilterSet: false,
    parsedQuery: plan.parsed,
    queryHash: key,
    planCacheKey: hash([key, plan.indexes]),
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    ...extra,
    winningPlan: plan.root.describe(),
    rejectedPlans: plan.candidates.slice(1).map((c) => c.describe())
  }
}

interface Execution { members: Member[], ms: number }

function execute (root: Stage): Execution {
  const started = performance.now()
  root.time()
  const members = drain(root)
  return { members, ms: performance.now() - started }
}

function executionStats (plan: Plan, run: Execution, verbosity: Verbosity, root: Stage = plan.root, nReturned = run.members.length): Doc {
  return {
    executionSuccess: true,
    nReturned,
    executionTimeMillis: Math.round(run.ms),
    totalKeysExamined: root.keysExamined(),
    totalDocsExamined: root.docsExamined(),
    executionStages: root.stats(),
    ...(verbosity === 'allPlansExecution'
      ? {
          allPlansExecution: plan.candidates.length > 1
            ? plan.candidates.map((c) => ({
              nReturned: c.advanced,
              executionTimeMillisEstimate: 0,
              totalKeysExamined: c.keysExamined(),
              totalDocsExamined: c.docsExamined(),
              executionStages: c.stats()
            }))
            : []
        }
      : {})
  }
}

function envelope (ctx: CommandContext, command: Doc, body: Doc): Doc {
  return {
    explainVersion: '1',
    ...body,
    command: { ...command, $db: ctx.db },
    serverInfo: { host: hostname(), port: ctx.port ?? 27017, version: SERVER_VERSION, gitVersion: 'embedded' },
    serverParameters: {
      internalQueryFacetBufferSizeBytes: 104857600,
      internalQueryFacetMaxOutputDocSizeBytes: 104857600,
      internalLookupStageIntermediateDocumentMaxSizeBytes: 104857600,
      internalDocumentSourceGroupMaxMemoryBytes: 104857600,
      internalQueryMaxBlockingSortMemoryUsageBytes: 104857600,
      internalQueryProhibitBlockingMergeOnMongoS: 0,
      internalQueryMaxAddToSetBytes: 104857600,
      internalDocumentSourceSetWindowFieldsMaxMemoryBytes: 104857600,
      internalQueryFrameworkControl: 'forceClassicEngine'
    },
    ok: 1
  }
}

/** A stage that only names itself around its input (UPDATE, DELETE, PROJECTION_COVERED in a plan's description). */
class Wrapper extends Stage {
  constructor (readonly name: string, child: Stage, private readonly fields: Doc = {}, private readonly stat: Doc = {}) {
    super()
    this.children.push(child)
  }

  protected step (): never {
    throw new Error('a wrapper stage is only described')
  }

  protected override planFields (): Doc {
    return this.fields
  }

  protected override statFields (): Doc {
    return this.stat
  }

  /** Counters as if the wrapper had consumed its input to the end. */
  finished (): this {
    this.works = this.children[0].works + 1
    this.needTime = this.children[0].advanced + this.children[0].needTime
    this.isEOF = true
    return this
  }
}

function explainQuery (ctx: CommandContext, command: Doc, ns: string, plan: Plan, verbosity: Verbosity): Doc {
  if (verbosity === 'queryPlanner') return envelope(ctx, command, { queryPlanner: queryPlanner(ns, plan) })
  const run = execute(plan.root)
  const countOnly = plan.root.name === 'COUNT' || plan.root.name === 'RECORD_STORE_FAST_COUNT'
  return envelope(ctx, command, { queryPlanner: queryPlanner(ns, plan), executionStats: executionStats(plan, run, verbosity, plan.root, countOnly ? 0 : run.members.length) })
}

function explainWrite (ctx: CommandContext, command: Doc, ns: string, collection: Collection | undefined, plan: Plan, verbosity: Verbosity, write: {
  name: string
  stats: (matched: StoredRecord[]) => Doc
}): Doc {
  const described = { ...plan, root: new Wrapper(write.name, plan.root) }
  const planner = queryPlanner(ns, described)
  if (verbosity === 'queryPlanner' || collection === undefined) {
    return envelope(ctx, command, { queryPlanner: planner, ...(verbosity === 'queryPlanner' ? {} : { executionStats: { executionSuccess: true, nReturned: 0, executionTimeMillis: 0, totalKeysExamined: 0, totalDocsExamined: 0 } }) })
  }
  const run = execute(plan.root)
  const matched = run.members.map((m) => m.rec as StoredRecord)
  const root = new Wrapper(write.name, plan.root, {}, write.stats(matched)).finished()
  return envelope(ctx, command, { queryPlanner: planner, executionStats: executionStats(plan, run, verbosity, root, 0) })
}

const statementsOf = (body: Doc, field: string): Doc => {
  const list = body[field]
  const first = Array.isArray(list) ? list.find(isPlainObject) : undefined
  if (first === undefined) throw new CommandError(9, 'FailedToParse', `explain of ${Object.keys(body)[0]} needs one statement in '${field}'`)
  return first
}

/** Explains an aggregate; on a view, as mongod does: the view's pipeline then the command's, over its collection. */
export function explainAggregate (body: Doc, ctx: CommandContext, verbosity: Verbosity): Doc {
  const name = typeof body.aggregate === 'string' ? body.aggregate : undefined
  const view = name === undefined ? undefined : resolveView(ctx.store, ctx.db, name)
  const collection = view === undefined ? undefined : ctx.store.get(ctx.db, view.collection)
  const ns = `${ctx.db}.${view?.collection ?? '$cmd.aggregate'}`
  const own = (Array.isArray(body.pipeline) ? toView(body.pipeline) as unknown[] : []).filter(isPlainObject)
  const pipeline = [...(view?.pipeline ?? []), ...own]
  const variables = letOf(body)
  const { pushed } = splitPipeline(pipeline)
  const command = { ...body }
  delete command.explain
  if (pushed.length === pipeline.length) {
    const split = splitPipeline(pipeline)
    const plan = planQuery(collection, { filter: split.filter, variables, sort: split.sort, skip: split.skip, limit: split.limit, fresh: true })
    const answer = explainQuery(ctx, command, ns, plan, verbosity)
    return { ...answer, queryPlanner: { ...(answer.queryPlanner as Doc), optimizedPipeline: true } }
  }
  const started = performance.now()
  const source = pipelineSource(collection, pipeline, variables)
  const cursorMs = performance.now() - started
  const plan = source.plan
  const cursor: Doc = { queryPlanner: queryPlanner(ns, plan) }
  const executing = verbosity !== 'queryPlanner'
  if (executing) cursor.executionStats = executionStats(plan, { members: [], ms: cursorMs }, verbosity, plan.root, source.docs.length)
  const stages: Doc[] = [{ $cursor: cursor, ...(executing ? { nReturned: source.docs.length, executionTimeMillisEstimate: Math.round(cursorMs) } : {}) }]
  // A counting $group answered from the plan is shown as the stage it replaced.
  if (source.pushed.length > splitPipeline(pipeline).pushed.length) stages.push({ ...source.pushed[source.pushed.length - 1], ...(executing ? { nReturned: source.docs.length, executionTimeMillisEstimate: 0 } : {}) })
  const { resolver, stats } = foreignSource(ctx.store, ctx.db, variables)
  let docs = source.docs
  for (const stage of source.rest) {
    // $out and $merge write: an explain shows them without running them.
    if (!executing || stage.$out !== undefined || stage.$merge !== undefined) {
      stages.push(stage)
      continue
    }
    const before = { ...stats, indexesUsed: new Set(stats.indexesUsed) }
    const t = performance.now()
    docs = runPipeline(docs, [stage], { collectionResolver: resolver, variables })
    stages.push({ ...stage, ...(stage.$lookup !== undefined ? lookupStats(before, stats) : {}), nReturned: docs.length, executionTimeMillisEstimate: Math.round(performance.now() - t) })
  }
  return envelope(ctx, command, { stages })
}

function lookupStats (before: LookupStats, after: LookupStats): Doc {
  return {
    totalDocsExamined: after.totalDocsExamined - before.totalDocsExamined,
    totalKeysExamined: after.totalKeysExamined - before.totalKeysExamined,
    collectionScans: after.collectionScans - before.collectionScans,
    indexesUsed: [...after.indexesUsed].filter((i) => !before.indexesUsed.has(i))
  }
}

export function explainCommand (body: Doc, ctx: CommandContext): Doc {
  const inner = body.explain
  if (!isPlainObject(inner)) throw new CommandError(14, 'TypeMismatch', "BSON field 'explain.explain' is the wrong type, expected type 'object'")
  const verbosity = (body.verbosity ?? 'allPlansExecution') as Verbosity
  if (typeof verbosity !== 'string' || !VERBOSITIES.has(verbosity)) throw new CommandError(2, 'BadValue', `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`)
  const command = Object.keys(inner)[0] ?? ''
  return withCollation(explainedCollation(command, inner, ctx), () => explainUnder(inner, command, ctx, verbosity))
}

/** find, count and distinct on a view are explained as the aggregate they run as. */
function viewAggregate (inner: Doc, command: string): Doc | undefined {
  const base = { aggregate: inner[command], cursor: {}, ...(inner.let === undefined ? {} : { let: inner.let }) }
  if (command === 'find') return { ...base, pipeline: findStages(inner) }
  if (command === 'count') return { ...base, pipeline: [...findStages({ filter: inner.query, skip: inner.skip, limit: inner.limit }), { $count: 'count' }] }
  if (command === 'distinct' && typeof inner.key === 'string') {
    return { ...base, pipeline: [...findStages({ filter: inner.query }), { $unwind: { path: `$${inner.key}`, preserveNullAndEmptyArrays: true } }, { $group: { _id: null, distinct: { $addToSet: `$${inner.key}` } } }] }
  }
  return undefined
}

function explainUnder (inner: Doc, command: string, ctx: CommandContext, verbosity: Verbosity): Doc {
  const target = inner[command]
  const onView = typeof target === 'string' && viewOf(ctx.store, ctx.db, target) !== undefined ? viewAggregate(inner, command) : undefined
  if (onView !== undefined) return explainAggregate(onView, ctx, verbosity)
  const nameOf = (field: string): string => {
    const value = inner[field]
    if (typeof value !== 'string') throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof value}`)
    return value
  }
  switch (command) {
    case 'find': {
      const name = nameOf('find')
      return explainQuery(ctx, inner, `${ctx.db}.${name}`, planQuery(ctx.store.get(ctx.db, name), { ...findRequest(inner), fresh: true }), verbosity)
    }
    case 'count': {
      const name = nameOf('count')
      return explainQuery(ctx, inner, `${ctx.db}.${name}`, planQuery(ctx.store.get(ctx.db, name), { ...countRequest(inner), fresh: true }), verbosity)
    }
    case 'distinct': {
      const name = nameOf('distinct')
      const { root, key } = distinctPlan(inner, ctx)
      const covered = root.name === 'DISTINCT_SCAN' ? new Wrapper('PROJECTION_COVERED', root, { transformBy: { _id: 0, [key]: 1 } }) : root
      const plan: Plan = { root: covered, candidates: [], indexes: [], parsed: filterOf(inner.query) }
      if (verbosity === 'queryPlanner') return envelope(ctx, inner, { queryPlanner: queryPlanner(`${ctx.db}.${name}`, plan) })
      const run = execute(root)
      const top = covered instanceof Wrapper ? covered.finished() : covered
      if (covered instanceof Wrapper) {
        covered.advanced = root.advanced
      }
      return envelope(ctx, inner, { queryPlanner: queryPlanner(`${ctx.db}.${name}`, plan), executionStats: executionStats(plan, run, verbosity, top) })
    }
    case 'aggregate': return explainAggregate(inner, ctx, verbosity)
    case 'update': {
      const name = nameOf('update')
      const collection = ctx.store.get(ctx.db, name)
      const statement = statementsOf(inner, 'updates')
      const variables = letOf(inner)
      const plan = planQuery(collection, {
        filter: filterOf(statement.q), variables, limit: statement.multi === true ? 0 : 1, hint: statement.hint, fresh: true
      })
      return explainWrite(ctx, inner, `${ctx.db}.${name}`, collection, plan, verbosity, {
        name: 'UPDATE',
        stats: (matched) => updateStats(matched, statement.u as UpdateSpec, statement, variables)
      })
    }
    case 'delete': {
      const name = nameOf('delete')
      const collection = ctx.store.get(ctx.db, name)
      const statement = statementsOf(inner, 'deletes')
      const single = toView(statement.limit) === 1
      const plan = planQuery(collection, { filter: filterOf(statement.q), variables: letOf(inner), limit: single ? 1 : 0, hint: statement.hint, fresh: true })
      return explainWrite(ctx, inner, `${ctx.db}.${name}`, collection, plan, verbosity, {
        name: single ? 'DELETE' : 'BATCHED_DELETE',
        stats: (matched) => ({ nWouldDelete: matched.length })
      })
    }
    case 'findAndModify': case 'findandmodify': {
      const name = nameOf(command)
      const collection = ctx.store.get(ctx.db, name)
      const variables = letOf(inner)
      const plan = planQuery(collection, { filter: filterOf(inner.query), variables, sort: docArg(inner, 'sort'), limit: 1, hint: inner.hint, fresh: true })
      const remove = inner.remove === true
      return explainWrite(ctx, inner, `${ctx.db}.${name}`, collection, plan, verbosity, {
        name: remove ? 'DELETE' : 'UPDATE',
        stats: (matched) => (remove ? { nWouldDelete: matched.length } : updateStats(matched, inner.update as UpdateSpec, inner, variables))
      })
    }
    default:
      throw new CommandError(59, 'CommandNotFound', `Explain failed due to unknown command: ${command}`)
  }
}

function updateStats (matched: StoredRecord[], u: UpdateSpec, statement: Doc, variables?: Doc): Doc {
  const arrayFilters = Array.isArray(statement.arrayFilters) ? statement.arrayFilters.filter(isPlainObject) : undefined
  let modified = 0
  for (const record of matched) {
    try {
      if (applyUpdate(record, u, arrayFilters, false, isPlainObject(statement.q) ? statement.q : {}, variables) !== undefined) modified++
    } catch {
      // An update that would fail still counts as matched, as mongod's explain reports it.
    }
  }
  return { nMatched: matched.length, nWouldModify: modified, nWouldUpsert: matched.length === 0 && statement.upsert === true ? 1 : 0, nInvalidateSkips: 0 }
}
