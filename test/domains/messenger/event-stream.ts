/** A test client for Server-Sent Events over Node's fetch: reads events one at a time, and closes. */
export interface ReceivedEvent { id?: string, event?: string, data?: unknown }

export interface EventStreamClient {
  status: number
  contentType: string | null
  headers: Headers
  next(): Promise<ReceivedEvent>
  /** Resolves when the server ends the stream. */
  ended(): Promise<void>
  close(): void
}

const SAFETY_MS = 10_000

function parseBlock (block: string): ReceivedEvent | null {
  const event: ReceivedEvent = {}
  let hasField = false
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue
    const [field, ...rest] = line.split(':')
    const value = rest.join(':').replace(/^ /, '')
    if (field === 'id') event.id = value
    if (field === 'event') event.event = value
    if (field === 'data') event.data = JSON.parse(value)
    if (field === 'id' || field === 'event' || field === 'data') hasField = true
  }
  return hasField ? event : null
}

export async function openEventStream (url: string, headers: Record<string, string>): Promise<EventStreamClient> {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const reader = res.body?.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const queue: ReceivedEvent[] = []

  /** Reads until an event is parsed (returns it) or the stream ends (returns null). */
  async function read (): Promise<ReceivedEvent | null> {
    if (!reader) return null
    for (;;) {
      let boundary = buffer.indexOf('\n\n')
      while (boundary >= 0) {
        const event = parseBlock(buffer.slice(0, boundary))
        buffer = buffer.slice(boundary + 2)
        if (event) queue.push(event)
        boundary = buffer.indexOf('\n\n')
      }
      const queued = queue.shift()
      if (queued) return queued
      const { value, done } = await reader.read()
      if (done) return null
      buffer += decoder.decode(value, { stream: true })
    }
  }

  function withSafety<T> (promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const safety = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no ${what} within ${SAFETY_MS} ms`)) }, SAFETY_MS)
    })
    return Promise.race([promise, safety]).finally(() => clearTimeout(timer))
  }

  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    headers: res.headers,
    async next () {
      const event = await withSafety(read(), 'event')
      if (!event) throw new Error('the stream ended before the next event')
      return event
    },
    async ended () {
      await withSafety((async () => { while (await read()); })(), 'end of stream')
    },
    close () { controller.abort() }
  }
}
