/**
 * TTL indexes, as mongod's TTL monitor runs them: every `ttlMonitorSleepSecs` seconds, documents whose indexed date
 * (the earliest, for an array of dates) is more than `expireAfterSeconds` in the past are deleted. Only single-field
 * indexes count (mongod ignores the option on compound ones); values that are not dates never expire. The expired
 * keys are a range of the ordered index, so a pass reads only what it deletes; it deletes at most BATCH documents per
 * index before yielding to the event loop, and continues at once while any remain.
 */
import type { Collection } from './collection.js'
import type { Index } from './indexes.js'
import { AFTER, keyOf, seqOfKey } from './keys.js'
import type { Store } from './store.js'
import { CommandError } from './errors.js'
import { isPlainObject, toView, type Doc } from './values.js'

const BATCH = 1000

/** The engine's TTL monitor; `sleepSecs` may change while it runs (setParameter ttlMonitorSleepSecs). */
export class TtlMonitor {
  sleepSecs: number
  private timer?: NodeJS.Timeout
  private stopped = false
  /** Documents deleted so far (serverStatus' metrics.ttl.deletedDocuments). */
  deleted = 0
  passes = 0

  constructor (private readonly store: Store, sleepSecs: number) {
    this.sleepSecs = sleepSecs
  }

  start (): void {
    this.schedule(this.sleepSecs * 1000)
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  /** The next pass after `sleepSecs` from now (after the interval changed). */
  restart (): void {
    clearTimeout(this.timer)
    this.schedule(this.sleepSecs * 1000)
  }

  private schedule (ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      const more = this.pass()
      this.schedule(more ? 0 : this.sleepSecs * 1000)
    }, ms)
    this.timer.unref()
  }

  /** One pass over every TTL index; true when some index had more expired documents than one batch. */
  pass (now = Date.now()): boolean {
    this.passes++
    let more = false
    for (const db of this.store.databaseNames()) {
      for (const collection of this.store.collections(db)) {
        for (const index of collection.indexes()) {
          const seconds = ttlSeconds(index)
          if (seconds !== undefined && expire(collection, index, now - seconds * 1000, (n) => { this.deleted += n })) more = true
        }
      }
    }
    return more
  }
}

/** expireAfterSeconds of a TTL index (single field, numeric), else undefined. */
export function ttlSeconds (index: Index): number | undefined {
  if (index.fields.length !== 1 || index.spec.expireAfterSeconds === undefined) return undefined
  const seconds = toView(index.spec.expireAfterSeconds)
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : undefined
}

/** Deletes documents whose date in the index is before `cutoff` (ms); true when more than one batch had expired. */
function expire (collection: Collection, index: Index, cutoff: number, count: (n: number) => void): boolean {
  const dateTag = keyOf(new Date(0)).charAt(0)
  const ascending = index.directions[0] > 0
  const invert = (s: string): string => Array.from(s, (c) => String.fromCharCode(255 - c.charCodeAt(0))).join('')
  const end = keyOf(new Date(cutoff))
  // Dates from the lowest up to the cutoff (exclusive), in the index's own key space.
  const [low, high] = ascending ? [dateTag, end] : [invert(end) + AFTER, invert(dateTag) + AFTER]
  const seqs = new Set<number>()
  for (const key of index.tree.keys(low)) {
    if (index.compare(key, high) >= 0 || seqs.size >= BATCH) break
    seqs.add(seqOfKey(key))
  }
  let removed = 0
  for (const seq of seqs) {
    const record = collection.record(seq)
    if (record === undefined) continue
    collection.remove(record)
    removed++
  }
  count(removed)
  return seqs.size >= BATCH
}

const MAX_EXPIRE = 2147483647

/** createIndexes' check of expireAfterSeconds (mongod 7: a number from 0 to 2^31 - 1). */
export function checkTtlOption (spec: { expireAfterSeconds?: unknown }): void {
  if (spec.expireAfterSeconds === undefined) return
  const seconds = toView(spec.expireAfterSeconds)
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_EXPIRE) {
    throw new CommandError(67, 'CannotCreateIndex', `TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number: ${String(seconds)}`)
  }
}

/** collMod's `index: {name | keyPattern, expireAfterSeconds}`: changes a TTL index's expiry; the reply's fields. */
export function modifyTtl (collection: Collection, option: Doc): Doc {
  const indexes = collection.indexes()
  const keyPattern = isPlainObject(option.keyPattern) ? option.keyPattern : undefined
  const index = typeof option.name === 'string'
    ? indexes.find((i) => i.name === option.name)
    : keyPattern === undefined ? undefined : indexes.find((i) => JSON.stringify(toView(i.spec.key)) === JSON.stringify(toView(keyPattern)))
  if (index === undefined) throw new CommandError(27, 'IndexNotFound', `cannot find index ${JSON.stringify(option.name ?? keyPattern)} for ns ${collection.ns}`)
  if (option.expireAfterSeconds === undefined) return {}
  checkTtlOption(option)
  if (index.name === '_id_' || index.fields.length !== 1) throw new CommandError(72, 'InvalidOptions', 'TTL indexes are single-field indexes, compound indexes do not support TTL')
  const old = index.spec.expireAfterSeconds
  index.spec.expireAfterSeconds = toView(option.expireAfterSeconds) as number
  return { ...(old === undefined ? {} : { expireAfterSeconds_old: old }), expireAfterSeconds_new: index.spec.expireAfterSeconds }
}
