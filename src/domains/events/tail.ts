import type { ObjectId } from 'mongodb'
import { READ_BATCH, type EventLog } from './log.js'
import type { EventDocument } from './types.js'

/** Where a tail's events go: one open stream, listening to one audience tag. */
export interface Subscriber {
  tag: string
  /** The seq up to which this subscriber has been given (or deliberately skipped) every event. */
  position: number
  deliver (event: EventDocument): void
}

/**
 * One instance's reader of one client's log, shared by every stream of that client on the instance: it reads the
 * events after its position (one indexed query per poll or nudge, however many streams listen) and hands each, in
 * seq order, to the live subscribers whose tag is in its audience. It only ever advances over a run of consecutive
 * seqs, so an event not yet visible stops it until it is.
 */
export class ClientTail {
  position = 0
  readonly ready: Promise<void>
  /** Streams that hold this tail (catching up or live); the tail lives while there are any. */
  holders = 0
  private readonly live = new Set<Subscriber>()
  private reading: Promise<void> | null = null
  private again = false

  constructor (readonly clientId: ObjectId, private readonly log: EventLog, private readonly onError: (error: unknown) => void) {
    this.ready = this.start()
  }

  /** Reads the log now (or right after the read in flight), and delivers what is new. */
  poll (): void {
    if (this.reading) {
      this.again = true
      return
    }
    this.reading = this.ready.then(async () => { await this.readAll(true) }).catch(this.onError).finally(() => { this.reading = null })
  }

  /** Live delivery from now on, of the events after the subscriber's position. Synchronous, so nothing slips in between. */
  join (subscriber: Subscriber): void {
    this.live.add(subscriber)
  }

  leave (subscriber: Subscriber): void {
    this.live.delete(subscriber)
  }

  get subscribers (): number {
    return this.live.size
  }

  /** "Now" is the newest event the head names, plus any stored since: the tail starts after them, delivering none. */
  private async start (): Promise<void> {
    this.position = await this.log.head(this.clientId)
    await this.readAll(false)
  }

  private async readAll (deliver: boolean): Promise<void> {
    do {
      this.again = false
      const events = await this.log.after(this.clientId, this.position)
      for (const event of events) {
        this.position = event.seq
        if (!deliver) continue
        for (const subscriber of this.live) {
          if (event.seq <= subscriber.position) continue
          subscriber.position = event.seq
          if (event.audience.includes(subscriber.tag)) subscriber.deliver(event)
        }
      }
      if (events.length > 0 && events.length === READ_BATCH) this.again = true
    } while (this.again)
  }
}
