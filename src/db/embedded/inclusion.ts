/**
 * `$project` of top-level fields only (`{_id: 0, userId: 1, sentAt: 1}`), the commonest projection, without mingo's
 * general machinery (a handler and a path walk per field, then a sweep for missing values, per document). As mongod
 * projects: the included fields in the input document's order, `_id` kept unless excluded, missing fields left out
 * (and, as mingo has it, fields holding undefined). Dotted paths, exclusions, expressions and operators are not simple:
 * mingo projects those.
 */
import { cloneValue, isPlainObject, type Doc } from './values.js'

const includes = (value: unknown): boolean => value === true || (typeof value === 'number' && value !== 0 && !Number.isNaN(value))

/** The fields a simple inclusion keeps (`_id` among them unless excluded); undefined for any other projection. */
export function simpleInclusion (spec: unknown): Set<string> | undefined {
  if (!isPlainObject(spec)) return undefined
  const fields = new Set<string>()
  let keepId = true
  for (const key of Object.keys(spec)) {
    const value = spec[key]
    if (key === '_id' && (value === 0 || value === false)) {
      keepId = false
      continue
    }
    if (!includes(value) || key === '' || key.startsWith('$') || key.includes('.')) return undefined
    if (key !== '_id') fields.add(key)
  }
  if (fields.size === 0) return undefined
  if (keepId) fields.add('_id')
  return fields
}

/** The document with only `fields`, in its own order; `copy`: values are copied (the document is shared). */
export function include (doc: Doc, fields: Set<string>, copy: boolean): Doc {
  const out: Doc = {}
  for (const key of Object.keys(doc)) {
    if (!fields.has(key)) continue
    const value = doc[key]
    if (value !== undefined) out[key] = copy ? cloneValue(value) : value
  }
  return out
}
