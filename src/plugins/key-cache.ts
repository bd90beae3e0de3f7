import fp from 'fastify-plugin'
import { performance } from 'node:perf_hooks'
import type { ApiKeyDocument } from '../domains/clients/api-keys-repository.js'
import { backgroundComment } from '../db/plugin.js'

/** How often each instance asks the database for revocations, and how old its last answer may be before the cache is bypassed. */
export const REVOCATION_POLL_MS = 1000
export const MAX_STALENESS_MS = 2000
/** A revocation is read again by every poll for this long after the newest one seen, so one that became visible late is not missed. */
const REVOCATION_OVERLAP_MS = 30_000
const REVOCATIONS_PER_POLL = 1000

/**
 * Verified API keys by hash, least recently used first, at most `size`. Entries are trusted only while the last
 * successful revocation poll started at most `maxStalenessMs` ago. Only keys the database confirmed enter, so unknown
 * keys cannot push real ones out; a revocation seen while a lookup is in flight keeps that lookup's answer out.
 */
export function createKeyCache (size: number, maxStalenessMs = MAX_STALENESS_MS, now: () => number = () => performance.now()) {
  const byHash = new Map<string, ApiKeyDocument>()
  let generation = 0
  let trustedSince = -Infinity
  return {
    /** The cached key, or undefined (also whenever revocations have not been checked recently enough). */
    get (hash: string): ApiKeyDocument | undefined {
      if (now() - trustedSince > maxStalenessMs) return undefined
      const doc = byHash.get(hash)
      if (doc === undefined) return undefined
      byHash.delete(hash)
      byHash.set(hash, doc)
      return doc
    },
    /** The number to pass back to `add` with the answer of a lookup started now. */
    get generation (): number { return generation },
    add (hash: string, doc: ApiKeyDocument, generationAtLookup: number): void {
      if (generationAtLookup !== generation) return
      byHash.set(hash, doc)
      if (byHash.size > size) byHash.delete(byHash.keys().next().value as string)
    },
    forget (hash: string): void {
      generation++
      byHash.delete(hash)
    },
    clear (): void {
      generation++
      byHash.clear()
    },
    /** Every revocation stored before `startedAt` (a poll's start, from `now`) has been applied. */
    checkedAt (startedAt: number): void {
      trustedSince = Math.max(trustedSince, startedAt)
    },
    get size (): number { return byHash.size }
  }
}

export type KeyCache = ReturnType<typeof createKeyCache>

declare module 'fastify' {
  interface FastifyInstance {
    apiKeyLookup: {
      /** A cached verified key (no database work), or undefined. */
      cached(hash: string): ApiKeyDocument | undefined
      /** The active key with this hash: from the cache, else from the database (and then cached). */
      find(hash: string): Promise<ApiKeyDocument | null>
      /** Resolves once a revocation poll that started after this call has been applied. */
      nextPoll(): Promise<void>
    }
  }
}

/**
 * API keys cached in the process with bounded staleness: a key revoked here is forgotten at once; every instance polls
 * the database for revocations once a second (one indexed query, whatever the number of keys) and stops trusting its
 * cache when its last successful poll started more than 2 s ago, so a key revoked on another instance stops working
 * here within 2 s.
 */
export default fp(async function keyCachePlugin (app) {
  const repository = app.apiKeysRepository
  const cache = createKeyCache(app.config.API_KEY_CACHE_SIZE)
  repository.onRevoked((doc) => cache.forget(doc.hash))
  let newest: number | null = null
  let polling: Promise<void> | null = null
  let waiters: Array<() => void> = []

  async function poll (): Promise<void> {
    const startedAt = performance.now()
    const done = waiters
    waiters = []
    try {
      const since = newest === null ? null : new Date(newest - REVOCATION_OVERLAP_MS)
      const revoked = await repository.revokedSince(since, REVOCATIONS_PER_POLL, backgroundComment('key revocations'))
      // A full page may hide older revocations inside the overlap: then every key is looked up again.
      if (revoked.length === REVOCATIONS_PER_POLL) cache.clear()
      for (const key of revoked) cache.forget(key.hash)
      if (revoked[0]) newest = Math.max(newest ?? 0, revoked[0].revokedAt.getTime())
    } catch (error) {
      waiters.push(...done)
      throw error
    }
    cache.checkedAt(startedAt)
    for (const resolve of done) resolve()
  }

  function pollOnce (): Promise<void> {
    polling ??= poll().catch((err: unknown) => { app.log.warn({ err }, 'could not read key revocations; cached keys are not trusted until it works again') })
      .finally(() => { polling = null })
    return polling
  }

  await poll()
  const timer = setInterval(() => { void pollOnce() }, REVOCATION_POLL_MS)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await polling
  })

  app.decorate('apiKeyLookup', {
    cached: (hash: string) => cache.get(hash),
    async find (hash: string) {
      const hit = cache.get(hash)
      if (hit) return hit
      const generation = cache.generation
      const doc = await repository.findActiveByHash(hash)
      if (doc) cache.add(hash, doc, generation)
      return doc
    },
    nextPoll: () => new Promise<void>((resolve) => { waiters.push(resolve) })
  })
}, { name: 'key-cache', dependencies: ['@fastify/env', 'api-keys-repository'] })
