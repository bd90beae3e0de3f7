import { createServer, type Server, type Socket } from 'node:net'
import { connect, disconnect } from './activity.js'
import { runCommand } from './commands/index.js'
import { Cursors } from './cursors.js'
import { Store } from './store.js'
import { TtlMonitor } from './ttl.js'
import type { Doc } from './values.js'
import { MORE_TO_COME, MessageReader, encodeOpMsg, encodeOpReply, parseMessage } from './wire.js'

/** mongod checks TTL indexes every 60 seconds; the engine, meant for development and tests, every 5. */
export const DEFAULT_TTL_SLEEP_SECS = 5

/** The socket side of the engine: frames requests, runs each command synchronously, writes replies. */
export class EmbeddedServer {
  readonly store = new Store()
  readonly cursors = new Cursors()
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private nextConnectionId = 1
  private nextRequestId = 1
  private port = 0
  private readonly reaper: NodeJS.Timeout
  readonly ttl: TtlMonitor

  /** `ttlMonitorSleepSecs`: seconds between passes of the TTL monitor. */
  constructor (options: { ttlMonitorSleepSecs?: number } = {}) {
    this.server = createServer((socket) => this.accept(socket))
    this.reaper = setInterval(() => this.cursors.reap(), 60_000)
    this.reaper.unref()
    this.ttl = new TtlMonitor(this.store, options.ttlMonitorSleepSecs ?? DEFAULT_TTL_SLEEP_SECS)
    this.ttl.start()
  }

  /** Listens on a TCP port of `host`, or on the Unix domain socket `path` (then the port answered is 0). */
  listen (port: number, host: string, path?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      const listening = () => {
        this.server.off('error', reject)
        const address = this.server.address()
        this.port = typeof address === 'object' && address !== null ? address.port : port
        resolve(this.port)
      }
      if (path === undefined) this.server.listen(port, host, listening)
      else this.server.listen(path, listening)
    })
  }

  async close (): Promise<void> {
    clearInterval(this.reaper)
    this.ttl.stop()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    this.cursors.clear()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept (socket: Socket): void {
    const connectionId = this.nextConnectionId++
    const reader = new MessageReader()
    this.sockets.add(socket)
    connect(this.store, connectionId, `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`)
    socket.setNoDelay(true)
    socket.on('close', () => {
      this.sockets.delete(socket)
      disconnect(this.store, connectionId)
    })
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const message of reader.push(chunk)) this.handle(socket, message, connectionId)
      } catch {
        socket.destroy()
      }
    })
  }

  private handle (socket: Socket, message: Buffer, connectionId: number): void {
    const request = parseMessage(message)
    const requestId = this.nextRequestId++
    const ctx = { store: this.store, cursors: this.cursors, connectionId, port: this.port, ttl: this.ttl }
    if (request.kind === 'query') {
      const db = request.collection.split('.')[0]
      const wrapped = request.query.$query
      const command = typeof wrapped === 'object' && wrapped !== null && !Array.isArray(wrapped) ? wrapped as Doc : request.query
      const reply = runCommand(command, { ...ctx, db })
      socket.write(encodeOpReply(reply, request.header.requestId, requestId))
      return
    }
    const reply = runCommand(request.body, { ...ctx, raw: request.raw, storedForm: true })
    if ((request.flags & MORE_TO_COME) !== 0) return
    socket.write(encodeOpMsg(reply, request.header.requestId, requestId))
  }
}
