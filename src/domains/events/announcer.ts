import type { FastifyBaseLogger } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { Appender } from './appender.js'
import type { Leases } from './leases.js'
import { backgroundComment } from '../../db/plugin.js'
import { clearOutboxes, draftsOf, type EventSource, type OutboxDocument } from './outbox.js'

/** Outbox entries younger than this are left to the request that wrote them (it is most likely appending them now). */
export const SWEEP_GRACE_MS = 5000
const SWEEP_BATCH = 200
const SWEEP_ROUNDS = 50

/**
 * Turns outbox entries into events. A request that wrote a record announces it at once; whatever it could not
 * (it crashed, lost the database, or was a process without the app such as the import CLI) is announced by the
 * sweep, which one instance at a time (by lease) runs at start-up and every EVENTS_SWEEP_INTERVAL_MS. Appending is
 * idempotent by event key, so a record announced twice (a retry, a sweep racing a slow request) is logged once.
 */
export class Announcer {
  private readonly sources = new Map<string, EventSource>()

  constructor (
    private readonly appender: Appender,
    private readonly leases: Leases,
    private readonly logger: FastifyBaseLogger,
    private readonly sweepLeaseMs: number
  ) {}

  register<T extends OutboxDocument> (name: string, source: EventSource<T>): void {
    this.sources.set(name, source as unknown as EventSource)
  }

  /**
   * Appends the events the documents owe, in document then entry order, and clears their outboxes. A failure is
   * logged, not thrown: the record is stored, and the sweep appends its events later. True when all were appended.
   * `completed`: keys of entries whose commit the caller has completed itself (see EventSource.settle).
   */
  async announce<T extends OutboxDocument> (name: string, docs: T[], completed: ReadonlySet<string> = new Set()): Promise<boolean> {
    const source = this.source(name)
    const owing = docs.filter((doc) => (doc.outbox ?? []).length > 0)
    if (owing.length === 0) return true
    try {
      for (const [clientId, group] of byClient(owing)) {
        await source.settle?.(group, completed)
        await this.appender.append(clientId, group.flatMap((doc) => draftsOf(source, doc)))
        await clearOutboxes(source.collection, group)
      }
      return true
    } catch (err) {
      this.logger.warn({ err, source: name }, 'events not appended yet; the outbox sweep will append them')
      return false
    }
  }

  /** Announces every outbox entry written before `cutoff` in every source; returns how many documents it announced. */
  async sweep (cutoff = new Date(Date.now() - SWEEP_GRACE_MS)): Promise<number> {
    if (!await this.leases.acquire('events-outbox-sweep', this.sweepLeaseMs)) return 0
    let announced = 0
    for (const [name, source] of this.sources) {
      for (let round = 0; round < SWEEP_ROUNDS; round++) {
        const docs = await source.collection.find({ 'outbox.at': { $lte: cutoff } } as never, { comment: backgroundComment('outbox sweep') }).limit(SWEEP_BATCH).toArray() as OutboxDocument[]
        if (docs.length === 0 || !await this.announce(name, docs)) break
        announced += docs.length
        if (docs.length < SWEEP_BATCH) break
      }
    }
    return announced
  }

  private source (name: string): EventSource {
    const source = this.sources.get(name)
    if (!source) throw new Error(`no event source named ${name}`)
    return source
  }
}

function byClient<T extends OutboxDocument> (docs: T[]): Map<ObjectId, T[]> {
  const groups = new Map<string, { clientId: ObjectId, docs: T[] }>()
  for (const doc of docs) {
    const id = doc.clientId.toHexString()
    const group = groups.get(id) ?? { clientId: doc.clientId, docs: [] }
    group.docs.push(doc)
    groups.set(id, group)
  }
  return new Map([...groups.values()].map((group) => [group.clientId, group.docs]))
}
