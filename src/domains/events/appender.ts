import type { ObjectId } from 'mongodb'
import type { EventLog } from './log.js'
import type { EventDraft } from './types.js'

interface Waiting { drafts: EventDraft[], done: (error?: unknown) => void }

/** The most drafts one insert carries. */
const MAX_GROUP = 500

/**
 * Appends to the log one client at a time on this instance: while an insert for a client is in flight, later appends
 * for it wait and then go together in one insert (group commit), so an instance never races itself for a seq and a
 * busy client costs one insert per round trip, not one per event. `appended` runs after each insert that stored events.
 */
export class Appender {
  private readonly queues = new Map<string, Waiting[]>()

  constructor (private readonly log: EventLog, private readonly appended: (clientId: ObjectId) => void) {}

  async append (clientId: ObjectId, drafts: EventDraft[]): Promise<void> {
    if (drafts.length === 0) return
    const id = clientId.toHexString()
    const queue = this.queues.get(id)
    const done = new Promise<void>((resolve, reject) => {
      const waiting: Waiting = { drafts, done: (error) => { if (error) reject(error); else resolve() } }
      if (queue) queue.push(waiting)
      else {
        this.queues.set(id, [waiting])
        void this.drain(clientId, id)
      }
    })
    return done
  }

  /** Appends still waiting or in flight, for every client (a bound on what the instance holds). */
  get waiting (): number {
    let count = 0
    for (const queue of this.queues.values()) count += queue.length
    return count
  }

  private async drain (clientId: ObjectId, id: string): Promise<void> {
    const queue = this.queues.get(id) as Waiting[]
    while (queue.length > 0) {
      const group: Waiting[] = []
      let size = 0
      while (queue.length > 0 && (group.length === 0 || size + (queue[0] as Waiting).drafts.length <= MAX_GROUP)) {
        const next = queue.shift() as Waiting
        group.push(next)
        size += next.drafts.length
      }
      let failure: unknown
      try {
        await this.log.insert(clientId, group.flatMap((waiting) => waiting.drafts))
      } catch (error) {
        failure = error ?? new Error('append failed')
      }
      for (const waiting of group) waiting.done(failure)
      if (failure === undefined) this.appended(clientId)
    }
    this.queues.delete(id)
  }
}
