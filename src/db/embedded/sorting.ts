import { compareBson, isPlainObject, sortKey, type Doc } from './values.js'

export type Comparator = (a: Doc, b: Doc) => number

export function sortComparator (spec: Doc): Comparator {
  const fields = Object.entries(spec)
    .filter(([, dir]) => !isPlainObject(dir))
    .map(([path, dir]) => ({ path, dir: (Number(dir) < 0 ? -1 : 1) as 1 | -1 }))
  return (a, b) => {
    for (const { path, dir } of fields) {
      const c = compareBson(sortKey(a, path, dir), sortKey(b, path, dir))
      if (c !== 0) return c * dir
    }
    return 0
  }
}

/** Stable sort (Array.prototype.sort is stable), so ties keep natural order. */
export function sortDocs<T extends Doc> (docs: T[], compare: Comparator): T[] {
  return docs.slice().sort(compare)
}
