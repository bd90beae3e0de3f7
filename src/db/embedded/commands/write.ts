import type { Collection, StoredRecord } from '../collection.js'
import { withId } from '../collection.js'
import { CommandError, asCommandError } from '../errors.js'
import { project } from '../query.js'
import { prepareInsert } from '../refusals.js'
import { simpleSets, simpleUpsertDocument } from '../simple-upsert.js'
import { applyUpdate, upsertDocument, type UpdateSpec } from '../update.js'
import { isPlainObject, toView, type Doc } from '../values.js'
import { boolArg, docArg, filterOf, letOf, matching, numberArg, stringArg, type Handler } from './context.js'

interface WriteError extends Doc {
  index: number
  code: number
  errmsg: string
}

function writeError (index: number, error: unknown): WriteError {
  const e = asCommandError(error)
  return { index, code: e.code, errmsg: e.message, ...e.extra }
}

function documentsOf (body: Doc, field: string): Doc[] {
  const value = body[field]
  if (!Array.isArray(value)) throw new CommandError(40414, 'Location40414', `BSON field '${field}' is missing but a required field`)
  return value.filter(isPlainObject)
}

function reply (n: number, errors: WriteError[], extra: Doc = {}): Doc {
  return { n, ...extra, ...(errors.length > 0 ? { writeErrors: errors } : {}), ok: 1 }
}

const insert: Handler = (body, ctx) => {
  const collection = ctx.store.obtain(ctx.db, stringArg(body, 'insert'))
  const ordered = body.ordered !== false
  const bypass = boolArg(body, 'bypassDocumentValidation')
  const errors: WriteError[] = []
  const raw = ctx.raw?.documents
  let n = 0
  documentsOf(body, 'documents').forEach((doc, index) => {
    if (ordered && errors.length > 0) return
    try {
      const prepared = withId(prepareInsert(doc))
      // The client's own bytes are the stored form when `_id` is already first (values.ts: toStored keeps every BSON type).
      collection.insert(prepared, bypass, prepared === doc && raw?.length === (body.documents as unknown[]).length ? raw[index] : undefined)
      n++
    } catch (error) {
      errors.push(writeError(index, error))
    }
  })
  return reply(n, errors)
}

/** A write statement's `hint` and its limit (0: every match), for the planner (the collation is the running command's: collation.ts). */
const queryOptions = (statement: Doc, limit: number): { limit: number, hint?: unknown } => ({ limit, hint: statement.hint })

interface UpdateOutcome { matched: number; modified: number; upserted?: unknown }

function updateOne (collection: Collection, statement: Doc, bypass: boolean, variables?: Doc): UpdateOutcome {
  const filter = isPlainObject(statement.q) ? statement.q : {}
  const u = statement.u as UpdateSpec
  const arrayFilters = Array.isArray(statement.arrayFilters) ? statement.arrayFilters.filter(isPlainObject) : undefined
  const records = matching(collection, toView(filter) as Doc, variables, queryOptions(statement, statement.multi === true ? 0 : 1))
  const simple = arrayFilters === undefined ? simpleSets(u) : undefined
  if (records.length === 0) {
    if (statement.upsert !== true) return { matched: 0, modified: 0 }
    const doc = simple === undefined ? upsertDocument(filter, u, arrayFilters) : simpleUpsertDocument(filter, simple)
    collection.insert(doc, bypass)
    return { matched: 0, modified: 0, upserted: doc._id }
  }
  // Only $setOnInsert: a document that exists already is left as it is.
  if (simple !== undefined && Object.keys(simple.set).length === 0) return { matched: records.length, modified: 0 }
  let modified = 0
  for (const record of records) {
    const next = applyUpdate(record, u, arrayFilters, false, filter, variables)
    if (next === undefined) continue
    collection.replace(record, next, bypass)
    modified++
  }
  return { matched: records.length, modified }
}

const update: Handler = (body, ctx) => {
  const collection = ctx.store.obtain(ctx.db, stringArg(body, 'update'))
  const ordered = body.ordered !== false
  const bypass = boolArg(body, 'bypassDocumentValidation')
  const errors: WriteError[] = []
  const upserted: Doc[] = []
  let n = 0
  let nModified = 0
  const statements = documentsOf(body, 'updates')
  const variables = letOf(body)
  for (const statement of statements) {
    if (!isPlainObject(statement.u) && !Array.isArray(statement.u)) {
      throw new CommandError(14, 'TypeMismatch', 'Update argument must be either an object or an array')
    }
  }
  statements.forEach((statement, index) => {
    if (ordered && errors.length > 0) return
    try {
      const outcome = updateOne(collection, statement, bypass, variables)
      n += outcome.matched
      nModified += outcome.modified
      if (outcome.upserted !== undefined) {
        n++
        upserted.push({ index, _id: outcome.upserted })
      }
    } catch (error) {
      errors.push(writeError(index, error))
    }
  })
  return reply(n, errors, { nModified, ...(upserted.length > 0 ? { upserted } : {}) })
}

const remove: Handler = (body, ctx) => {
  const collection = ctx.store.get(ctx.db, stringArg(body, 'delete'))
  const ordered = body.ordered !== false
  const errors: WriteError[] = []
  let n = 0
  const statements = documentsOf(body, 'deletes')
  const limits = statements.map((statement) => {
    const limit = numberArg(statement, 'limit') ?? 0
    if (limit !== 0 && limit !== 1) throw new CommandError(9, 'FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${limit}`)
    return limit
  })
  const variables = letOf(body)
  statements.forEach((statement, index) => {
    if (ordered && errors.length > 0) return
    try {
      const limit = limits[index]
      const records = matching(collection, filterOf(statement.q), variables, queryOptions(statement, limit))
      for (const record of records) collection?.remove(record)
      n += records.length
    } catch (error) {
      errors.push(writeError(index, error))
    }
  })
  return reply(n, errors)
}

const findAndModify: Handler = (body, ctx) => {
  const name = typeof body.findAndModify === 'string' ? stringArg(body, 'findAndModify') : stringArg(body, 'findandmodify')
  const collection = ctx.store.obtain(ctx.db, name)
  const filter = docArg(body, 'query') ?? {}
  const remove = boolArg(body, 'remove')
  const wantNew = boolArg(body, 'new')
  const bypass = boolArg(body, 'bypassDocumentValidation')
  const u = body.update as UpdateSpec | undefined
  if (remove === (u !== undefined)) throw new CommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified')
  const fields = docArg(body, 'fields')
  const arrayFilters = Array.isArray(body.arrayFilters) ? body.arrayFilters.filter(isPlainObject) : undefined
  const variables = letOf(body)
  const [record] = matching(collection, toView(filter) as Doc, variables, { ...queryOptions(body, 1), sort: docArg(body, 'sort') })
  const shown = (doc: Doc | undefined): Doc | null => (doc === undefined ? null : project([doc], fields)[0] ?? null)
  if (remove) {
    if (record !== undefined) collection.remove(record)
    return { lastErrorObject: { n: record === undefined ? 0 : 1 }, value: shown(record?.doc), ok: 1 }
  }
  if (u === undefined || (!isPlainObject(u) && !Array.isArray(u))) throw new CommandError(9, 'FailedToParse', 'Update argument must be either an object or an array')
  if (record === undefined) {
    if (!boolArg(body, 'upsert')) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 }
    const inserted = collection.insert(upsertDocument(filter, u, arrayFilters), bypass)
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted.doc._id }, value: wantNew ? shown(inserted.doc) : null, ok: 1 }
  }
  const next = applyUpdate(record, u, arrayFilters, false, filter, variables)
  const after: StoredRecord = next === undefined ? record : collection.replace(record, next, bypass)
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: shown(wantNew ? after.doc : record.doc), ok: 1 }
}

export const writeCommands: Record<string, Handler> = { insert, update, delete: remove, findAndModify, findandmodify: findAndModify }
