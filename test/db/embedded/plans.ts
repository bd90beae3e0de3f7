import type { Document } from 'mongodb'

/**
 * Reading explain output the same way whichever server and engine answered: mongod's classic engine nests stages as
 * `winningPlan.inputStage…`; its slot-based engine (7.0 before 7.0.17, for pipelines it can push down) puts that tree
 * under `winningPlan.queryPlan`; an aggregate's query is either the whole explain or its first stage's `$cursor`.
 */
export function queryPlanner (explain: Document): Document {
  const planner = explain.queryPlanner ?? explain.stages?.[0]?.$cursor?.queryPlanner
  if (planner === undefined) throw new Error(`no queryPlanner in ${JSON.stringify(explain).slice(0, 500)}`)
  return planner
}

export const winningPlan = (explain: Document): Document => {
  const plan = queryPlanner(explain).winningPlan
  return plan.queryPlan ?? plan
}

export function executionStats (explain: Document): Document {
  const stats = explain.executionStats ?? explain.stages?.[0]?.$cursor?.executionStats
  if (stats === undefined) throw new Error(`no executionStats in ${JSON.stringify(explain).slice(0, 500)}`)
  return stats
}

/** Every stage of a plan tree, root first. */
export function stages (plan: Document | undefined): Document[] {
  if (plan === undefined || plan === null) return []
  const children: Document[] = [plan.inputStage, ...(plan.inputStages ?? [])].filter((s) => s !== undefined)
  return [plan, ...children.flatMap(stages)]
}

export const stageNames = (plan: Document): string[] => stages(plan).map((s) => s.stage as string)

export const stage = (plan: Document, name: string): Document | undefined => stages(plan).find((s) => s.stage === name)

/** Every object in an explain document (any depth), to find stages wherever a server put them. */
export function everything (value: unknown): Document[] {
  if (Array.isArray(value)) return value.flatMap(everything)
  if (value === null || typeof value !== 'object' || (value as { _bsontype?: string })._bsontype !== undefined) return []
  return [value as Document, ...Object.values(value).flatMap(everything)]
}
