import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'

export interface SseMessage {
  id: string
  event: string
  data: unknown
}

/** The head of every event stream response (also what HEAD answers). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no'
} as const

/** Formats one Server-Sent Event; JSON data never holds a raw line break, so it fits on one `data:` line. */
export function formatSseMessage (message: SseMessage): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`
}

/**
 * A Server-Sent Events response written on the raw Node response: headers, events, heartbeat comments, close.
 * Backpressure: a write reports whether the stream can take more, that is whether its unsent bytes are still within
 * `maxBufferedBytes`; a writer that is told no stops writing until `drained()` (the hub then replays the rest from
 * the log). A stream that does not drain in time is aborted, which frees its buffer at once; the client reconnects
 * with Last-Event-ID and is sent again whatever it did not receive.
 */
export class SseStream {
  private heartbeat: NodeJS.Timeout | null = null
  private readonly closeCallbacks: (() => void)[] = []
  closed = false

  constructor (private readonly raw: ServerResponse, private readonly heartbeatMs: number, readonly maxBufferedBytes: number) {
    raw.on('close', () => { this.cleanup() })
  }

  /** Writes the head: the headers already set on the reply (CORS, security), then the event-stream ones. */
  open (headers: Record<string, OutgoingHttpHeaders[string]> = {}): void {
    const inherited = Object.entries(headers).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined)
    this.raw.writeHead(200, { ...Object.fromEntries(inherited), ...SSE_HEADERS })
    this.write('retry: 3000\n: connected\n\n')
    this.heartbeat = setInterval(() => { this.comment('heartbeat') }, this.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Bytes written but not yet taken by the client's socket. */
  get buffered (): number {
    return this.raw.writableLength
  }

  /** False when the stream is closed or its unsent bytes passed the bound: write nothing more before drained(). */
  send (message: SseMessage): boolean {
    return this.write(formatSseMessage(message))
  }

  /** Sends an event already formatted by formatSseMessage. */
  sendFormatted (text: string): boolean {
    return this.write(text)
  }

  /** A comment line (heartbeat); skipped while unsent bytes wait, which keep the connection busy anyway. */
  comment (text: string): boolean {
    if (this.raw.writableLength > 0) return !this.closed
    return this.write(`: ${text}\n\n`)
  }

  /** Resolves once the buffered bytes are taken by the socket, the stream closes, or `timeoutMs` passes (false then). */
  async drained (timeoutMs: number): Promise<boolean> {
    if (this.closed || !this.raw.writableNeedDrain) return true
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer)
        this.raw.off('drain', onDone)
        this.raw.off('close', onDone)
        resolve(drained)
      }
      const onDone = () => { finish(true) }
      const timer = setTimeout(() => { finish(false) }, timeoutMs)
      this.raw.on('drain', onDone)
      this.raw.on('close', onDone)
    })
  }

  onClose (callback: () => void): void {
    if (this.closed) callback()
    else this.closeCallbacks.push(callback)
  }

  close (): void {
    if (!this.raw.writableEnded) this.raw.end()
    this.cleanup()
  }

  /** Drops the connection without flushing what waits in its buffer. */
  abort (): void {
    this.raw.destroy()
    this.cleanup()
  }

  private write (chunk: string): boolean {
    if (this.closed) return false
    this.raw.write(chunk)
    return this.raw.writableLength <= this.maxBufferedBytes
  }

  private cleanup (): void {
    if (this.closed) return
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    for (const callback of this.closeCallbacks.splice(0)) callback()
  }
}
