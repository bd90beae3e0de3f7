import type { Collection, CollectionOptions } from '../collection.js'
import { CommandError, namespaceNotFound } from '../errors.js'
import type { IndexSpec } from '../indexes.js'
import { forgetCollection } from '../activity.js'
import { parseCollation } from '../collation.js'
import { dropView, dropViews, notOnView, viewOf } from '../views.js'
import { compileFilter } from '../query.js'
import { cloneValue, compareBson, isPlainObject, toView, type Doc } from '../values.js'
import { checkTtlOption, modifyTtl } from '../ttl.js'
import { docArg, stringArg, type CommandContext, type Handler } from './context.js'
import { createView, modifyView, viewInfos } from './views.js'

const VALIDATION_FIELDS = ['validator', 'validationLevel', 'validationAction'] as const

function collectionOptions (body: Doc, command: string): CollectionOptions {
  const options: CollectionOptions = {}
  for (const [key, value] of Object.entries(body)) {
    if (key === command || key.startsWith('$') || ['lsid', 'writeConcern', 'comment', 'txnNumber'].includes(key)) continue
    options[key] = value
  }
  return options
}

const create: Handler = (body, ctx) => {
  const name = stringArg(body, 'create')
  if (body.viewOn !== undefined) return createView(body, ctx, name)
  if (viewOf(ctx.store, ctx.db, name) !== undefined) throw new CommandError(48, 'NamespaceExists', `Namespace ${ctx.db}.${name} already exists`)
  const options = collectionOptions(body, 'create')
  if (options.collation !== undefined) {
    const collation = parseCollation(options.collation, 'create')
    if (collation === undefined) delete options.collation
    else options.collation = collation.spec
  }
  ctx.store.create(ctx.db, name, options)
  return { ok: 1 }
}

const drop: Handler = (body, ctx) => {
  const name = stringArg(body, 'drop')
  if (dropView(ctx.store, ctx.db, name)) return { ns: `${ctx.db}.${name}`, ok: 1 }
  const collection = ctx.store.get(ctx.db, name)
  if (collection === undefined) return { ok: 1 }
  const nIndexesWas = collection.indexSpecs().length
  ctx.store.drop(ctx.db, name)
  forgetCollection(ctx.store, collection.ns)
  return { nIndexesWas, ns: collection.ns, ok: 1 }
}

const dropDatabase: Handler = (_body, ctx) => {
  ctx.store.dropDatabase(ctx.db)
  dropViews(ctx.store, ctx.db)
  return { ok: 1 }
}

/** The `_id` index of a collection: it has the collection's default collation. */
const idIndexOf = (collection: Collection): IndexSpec => cloneValue(collection.idIndex.spec)

function collectionInfo (collection: Collection): Doc {
  return {
    name: collection.name,
    type: 'collection',
    options: cloneValue(collection.options),
    info: { readOnly: false, uuid: collection.uuid },
    idIndex: idIndexOf(collection)
  }
}

const listCollections: Handler = (body, ctx) => {
  const filter = docArg(body, 'filter')
  const test = filter === undefined ? () => true : compileFilter(toView(filter) as Doc)
  const nameOnly = body.nameOnly === true
  const infos = [...ctx.store.collections(ctx.db).map(collectionInfo), ...viewInfos(ctx)].filter((info) => test(toView(info) as Doc))
  const docs = nameOnly ? infos.map((info) => ({ name: info.name, type: info.type })) : infos
  const batchSize = isPlainObject(body.cursor) ? toView(body.cursor.batchSize) as number | undefined : undefined
  return { ...ctx.cursors.first(`${ctx.db}.$cmd.listCollections`, docs, batchSize), ok: 1 }
}

const listDatabases: Handler = (body, ctx) => {
  const filter = docArg(body, 'filter')
  const test = filter === undefined ? () => true : compileFilter(toView(filter) as Doc)
  const databases = ctx.store.databaseNames().map((name) => {
    const sizeOnDisk = ctx.store.collections(name).reduce((sum, c) => sum + c.dataSize(), 0)
    return { name, sizeOnDisk, empty: false }
  }).filter((db) => test(db))
  if (body.nameOnly === true) return { databases: databases.map(({ name }) => ({ name })), ok: 1 }
  const totalSize = databases.reduce((sum, db) => sum + db.sizeOnDisk, 0)
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 }
}

function splitNamespace (ns: unknown): [string, string] {
  if (typeof ns !== 'string' || !ns.includes('.')) throw new CommandError(73, 'InvalidNamespace', `Invalid namespace specified '${String(ns)}'`)
  const dot = ns.indexOf('.')
  return [ns.slice(0, dot), ns.slice(dot + 1)]
}

const renameCollection: Handler = (body, ctx) => {
  const [fromDb, fromName] = splitNamespace(body.renameCollection)
  const [toDb, toName] = splitNamespace(body.to)
  if (viewOf(ctx.store, fromDb, fromName) !== undefined) throw notOnView(fromDb, fromName)
  const source = ctx.store.get(fromDb, fromName)
  if (source === undefined) throw namespaceNotFound('source namespace does not exist')
  if (viewOf(ctx.store, toDb, toName) !== undefined) throw new CommandError(48, 'NamespaceExists', 'target namespace exists')
  if (ctx.store.get(toDb, toName) !== undefined) {
    if (body.dropTarget !== true) throw new CommandError(48, 'NamespaceExists', 'target namespace exists')
    ctx.store.drop(toDb, toName)
  }
  ctx.store.rename(source, toDb, toName)
  return { ok: 1 }
}

function requireCollection (ctx: CommandContext, name: string): Collection {
  const collection = ctx.store.get(ctx.db, name)
  if (collection === undefined) throw namespaceNotFound(`ns does not exist: ${ctx.db}.${name}`)
  return collection
}

const sameKey = (a: Doc, b: Doc): boolean => compareBson(toView(a), toView(b)) === 0 && Object.keys(a).join() === Object.keys(b).join()

const OPTION_FIELDS = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'collation']

const createIndexes: Handler = (body, ctx) => {
  const name = stringArg(body, 'createIndexes')
  const existed = ctx.store.get(ctx.db, name) !== undefined
  const specs = Array.isArray(body.indexes) ? body.indexes.filter(isPlainObject) : []
  if (specs.length === 0) throw new CommandError(2, 'BadValue', 'Must specify at least one index')
  for (const raw of specs) if (raw.collation !== undefined) parseCollation(raw.collation, 'createIndexes.indexes')
  const collection = ctx.store.obtain(ctx.db, name)
  const before = collection.indexSpecs().length
  for (const raw of specs) {
    if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) throw new CommandError(67, 'CannotCreateIndex', 'Index keys cannot be empty.')
    if (typeof raw.name !== 'string') throw new CommandError(9, 'FailedToParse', "Error in specification: the 'name' field is a required property of an index specification")
    const spec: IndexSpec = { v: 2, key: raw.key, name: raw.name }
    for (const field of OPTION_FIELDS) if (raw[field] !== undefined) spec[field] = raw[field]
    // An index without a collation takes the collection's default; {locale: "simple"} overrides it.
    const collation = raw.collation === undefined ? collection.options.collation : parseCollation(raw.collation, 'createIndexes.indexes')?.spec
    if (collation === undefined) delete spec.collation
    else spec.collation = cloneValue(collation) as Doc
    if (spec.unique !== undefined) spec.unique = toView(spec.unique) === true || toView(spec.unique) === 1
    if (spec.sparse !== undefined) spec.sparse = toView(spec.sparse) === true || toView(spec.sparse) === 1
    if (spec.unique === false) delete spec.unique
    checkTtlOption(spec)
    const existing = collection.indexSpecs().find((s) => s.name === spec.name) ??
      collection.indexSpecs().find((s) => sameKey(s.key, spec.key) && compareBson(toView(s.collation), toView(spec.collation)) === 0)
    if (existing !== undefined) {
      if (existing.name !== spec.name && sameKey(existing.key, spec.key) && OPTION_FIELDS.every((f) => compareBson(existing[f], spec[f]) === 0)) {
        throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${existing.name}`)
      }
      if (existing.name === spec.name && !sameKey(existing.key, spec.key)) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing)}`)
      }
      if (existing.name === spec.name && OPTION_FIELDS.some((f) => compareBson(toView(existing[f]), toView(spec[f])) !== 0)) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing)}`)
      }
      continue
    }
    collection.addIndex(spec)
  }
  const after = collection.indexSpecs().length
  return {
    numIndexesBefore: before,
    numIndexesAfter: after,
    ...(after === before ? { note: 'all indexes already exist' } : {}),
    createdCollectionAutomatically: !existed,
    ok: 1
  }
}

const listIndexes: Handler = (body, ctx) => {
  const name = stringArg(body, 'listIndexes')
  const collection = requireCollection(ctx, name)
  const batchSize = isPlainObject(body.cursor) ? toView(body.cursor.batchSize) as number | undefined : undefined
  const specs = collection.indexSpecs().map((spec) => (spec.name === '_id_' ? idIndexOf(collection) : cloneValue(spec)))
  return { ...ctx.cursors.first(`${ctx.db}.${name}`, specs, batchSize), ok: 1 }
}

const dropIndexes: Handler = (body, ctx) => {
  const name = stringArg(body, 'dropIndexes')
  const collection = requireCollection(ctx, name)
  const nIndexesWas = collection.indexSpecs().length
  const target = body.index
  const names: string[] = []
  if (target === '*') {
    collection.dropAllIndexes()
    return { nIndexesWas, msg: 'non-_id indexes dropped for collection', ok: 1 }
  }
  if (typeof target === 'string') names.push(target)
  else if (Array.isArray(target)) names.push(...target.map(String))
  else if (isPlainObject(target)) {
    const spec = collection.indexSpecs().find((s) => sameKey(s.key, target))
    if (spec === undefined) throw new CommandError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`)
    names.push(spec.name)
  }
  for (const indexName of names) {
    if (indexName === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index')
    if (collection.findIndex(indexName) === undefined) throw new CommandError(27, 'IndexNotFound', `index not found with name [${indexName}]`)
  }
  for (const indexName of names) collection.dropIndex(indexName)
  return { nIndexesWas, ok: 1 }
}

const collMod: Handler = (body, ctx) => {
  const name = stringArg(body, 'collMod')
  const view = viewOf(ctx.store, ctx.db, name)
  if (view !== undefined) return modifyView(body, ctx, name, view)
  if (body.viewOn !== undefined || body.pipeline !== undefined) throw new CommandError(72, 'InvalidOptions', `option only supported on a view: ${body.viewOn !== undefined ? 'viewOn' : 'pipeline'}`)
  const collection = requireCollection(ctx, name)
  const options: Doc = { ...collection.options }
  for (const field of VALIDATION_FIELDS) if (body[field] !== undefined) options[field] = body[field]
  const changed = isPlainObject(body.index) ? modifyTtl(collection, body.index) : {}
  collection.setOptions(options)
  return { ...changed, ok: 1 }
}

export const ddlCommands: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  renameCollection,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: (body, ctx) => dropIndexes({ dropIndexes: body.deleteIndexes, index: body.index }, ctx),
  collMod
}
