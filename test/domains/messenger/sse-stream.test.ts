import t from 'tap'
import { EventEmitter, once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { SseStream, formatSseMessage } from '../../../src/domains/messenger/sse-stream.js'

/** Just enough of a Node response to watch what a stream writes. */
class FakeResponse extends EventEmitter {
  written = ''
  head: { status: number, headers: Record<string, string> } | null = null
  writableEnded = false
  writeHead (status: number, headers: Record<string, string>) { this.head = { status, headers } }
  write (chunk: string) { this.written += chunk; this.emit('written', chunk); return true }
  end () { this.writableEnded = true; this.emit('close') }
}

t.test('formats an event with its id, name and one line of JSON data', async (t) => {
  t.equal(formatSseMessage({ id: 'a1', event: 'direct-message', data: { text: 'two\nlines' } }),
    'id: a1\nevent: direct-message\ndata: {"text":"two\\nlines"}\n\n')
})

t.test('opens with event-stream headers, sends heartbeat comments, and stops on close', async (t) => {
  const raw = new FakeResponse()
  const stream = new SseStream(raw as unknown as ServerResponse, 5)
  let closed = 0
  stream.onClose(() => { closed++ })
  stream.open({ 'x-request-id': 'r1', 'content-type': 'application/json' })
  t.match(raw.head, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-request-id': 'r1' } })
  t.equal(raw.written, 'retry: 3000\n: connected\n\n')
  // The heartbeat timer is unref'd (a stream must not keep a closing server alive) and a fake response holds no
  // socket, so without a ref'd timer of its own this process could exit before the first heartbeat.
  const keepAlive = setTimeout(() => {}, 10_000)
  const [heartbeat] = await once(raw, 'written')
  clearTimeout(keepAlive)
  t.equal(heartbeat, ': heartbeat\n\n')

  stream.close()
  t.equal(raw.writableEnded, true)
  t.equal(closed, 1)
  const after = raw.written
  stream.send({ id: 'x', event: 'e', data: 1 })
  stream.comment('late')
  t.equal(raw.written, after, 'nothing is written after close')
  let lateCallback = false
  stream.onClose(() => { lateCallback = true })
  t.equal(lateCallback, true, 'a close callback registered after close runs at once')
})
