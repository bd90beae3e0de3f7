import { Type } from '@sinclair/typebox'

const Count = (defaultValue: number, description: string) => Type.Integer({ minimum: 1, maximum: 1_000_000, default: defaultValue, description })
const Millis = (minimum: number, defaultValue: number, description: string) =>
  Type.Integer({ minimum, maximum: 7 * 24 * 3_600_000, default: defaultValue, description })

/** The event log, its live streams and webhooks: the variables src/config.ts adds to the environment schema. */
export const EventsConfigSchema = Type.Object({
  EVENTS_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 7, description: 'Days an event stays in the log (a TTL index removes it after)' }),
  EVENTS_POLL_MS: Millis(20, 250, 'How often each instance reads the log of every client that has open streams: the bound on cross-instance latency'),
  EVENTS_SWEEP_INTERVAL_MS: Millis(1000, 60_000, 'How often one instance (by lease) announces records whose events were never appended'),
  EVENTS_CHANGE_STREAM: Type.Union([Type.Literal('off'), Type.Literal('on')], {
    default: 'off', description: 'on: a change stream on the log wakes the readers at once (replica set or sharded cluster only); polling stays as the safety net'
  }),
  EVENT_STREAM_BUFFER_BYTES: Type.Integer({
    minimum: 16_384, maximum: 67_108_864, default: 262_144,
    description: 'Unsent bytes an event stream may hold: past them the stream stops taking live events and is fed from the log as its client reads'
  }),
  EVENT_STREAM_STALL_MS: Millis(100, 30_000, 'An event stream whose client takes none of its unsent bytes for this long is closed (it reconnects with Last-Event-ID)'),
  EVENT_STREAMS_PER_KEY: Count(50, 'Open event streams one API key may hold on one instance (429 beyond)'),
  EVENT_STREAMS_PER_CLIENT: Count(500, 'Open event streams one client may hold on one instance (429 beyond)'),
  EVENT_STREAMS_PER_INSTANCE: Count(10_000, 'Open event streams one instance holds at most (503 beyond)'),
  WEBHOOK_TIMEOUT_MS: Millis(100, 10_000, 'A webhook delivery that has not answered in full after this fails (and is retried)'),
  WEBHOOK_RETRY_BASE_MS: Millis(10, 10_000, 'The first retry waits about this long; each later one twice as long (±50 % jitter), up to an hour'),
  WEBHOOK_RETRY_WINDOW_MS: Millis(1000, 86_400_000, 'A delivery is retried for this long after its event, then given up'),
  WEBHOOK_DISABLE_AFTER_MS: Millis(1000, 86_400_000, 'An endpoint whose deliveries have all failed for this long is disabled'),
  WEBHOOK_POLL_MS: Millis(20, 1000, 'How often each instance looks for events to fan out and deliveries that are due'),
  WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'Deliveries one instance sends at the same time' }),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: Type.String({
    maxLength: 2000,
    default: '',
    description: 'Comma-separated CIDR ranges webhooks may reach although they are private, loopback or link-local (e.g. 127.0.0.0/8,::1/128); empty = none'
  })
})
