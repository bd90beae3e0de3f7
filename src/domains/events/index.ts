import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { ObjectId } from 'mongodb'
import { backgroundComment } from '../../db/plugin.js'
import { Announcer } from './announcer.js'
import { Appender } from './appender.js'
import { watchLog } from './change-stream.js'
import { EventStreams } from './hub.js'
import { Leases } from './leases.js'
import { EventLog } from './log.js'
import type { EventSource, OutboxDocument } from './outbox.js'

/** How often an idle event stream gets a `: heartbeat` comment, so proxies keep it open. */
export const HEARTBEAT_MS = 15_000

export interface Events {
  log: EventLog
  streams: EventStreams
  leases: Leases
  /** Registers a collection whose documents carry an outbox, under the name `announce` and the sweep know it by. */
  registerSource<T extends OutboxDocument> (name: string, source: EventSource<T>): void
  /** Appends the events the documents owe and clears their outboxes; on failure the sweep does it later (never throws). */
  announce<T extends OutboxDocument> (name: string, docs: T[], completed?: ReadonlySet<string>): Promise<boolean>
  /** One pass of the outbox sweep (it runs by itself at start-up and every EVENTS_SWEEP_INTERVAL_MS). */
  sweep (cutoff?: Date): Promise<number>
  /** Runs after events of a client are appended on this instance or, with a change stream, on any. */
  onAppended (listener: (clientId: ObjectId) => void): void
}

declare module 'fastify' {
  interface FastifyInstance {
    events: Events
  }
}

/**
 * The event log: every domain event of a client in one ordered log in the database, fed by the outboxes of domain
 * records, read by the live streams of every instance and by webhooks. Registered before the domains that write events
 * (each registers its source, and its stream routes, itself).
 */
export default fp(async function eventsDomain (app) {
  const config = app.config
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  const log = new EventLog(app.mongo.db, config.EVENTS_RETENTION_DAYS * 24 * 3_600_000)
  const leases = new Leases(app.mongo.db, owner)
  const listeners: ((clientId: ObjectId) => void)[] = []
  const notify = (clientId: ObjectId) => { for (const listener of listeners) listener(clientId) }
  const appender = new Appender(log, notify)
  const announcer = new Announcer(appender, leases, app.log, config.EVENTS_SWEEP_INTERVAL_MS * 2)
  // The streams' shared readers (one tail per client and instance) are the instance's own work, whoever opened them.
  const streams = new EventStreams(new EventLog(app.mongo.db, log.retentionMs, backgroundComment('event streams')), {
    pollMs: config.EVENTS_POLL_MS,
    // Heartbeats come at least twice per idle-socket timeout, so an open stream is never cut for idleness.
    heartbeatMs: Math.min(HEARTBEAT_MS, Math.floor(config.CONNECTION_TIMEOUT_MS / 2)),
    maxBufferedBytes: config.EVENT_STREAM_BUFFER_BYTES,
    stallMs: config.EVENT_STREAM_STALL_MS,
    perKey: config.EVENT_STREAMS_PER_KEY,
    perClient: config.EVENT_STREAMS_PER_CLIENT,
    perInstance: config.EVENT_STREAMS_PER_INSTANCE
  }, app.log)
  listeners.push((clientId) => { streams.nudge(clientId) })

  const events: Events = {
    log,
    streams,
    leases,
    registerSource: (name, source) => { announcer.register(name, source) },
    announce: async (name, docs, completed) => announcer.announce(name, docs, completed),
    sweep: async (cutoff) => announcer.sweep(cutoff),
    onAppended: (listener) => { listeners.push(listener) }
  }
  app.decorate('events', events)
  const watcher = config.EVENTS_CHANGE_STREAM === 'on' ? await watchLog(app.mongo.db, notify, app.log) : null

  let sweeping: Promise<unknown> = Promise.resolve()
  let sweepTimer: NodeJS.Timeout | null = null
  const sweep = () => {
    sweeping = announcer.sweep().catch((err: unknown) => { app.log.warn({ err }, 'outbox sweep failed; it runs again at the next interval') })
  }
  app.addHook('onReady', async () => {
    streams.start()
    watcher?.start()
    sweep()
    sweepTimer = setInterval(sweep, config.EVENTS_SWEEP_INTERVAL_MS)
    sweepTimer.unref()
  })
  app.addHook('preClose', async () => { streams.stop() })
  app.addHook('onClose', async () => {
    if (sweepTimer) clearInterval(sweepTimer)
    await watcher?.stop()
    await sweeping
  })
}, { name: 'events-domain', dependencies: ['mongo', 'auth'] })
