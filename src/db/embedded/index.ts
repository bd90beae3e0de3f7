import { EmbeddedServer } from './server.js'

export interface EmbeddedMongoOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  /** Defaults to 127.0.0.1. */
  host?: string
  /** A Unix domain socket to listen on instead of a TCP port (its folder must exist; the file must not). */
  socketPath?: string
  /** Seconds between passes of the TTL monitor (default 5; mongod's ttlMonitorSleepSecs, 60 there). */
  ttlMonitorSleepSecs?: number
}

export interface EmbeddedMongo {
  uri: string
  port: number
  host: string
  stop(): Promise<void>
}

/** Starts an in-memory MongoDB-wire-compatible server (see README.md: not a production database). */
export async function startEmbeddedMongo (options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const host = options.host ?? '127.0.0.1'
  const server = new EmbeddedServer({ ttlMonitorSleepSecs: options.ttlMonitorSleepSecs })
  const port = await server.listen(options.port ?? 0, host, options.socketPath)
  const hostPart = host.includes(':') ? `[${host}]` : host
  let stopped: Promise<void> | undefined
  return {
    uri: options.socketPath === undefined ? `mongodb://${hostPart}:${port}/` : `mongodb://${encodeURIComponent(options.socketPath)}/`,
    port,
    host,
    stop: () => (stopped ??= server.close())
  }
}
