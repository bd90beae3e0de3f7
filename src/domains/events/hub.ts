import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { EventLog } from './log.js'
import { SSE_HEADERS, SseStream, formatSseMessage } from './sse-stream.js'
import { ClientTail, type Subscriber } from './tail.js'
import type { EventDocument } from './types.js'

export interface StreamLimits {
  pollMs: number
  heartbeatMs: number
  maxBufferedBytes: number
  /** A stream whose client takes none of its unsent bytes for this long is closed. */
  stallMs: number
  perKey: number
  perClient: number
  perInstance: number
}

/** What one stream listens to: a client's events whose audience holds `tag`, after `after` (Last-Event-ID) or from now. */
export interface StreamTarget { clientId: ObjectId, keyId: ObjectId, tag: string, after?: number }

function httpError (statusCode: number, code: string, message: string) {
  return Object.assign(new Error(message), { statusCode, code })
}

/** Each event is formatted once, however many streams it goes to. */
const formatted = new WeakMap<EventDocument, string>()

function format (event: EventDocument): string {
  let text = formatted.get(event)
  if (text === undefined) {
    text = formatSseMessage({ id: String(event.seq), event: event.type, data: event.data })
    formatted.set(event, text)
  }
  return text
}

/**
 * Every open event stream of this instance and the per-client tails that feed them. A tail exists while a client has
 * streams here: each poll (EVENTS_POLL_MS) reads each tailed client's log once; an append on this instance nudges
 * its client's tail at once. Streams are capped per key, per client and per instance.
 */
export class EventStreams {
  private readonly tails = new Map<string, ClientTail>()
  private readonly streams = new Set<SseStream>()
  private readonly perKey = new Map<string, number>()
  private readonly perClient = new Map<string, number>()
  private timer: NodeJS.Timeout | null = null

  /** `log`: the reader the tails and replays use (made with the background comment: its reads are no request's). */
  constructor (readonly log: EventLog, readonly limits: StreamLimits, private readonly logger: FastifyBaseLogger) {}

  start (): void {
    this.timer = setInterval(() => { for (const tail of this.tails.values()) tail.poll() }, this.limits.pollMs)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
    for (const stream of this.streams) stream.close()
  }

  nudge (clientId: ObjectId): void {
    this.tails.get(clientId.toHexString())?.poll()
  }

  get openStreams (): number {
    return this.streams.size
  }

  get tailedClients (): number {
    return this.tails.size
  }

  /** Bytes written to open streams and not yet taken by their sockets. */
  get bufferedBytes (): number {
    let bytes = 0
    for (const stream of this.streams) bytes += stream.buffered
    return bytes
  }

  /**
   * Answers a stream request: HEAD gets the stream's headers only; GET, within the caps, becomes the stream. Events
   * after Last-Event-ID come first, read from the log, then live ones; an id ahead of the log is 400.
   */
  async respond (request: FastifyRequest, reply: FastifyReply, target: StreamTarget): Promise<void> {
    if (request.method === 'HEAD') {
      this.checkCaps(target, reply)
      await reply.code(200).headers(SSE_HEADERS).send()
      return
    }
    const release = this.reserve(target, reply)
    let tail: ClientTail | undefined
    try {
      tail = await this.acquire(target.clientId)
      const { after } = target
      if (after !== undefined && after > tail.position && !await this.log.has(target.clientId, after)) {
        throw httpError(400, 'BAD_REQUEST', `Last-Event-ID ${after} is ahead of this log (its newest event is ${tail.position}); reconnect without it`)
      }
    } catch (error) {
      if (tail) this.release(tail)
      release()
      throw error
    }
    this.serve(request, reply, tail, target, release)
  }

  private serve (request: FastifyRequest, reply: FastifyReply, tail: ClientTail, target: StreamTarget, release: () => void): void {
    reply.hijack()
    const stream = new SseStream(reply.raw, this.limits.heartbeatMs, this.limits.maxBufferedBytes)
    const follow = () => {
      this.catchUp(tail, subscriber, stream).catch((err: unknown) => {
        request.log.error({ err }, 'event stream replay failed')
        stream.close()
      })
    }
    const subscriber: Subscriber = {
      tag: target.tag,
      position: target.after ?? tail.position,
      deliver: (event) => {
        if (stream.sendFormatted(format(event))) return
        // Its client reads slower than events come: it leaves the live set and goes on from the log as it drains.
        tail.leave(subscriber)
        follow()
      }
    }
    this.streams.add(stream)
    stream.onClose(() => {
      this.streams.delete(stream)
      tail.leave(subscriber)
      this.release(tail)
      release()
    })
    // The client may have gone while the checks above awaited the database: its response will never close again.
    if (reply.raw.destroyed || request.raw.socket.destroyed) {
      stream.abort()
      return
    }
    stream.open({ ...reply.getHeaders(), 'x-request-id': request.id })
    if (subscriber.position >= tail.position) tail.join(subscriber)
    else follow()
  }

  /**
   * Sends the subscriber's events between its position and the tail's from the log, as fast as its socket takes them
   * (never more than the buffer bound at a time), then joins it to the tail in the same tick it has caught up, so no
   * event is missed or sent twice. A client that takes nothing for EVENT_STREAM_STALL_MS is disconnected.
   */
  private async catchUp (tail: ClientTail, subscriber: Subscriber, stream: SseStream): Promise<void> {
    for (;;) {
      if (!await stream.drained(this.limits.stallMs)) {
        stream.abort()
        return
      }
      if (stream.closed) return
      const upTo = tail.position
      const { events, through } = await this.log.replay(tail.clientId, subscriber.tag, subscriber.position, upTo)
      let full = false
      for (const event of events) {
        if (stream.closed) return
        subscriber.position = event.seq
        if (!stream.sendFormatted(format(event))) {
          full = true
          break
        }
      }
      if (stream.closed) return
      if (full) continue
      subscriber.position = Math.max(subscriber.position, through)
      if (tail.position === subscriber.position) {
        tail.join(subscriber)
        return
      }
    }
  }

  private checkCaps (target: StreamTarget, reply: FastifyReply): void {
    const { perKey, perClient, perInstance } = this.limits
    const refuse = (statusCode: number, message: string) => {
      reply.header('retry-after', '5')
      return httpError(statusCode, statusCode === 429 ? 'TOO_MANY_STREAMS' : 'SERVICE_UNAVAILABLE', message)
    }
    if (this.streams.size >= perInstance) throw refuse(503, `This instance holds its maximum of ${perInstance} event streams; retry shortly`)
    if ((this.perKey.get(target.keyId.toHexString()) ?? 0) >= perKey) {
      throw refuse(429, `This API key already holds ${perKey} open event streams (the most it may); close one first`)
    }
    if ((this.perClient.get(target.clientId.toHexString()) ?? 0) >= perClient) {
      throw refuse(429, `This client already holds ${perClient} open event streams (the most it may); close one first`)
    }
  }

  /** Counts a stream against the caps (429 or 503 beyond them); returns what gives its place back, once. */
  private reserve (target: StreamTarget, reply: FastifyReply): () => void {
    this.checkCaps(target, reply)
    const key = target.keyId.toHexString()
    const client = target.clientId.toHexString()
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1)
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      decrement(this.perKey, key)
      decrement(this.perClient, client)
    }
  }

  private async acquire (clientId: ObjectId): Promise<ClientTail> {
    const id = clientId.toHexString()
    let tail = this.tails.get(id)
    if (!tail) {
      tail = new ClientTail(clientId, this.log, (err) => { this.logger.warn({ err, clientId: id }, 'could not read the event log; retrying at the next poll') })
      this.tails.set(id, tail)
    }
    tail.holders++
    try {
      await tail.ready
    } catch (error) {
      this.release(tail)
      throw error
    }
    return tail
  }

  private release (tail: ClientTail): void {
    tail.holders--
    const id = tail.clientId.toHexString()
    if (tail.holders <= 0 && this.tails.get(id) === tail) this.tails.delete(id)
  }
}

function decrement (counts: Map<string, number>, key: string): void {
  const count = (counts.get(key) ?? 0) - 1
  if (count <= 0) counts.delete(key)
  else counts.set(key, count)
}
