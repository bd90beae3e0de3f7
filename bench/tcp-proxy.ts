import net from 'node:net'

export interface TcpProxy {
  /** A mongodb:// URI that reaches the target through the proxy. */
  uri: string
  port: number
  /** Drops every open connection and refuses new ones until restore(): the database "goes away" without losing data. */
  cut(): void
  restore(): void
  close(): Promise<void>
}

/** A TCP proxy in front of a database, for outage drills: cut() and restore() the link while the data stays. */
export async function startTcpProxy (target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let open = true
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const server = net.createServer((client) => {
    track(client)
    if (!open) {
      client.destroy()
      return
    }
    const upstream = net.connect(target.port, target.host)
    track(upstream)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    cut () {
      open = false
      for (const socket of sockets) socket.destroy()
    },
    restore () { open = true },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}
