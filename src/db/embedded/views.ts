/**
 * Views: read-only namespaces defined by a source (`viewOn`, a collection or another view) and
 * a pipeline, kept per database beside its collections. Reading a view runs the source's
 * documents through the resolved pipeline (views on views concatenate their pipelines).
 */
import { CommandError } from './errors.js'
import type { Store } from './store.js'
import { cloneValue, type Doc } from './values.js'

export interface ViewDefinition {
  viewOn: string
  pipeline: Doc[]
  /** The view's default collation (a full spec), if not simple. */
  collation?: Doc
}

/** A view resolved down to the collection it reads and the pipeline that reads it. */
export interface ResolvedView { collection: string; pipeline: Doc[]; collation?: Doc }

/** mongod's limit on how deep views may be defined on views. */
export const MAX_VIEW_DEPTH = 20

const catalogs = new WeakMap<Store, Map<string, Map<string, ViewDefinition>>>()

function catalog (store: Store, db: string, create = false): Map<string, ViewDefinition> | undefined {
  let byDb = catalogs.get(store)
  if (byDb === undefined) {
    if (!create) return undefined
    byDb = new Map()
    catalogs.set(store, byDb)
  }
  let views = byDb.get(db)
  if (views === undefined && create) {
    views = new Map()
    byDb.set(db, views)
  }
  return views
}

export const viewOf = (store: Store, db: string, name: string): ViewDefinition | undefined => catalog(store, db)?.get(name)

export const viewsOf = (store: Store, db: string): Array<[string, ViewDefinition]> => [...(catalog(store, db)?.entries() ?? [])]

export const notOnView = (db: string, name: string): CommandError =>
  new CommandError(166, 'CommandNotSupportedOnView', `Namespace ${db}.${name} is a view, not a collection`)

/** Follows `viewOn` to a collection; refuses cycles (5) and chains deeper than mongod allows (165). */
export function resolveView (store: Store, db: string, name: string, replaced?: [string, ViewDefinition]): ResolvedView {
  const seen = [`${db}.${name}`]
  const lookup = (n: string): ViewDefinition | undefined => (replaced !== undefined && replaced[0] === n ? replaced[1] : viewOf(store, db, n))
  let definition = lookup(name)
  if (definition === undefined) return { collection: name, pipeline: [] }
  const collation = definition.collation
  const pipelines: Doc[][] = []
  while (definition !== undefined) {
    pipelines.unshift(definition.pipeline)
    const next = `${db}.${definition.viewOn}`
    if (seen.includes(next)) throw new CommandError(5, 'GraphContainsCycle', `View cycle detected: [ ${[...seen, next].join(', ')} ]`)
    seen.push(next)
    if (pipelines.length > MAX_VIEW_DEPTH) throw new CommandError(165, 'ViewDepthLimitExceeded', `View depth too deep or view cycle detected; maximum depth is ${MAX_VIEW_DEPTH}`)
    const source = definition.viewOn
    definition = lookup(source)
    if (definition === undefined) return { collection: source, pipeline: pipelines.flat().map(cloneValue), ...(collation === undefined ? {} : { collation }) }
  }
  throw new CommandError(5, 'GraphContainsCycle', 'View cycle detected')
}

export function defineView (store: Store, db: string, name: string, definition: ViewDefinition): void {
  resolveView(store, db, name, [name, definition])
  catalog(store, db, true)?.set(name, definition)
}

export const dropView = (store: Store, db: string, name: string): boolean => catalog(store, db)?.delete(name) ?? false

export const dropViews = (store: Store, db: string): void => {
  catalogs.get(store)?.delete(db)
}
