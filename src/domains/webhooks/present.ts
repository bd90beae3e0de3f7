import type { Static } from '@sinclair/typebox'
import type { AttemptDocument, AttemptOutcome, DeliveryDocument } from './deliveries-repository.js'
import type { AttemptSchema, DeliverySchema } from './schemas.js'

function outcome (attempt: AttemptOutcome) {
  return {
    at: attempt.at.toISOString(),
    succeeded: attempt.succeeded,
    statusCode: attempt.statusCode,
    error: attempt.error,
    latencyMs: attempt.latencyMs,
    responseSnippet: attempt.responseSnippet
  }
}

export function toDelivery (doc: DeliveryDocument): Static<typeof DeliverySchema> {
  return {
    id: doc._id.toHexString(),
    eventId: doc.eventSeq,
    eventType: doc.event.type,
    state: doc.state,
    attempts: doc.attempts,
    nextAttemptAt: doc.state === 'pending' ? doc.nextAttemptAt.toISOString() : null,
    lastAttempt: doc.lastAttempt ? outcome(doc.lastAttempt) : null,
    createdAt: doc.createdAt.toISOString()
  }
}

export function toAttempt (doc: AttemptDocument): Static<typeof AttemptSchema> {
  return { deliveryId: doc.deliveryId.toHexString(), attempt: doc.attempt, ...outcome(doc) }
}
