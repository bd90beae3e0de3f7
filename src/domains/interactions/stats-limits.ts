import createError from '@fastify/error'

/**
 * What one statistics answer may hold, checked before the answer is built: at most MAX_BUCKETS buckets in a period,
 * and at most MAX_CELLS cells (buckets, topics or sentiments × channels) in one period's table. The largest answer the
 * limits allow is built and sent in well under the event-loop bound (docs/BENCHMARKS.md, "Hostile input").
 */
export const MAX_BUCKETS = 1000
export const MAX_CELLS = 10_000

export const TooManyBuckets = createError('TOO_MANY_BUCKETS', `The period holds %s buckets, more than ${MAX_BUCKETS}: use a larger interval or a shorter period`, 400)
const TooManyCells = createError('TOO_MANY_CELLS', '%s', 400)

/**
 * Refuses a table of `columns` × `channels` cells beyond MAX_CELLS, or one whose database rows (`rows`, read at most
 * MAX_CELLS + 1 deep) already pass it; `advice` says how to ask for less.
 */
export function checkCells (columns: number, what: string, channels: number, advice: string, rows = 0): void {
  if (columns * channels <= MAX_CELLS && rows <= MAX_CELLS) return
  throw new TooManyCells(`${rows > MAX_CELLS ? `More than ${MAX_CELLS}` : columns} ${what} × ${channels} channels is more than ${MAX_CELLS} cells: ${advice}`)
}
