import { activeCompare } from './collation.js'
import { isPlainObject, sortKey, type Doc } from './values.js'

interface SortField { path: string[]; dir: 1 | -1 }

function sortFields (spec: Doc): SortField[] {
  return Object.entries(spec)
    .filter(([, dir]) => !isPlainObject(dir))
    .map(([path, dir]) => ({ path: path.split('.'), dir: Number(dir) < 0 ? -1 : 1 }))
}

/**
 * Sorts in mongod's order: BSON comparison order per field, arrays by their smallest element
 * ascending and largest descending, strings under the running command's collation. Sort keys are computed once per item; the sort is stable,
 * so ties keep their input (natural) order.
 */
export function sortBy<T> (items: T[], spec: Doc, docOf: (item: T) => Doc, compare: (a: unknown, b: unknown) => number = activeCompare): T[] {
  const fields = sortFields(spec)
  const keyed = items.map((item) => ({ item, keys: fields.map(({ path, dir }) => sortKey(docOf(item), path, dir, compare)) }))
  keyed.sort((a, b) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compare(a.keys[i], b.keys[i])
      if (c !== 0) return c * fields[i].dir
    }
    return 0
  })
  return keyed.map(({ item }) => item)
}
