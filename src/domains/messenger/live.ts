import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ObjectId } from 'mongodb'
import { MessageBus, type LiveEvent } from './events.js'
import { SseStream } from './sse-stream.js'

export interface StreamOptions {
  channel: string
  /** The Last-Event-ID the client reconnected with, if any. */
  lastEventId?: ObjectId
  /** The events stored after `lastEventId`, oldest first (read from the database). */
  missedSince: (lastEventId: ObjectId) => AsyncIterable<LiveEvent>
}

/** How often an idle event stream gets a `: heartbeat` comment, so proxies keep it open. */
export const HEARTBEAT_MS = 15_000

function isAfter (event: LiveEvent, position: ObjectId | undefined): boolean {
  return position === undefined || event.id.toHexString() > position.toHexString()
}

/** Live delivery: the message bus and every open event stream, which all close when the app closes. */
export class LiveMessages {
  readonly bus = new MessageBus()
  private readonly streams = new Set<SseStream>()

  constructor (readonly heartbeatMs: number) {}

  /**
   * Takes over the response as an event stream: first the events missed since Last-Event-ID (from the database),
   * then live ones. It listens before reading the database, so nothing published in between is lost or sent twice.
   */
  async open (request: FastifyRequest, reply: FastifyReply, options: StreamOptions): Promise<void> {
    reply.hijack()
    const stream = new SseStream(reply.raw, this.heartbeatMs)
    this.streams.add(stream)
    stream.onClose(() => { this.streams.delete(stream) })
    stream.open({ ...reply.getHeaders(), 'x-request-id': request.id })

    let position = options.lastEventId
    let held: LiveEvent[] | null = []
    const deliver = (event: LiveEvent) => {
      if (!isAfter(event, position)) return
      position = event.id
      stream.send({ id: event.id.toHexString(), event: event.name, data: event.data })
    }
    const unsubscribe = this.bus.subscribe(options.channel, (event) => {
      if (held) held.push(event)
      else deliver(event)
    })
    stream.onClose(unsubscribe)

    try {
      if (options.lastEventId) {
        for await (const event of options.missedSince(options.lastEventId)) {
          if (stream.closed) break
          deliver(event)
        }
      }
    } catch (error) {
      request.log.error({ err: error }, 'event stream replay failed')
      stream.close()
      return
    }
    const waiting = held
    held = null
    for (const event of waiting) deliver(event)
  }

  get openStreams (): number {
    return this.streams.size
  }

  closeAll (): void {
    for (const stream of this.streams) stream.close()
  }
}
