import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'

export interface SseMessage {
  id: string
  event: string
  data: unknown
}

/** Formats one Server-Sent Event; JSON data never holds a raw line break, so it fits on one `data:` line. */
export function formatSseMessage (message: SseMessage): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`
}

/** A Server-Sent Events response written on the raw Node response: headers, events, heartbeat comments, close. */
export class SseStream {
  private heartbeat: NodeJS.Timeout | null = null
  private readonly closeCallbacks: (() => void)[] = []
  closed = false

  constructor (private readonly raw: ServerResponse, private readonly heartbeatMs: number) {
    raw.on('close', () => { this.cleanup() })
  }

  /** Writes the head: the headers already set on the reply (CORS, security), then the event-stream ones. */
  open (headers: Record<string, OutgoingHttpHeaders[string]> = {}): void {
    const inherited = Object.entries(headers).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined)
    this.raw.writeHead(200, {
      ...Object.fromEntries(inherited),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    this.raw.write('retry: 3000\n: connected\n\n')
    this.heartbeat = setInterval(() => { this.comment('heartbeat') }, this.heartbeatMs)
    this.heartbeat.unref()
  }

  send (message: SseMessage): void {
    if (!this.closed) this.raw.write(formatSseMessage(message))
  }

  comment (text: string): void {
    if (!this.closed) this.raw.write(`: ${text}\n\n`)
  }

  onClose (callback: () => void): void {
    if (this.closed) callback()
    else this.closeCallbacks.push(callback)
  }

  close (): void {
    if (!this.raw.writableEnded) this.raw.end()
    this.cleanup()
  }

  private cleanup (): void {
    if (this.closed) return
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    for (const callback of this.closeCallbacks.splice(0)) callback()
  }
}
