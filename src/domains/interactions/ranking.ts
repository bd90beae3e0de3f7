import type { Document } from 'mongodb'

/** The pieces every client-wide statistic shares: which rows to answer, and the stage that ends each pipeline. */

export interface ChannelCount<Id = unknown> { engagementId: Id, count: number }

/** `page`: the ranking from the cursor on, best first (zero rows included); `keys`: only the rows of these keys (for compare=previous). */
export type RowSelection<Position, Key> =
  | { page: { limit: number, after?: Position } }
  | { keys: Key[] }

export interface Ranked<Row, Summary> { rows: Row[], summary: Summary }

export type SortOrder = [field: string, direction: 1 | -1][]

/** Rows strictly after `position` in `order`: a keyset condition, so a page costs the same wherever it starts. */
export function keysetAfter (order: SortOrder, position: Record<string, unknown>): Document {
  return {
    $or: order.map(([field, direction], index) => ({
      ...Object.fromEntries(order.slice(0, index).map(([earlier]) => [earlier, position[earlier]])),
      [field]: { [direction === -1 ? '$lt' : '$gt']: position[field] }
    }))
  }
}

/**
 * The last stage of a ranking pipeline: the selected rows beside one summary document computed over every row.
 * `isRow` tells ranked rows from the others the summary also counts (interactions without a customer, untagged ones).
 */
export function selectAndSummarise<P extends object, K> (
  selection: RowSelection<P, K>, order: SortOrder, isRow: Document, keyOf: (key: K) => Document, summary: Document
): Document {
  const rows: Document[] = 'page' in selection
    ? [
        { $match: selection.page.after ? { $and: [isRow, keysetAfter(order, selection.page.after as Record<string, unknown>)] } : isRow },
        { $sort: Object.fromEntries(order) },
        { $limit: selection.page.limit + 1 }
      ]
    : [{ $match: selection.keys.length > 0 ? { $and: [isRow, { $or: selection.keys.map(keyOf) }] } : { $expr: false } }]
  return { $facet: { rows, summary: [{ $group: { _id: null, ...summary } }, { $project: { _id: 0 } }] } }
}

/** Concatenates the channel arrays that several rows of one key brought (a counted row and its zero row). */
export const concatChannels = { $reduce: { input: '$channels', initialValue: [], in: { $concatArrays: ['$$value', '$$this'] } } }

/** Sums a field over the rows the condition holds for. */
export function sumIf (condition: Document, value: unknown = 1): Document {
  return { $sum: { $cond: [condition, value, 0] } }
}
