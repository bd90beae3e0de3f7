import type { FastifyBaseLogger } from 'fastify'
import { ObjectId } from 'mongodb'
import type { Leases } from '../events/leases.js'
import type { EventLog } from '../events/log.js'
import type { DeliveriesRepository, DeliveryDocument } from './deliveries-repository.js'
import type { EndpointsRepository } from './endpoints-repository.js'
import { signatureHeader } from './signature.js'
import { post, type AddressPolicy } from './target.js'

export interface DispatcherOptions {
  owner: string
  pollMs: number
  timeoutMs: number
  concurrency: number
  retryBaseMs: number
  retryWindowMs: number
  disableAfterMs: number
}

const MAX_RETRY_DELAY_MS = 3_600_000
const FAN_OUT_ROUNDS = 10

/** The wait before retry `attempt + 1`: the base doubled per attempt, capped at an hour, ±50 % jitter. */
export function retryDelay (attempt: number, baseMs: number, random = Math.random): number {
  return Math.round(Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_MS) * (0.5 + random()))
}

/**
 * Webhooks on one instance. Fan-out: for each client with enabled endpoints, whichever instance holds the client's
 * lease reads its log from the client's fan-out position and stores one delivery per endpoint and matching event
 * (unique, so a fan-out repeated after a crash stores nothing twice), then moves the position. Delivery: up to
 * WEBHOOK_CONCURRENCY attempts at a time, each claimed with a lease by one atomic update, so no two instances ever
 * send the same attempt, and a killed instance's claims are taken over once their lease lapses.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | null = null
  private readonly inFlight = new Set<Promise<void>>()
  private fanning: Promise<void> | null = null
  private claiming: Promise<void> | null = null
  private stopped = false
  /** A poll is due: read which clients have enabled endpoints, and fan out each of them. */
  private pollDue = false
  /** Clients nudged since the last fan-out. */
  private readonly due = new Set<string>()
  /** Clients with an enabled endpoint as the last poll found them, plus those this instance gave one since. */
  private active = new Set<string>()
  private watchedSincePoll = new Set<string>()
  readonly leaseMs: number

  constructor (
    private readonly log: EventLog,
    private readonly leases: Leases,
    private readonly endpoints: EndpointsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly policy: AddressPolicy,
    private readonly options: DispatcherOptions,
    private readonly logger: FastifyBaseLogger
  ) {
    this.leaseMs = 2 * options.timeoutMs + 5000
  }

  start (): void {
    this.timer = setInterval(() => { this.tick() }, this.options.pollMs)
    this.timer.unref()
    this.tick()
  }

  /** Stops claiming and waits for the fan-out and the attempts in flight (each ends within WEBHOOK_TIMEOUT_MS). */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.fanning
    await this.claiming
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  /**
   * Events were appended for the client: fan them out (and deliver) without waiting for the next poll, when it has
   * enabled endpoints. A client without any costs nothing here; an endpoint another instance created since the last
   * poll is found by the next one (WEBHOOK_POLL_MS), and its events are read from the stored position then.
   */
  nudge (clientId: ObjectId): void {
    const id = clientId.toHexString()
    if (!this.active.has(id)) return
    this.due.add(id)
    setImmediate(() => { this.fanOut() })
  }

  /** This instance created or enabled an endpoint of the client: its events are fanned out at once from now on. */
  watch (clientId: ObjectId): void {
    const id = clientId.toHexString()
    this.active.add(id)
    this.watchedSincePoll.add(id)
  }

  /** A delivery was made due on this instance (a redelivery): claim it without waiting for the next poll. */
  wake (): void {
    setImmediate(() => { this.deliver() })
  }

  private tick (): void {
    if (this.stopped) return
    this.pollDue = true
    this.fanOut()
    this.deliver()
  }

  /** Runs one fan-out at a time; a poll or a nudge that arrives meanwhile runs when it ends. */
  private fanOut (): void {
    if (this.stopped || this.fanning) return
    this.fanning = this.fanOutRound()
      .catch((err: unknown) => { this.logger.warn({ err }, 'webhook fan-out failed; it runs again at the next poll') })
      .finally(() => {
        this.fanning = null
        if (this.pollDue || this.due.size > 0) setImmediate(() => { this.fanOut() })
      })
  }

  private async fanOutRound (): Promise<void> {
    let clients: string[]
    if (this.pollDue) {
      this.pollDue = false
      this.watchedSincePoll = new Set()
      const found = new Set((await this.endpoints.activeClients()).map((id) => id.toHexString()))
      for (const id of this.watchedSincePoll) found.add(id)
      this.active = found
      clients = [...found]
    } else {
      clients = [...this.due].filter((id) => this.active.has(id))
    }
    this.due.clear()
    for (const id of clients) {
      if (this.stopped) return
      if (await this.leases.acquire(`webhook-fan-out:${id}`, this.leaseMs)) await this.fanOutClient(ObjectId.createFromHexString(id))
    }
  }

  private async fanOutClient (clientId: ObjectId): Promise<void> {
    const endpoints = await this.endpoints.enabledFor(clientId)
    if (endpoints.length === 0) return
    let position = await this.endpoints.position(clientId)
    for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
      const events = await this.log.after(clientId, position)
      if (events.length === 0) return
      const now = new Date()
      const deliveries = events.flatMap((event) => endpoints
        .filter((endpoint) => event.seq > endpoint.startSeq && endpoint.eventTypes.includes(event.type))
        .map((endpoint) => ({
          clientId,
          endpointId: endpoint._id,
          eventSeq: event.seq,
          event: { id: event.seq, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data },
          nextAttemptAt: now,
          retryUntil: new Date(event.createdAt.getTime() + this.options.retryWindowMs),
          createdAt: now
        })))
      await this.deliveries.createMany(deliveries)
      position = (events.at(-1) as { seq: number }).seq
      await this.endpoints.advance(clientId, position)
      if (deliveries.length > 0) this.deliver()
    }
  }

  /** Claims due deliveries (one claimer per instance) while fewer than WEBHOOK_CONCURRENCY attempts are in flight. */
  private deliver (): void {
    if (this.stopped || this.claiming || this.inFlight.size >= this.options.concurrency) return
    this.claiming = this.claimWhileDue()
      .catch((err: unknown) => { this.logger.warn({ err }, 'could not claim webhook deliveries; retrying at the next poll') })
      .finally(() => { this.claiming = null })
  }

  private async claimWhileDue (): Promise<void> {
    while (!this.stopped && this.inFlight.size < this.options.concurrency) {
      const claimed = await this.deliveries.claim(this.options.owner, this.leaseMs, this.options.concurrency - this.inFlight.size)
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.attempt(delivery)
          .catch((err: unknown) => { this.logger.warn({ err }, 'a webhook attempt could not be recorded; its lease lapses and it is retried') })
          .finally(() => {
            this.inFlight.delete(attempt)
            this.deliver()
          })
        this.inFlight.add(attempt)
      }
      if (claimed.length === 0) return
    }
  }

  private async attempt (delivery: DeliveryDocument): Promise<void> {
    const endpoint = await this.endpoints.findById(delivery.clientId, delivery.endpointId)
    if (!endpoint || !endpoint.enabled) {
      await this.deliveries.cancel(delivery, this.options.owner)
      return
    }
    const body = JSON.stringify(delivery.event)
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Webhooks/1',
      'switchboard-event-id': String(delivery.event.id),
      'switchboard-event-type': delivery.event.type,
      'switchboard-delivery-id': delivery._id.toHexString(),
      'switchboard-delivery-attempt': String(delivery.attempts),
      'switchboard-signature': signatureHeader(endpoint.secret, body, Math.floor(Date.now() / 1000))
    }
    const at = new Date()
    const result = await post(this.policy, new URL(endpoint.url), body, headers, this.options.timeoutMs)
    const succeeded = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300
    const outcome = {
      at,
      succeeded,
      statusCode: result.statusCode ?? null,
      error: succeeded ? null : (result.error ?? `answered ${result.statusCode}`).slice(0, 500),
      latencyMs: result.latencyMs,
      responseSnippet: result.snippet ?? null
    }
    if (succeeded) {
      await this.deliveries.settle(delivery, this.options.owner, outcome, { state: 'delivered' })
      if (endpoint.failingSince) await this.endpoints.recordSuccess(endpoint._id)
      return
    }
    const retryAt = new Date(Date.now() + retryDelay(delivery.attempts, this.options.retryBaseMs))
    const next = retryAt <= delivery.retryUntil ? { state: 'pending' as const, nextAttemptAt: retryAt } : { state: 'failed' as const }
    await this.deliveries.settle(delivery, this.options.owner, outcome, next)
    if (await this.endpoints.recordFailure(endpoint._id, at, this.options.disableAfterMs)) {
      this.logger.warn({ webhookId: endpoint._id.toHexString(), url: endpoint.url }, 'webhook endpoint disabled: every delivery failed for a day')
    }
  }
}
