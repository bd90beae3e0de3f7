import t from 'tap'
import { EventEmitter, once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { SseStream, formatSseMessage } from '../../src/domains/events/sse-stream.js'

/** Just enough of a Node response to watch what a stream writes; `taken` bytes have left its buffer for the socket. */
class FakeResponse extends EventEmitter {
  written = ''
  taken = 0
  head: { status: number, headers: Record<string, string> } | null = null
  writableEnded = false
  destroyed = false
  get writableLength () { return this.written.length - this.taken }
  get writableNeedDrain () { return this.writableLength > 0 }
  writeHead (status: number, headers: Record<string, string>) { this.head = { status, headers } }
  write (chunk: string) { this.written += chunk; this.emit('written', chunk); return this.writableLength === 0 }
  end () { this.writableEnded = true; this.emit('close') }
  destroy () { this.destroyed = true; this.emit('close') }
  /** The client reads everything buffered. */
  drain () { this.taken = this.written.length; this.emit('drain') }
}

t.test('formats an event with its id, name and one line of JSON data', async (t) => {
  t.equal(formatSseMessage({ id: 'a1', event: 'direct-message', data: { text: 'two\nlines' } }),
    'id: a1\nevent: direct-message\ndata: {"text":"two\\nlines"}\n\n')
})

t.test('opens with event-stream headers, sends heartbeat comments, and stops on close', async (t) => {
  const raw = new FakeResponse()
  const stream = new SseStream(raw as unknown as ServerResponse, 5, 1 << 20)
  let closed = 0
  stream.onClose(() => { closed++ })
  stream.open({ 'x-request-id': 'r1', 'content-type': 'application/json' })
  t.match(raw.head, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-request-id': 'r1' } })
  t.equal(raw.written, 'retry: 3000\n: connected\n\n')
  raw.drain()
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
  t.equal(stream.send({ id: 'x', event: 'e', data: 1 }), false)
  stream.comment('late')
  t.equal(raw.written, after, 'nothing is written after close')
  let lateCallback = false
  stream.onClose(() => { lateCallback = true })
  t.equal(lateCallback, true, 'a close callback registered after close runs at once')
})

t.test('a write past the buffer bound says so; abort() drops the connection without flushing', async (t) => {
  const raw = new FakeResponse()
  const stream = new SseStream(raw as unknown as ServerResponse, 60_000, 1000)
  stream.open()
  raw.drain()
  const message = { id: '1', event: 'e', data: 'x'.repeat(200) }
  const size = formatSseMessage(message).length
  let accepted = 0
  while (stream.send(message)) accepted++
  t.equal(accepted, Math.floor(1000 / size), 'every event that fits in the bound is taken')
  t.ok(raw.writableLength > 1000 && raw.writableLength <= 1000 + size, 'the one that passes it is written, nothing more')
  t.equal(stream.closed, false, 'a full stream stays open: its writer waits for drained()')
  const unsent = raw.writableLength
  t.equal(stream.comment('heartbeat'), true)
  t.equal(raw.writableLength, unsent, 'no heartbeat is added while bytes wait unsent')
  stream.abort()
  t.equal(raw.destroyed, true)
  t.equal(raw.writableEnded, false, 'nothing is flushed')
  t.equal(stream.closed, true)
  t.equal(stream.send(message), false)
})

t.test('a reader that keeps up is never disconnected, and drained() waits for it', async (t) => {
  const raw = new FakeResponse()
  const stream = new SseStream(raw as unknown as ServerResponse, 60_000, 1000)
  stream.open()
  for (let index = 0; index < 100; index++) {
    t.equal(stream.send({ id: String(index), event: 'e', data: 'y'.repeat(100) }), true)
    const waiting = stream.drained(10_000)
    raw.drain()
    t.equal(await waiting, true)
  }
  const stalled = stream.drained(20)
  stream.send({ id: 'last', event: 'e', data: 'z' })
  t.equal(await stream.drained(20), false, 'a reader that takes nothing within the timeout is reported')
  t.equal(await stalled, true, 'nothing was buffered when that wait began')
})
