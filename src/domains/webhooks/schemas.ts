import { Type, type Static } from '@sinclair/typebox'
import { IsoDateTime, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'
import { EventSchema, EventTypeSchema } from '../events/schemas.js'

export const MAX_ENDPOINTS_PER_CLIENT = 20

const Url = Type.String({
  minLength: 8,
  maxLength: 2048,
  description: 'Where deliveries are POSTed: http or https, no credentials in it. Private, loopback and link-local targets are refused ' +
    '(at registration for an address, at delivery for a name that resolves to one) unless WEBHOOK_ALLOW_PRIVATE_TARGETS allows them.',
  examples: ['https://example.com/switchboard/webhooks']
})
const EventTypes = Type.Array(EventTypeSchema, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'The events to deliver' })
const Description = Type.String({ maxLength: 200, description: 'A note for people (at most 200 characters)' })

export const WebhookSchema = Type.Object({
  id: ObjectIdString,
  url: Type.String(),
  eventTypes: Type.Array(EventTypeSchema),
  description: Type.String(),
  enabled: Type.Boolean({ description: 'false: nothing is delivered (set by PATCH, or by Switchboard when every delivery failed for a day)' }),
  disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why Switchboard disabled the endpoint; null when it did not' }),
  failingSince: Type.Union([IsoDateTime, Type.Null()], { description: 'Since when every delivery has failed; null after a success' }),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
}, { title: 'Webhook' })
export type Webhook = Static<typeof WebhookSchema>

export const CreatedWebhookSchema = Type.Composite([WebhookSchema, Type.Object({
  secret: Type.String({ description: 'The signing secret, shown this once: keep it to verify the Switchboard-Signature header' })
})], { title: 'CreatedWebhook' })

export const CreateWebhookBodySchema = Type.Object({
  url: Url,
  eventTypes: EventTypes,
  description: Type.Optional(Description)
}, { additionalProperties: false })

export const UpdateWebhookBodySchema = Type.Object({
  url: Type.Optional(Url),
  eventTypes: Type.Optional(EventTypes),
  description: Type.Optional(Description),
  enabled: Type.Optional(Type.Boolean({ description: 'true re-enables an endpoint (deliveries resume with the events stored from then on)' }))
}, { additionalProperties: false, minProperties: 1 })
export type UpdateWebhookBody = Static<typeof UpdateWebhookBodySchema>

export const WebhookParamsSchema = Type.Object({ webhookId: ObjectIdString })
export const DeliveryParamsSchema = Type.Object({ webhookId: ObjectIdString, deliveryId: ObjectIdString })

export const DeliveryStateSchema = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')], {
  description: 'pending: to be (re)tried; delivered: answered 2xx; failed: retried for WEBHOOK_RETRY_WINDOW_MS and given up; cancelled: the endpoint was disabled'
})

const AttemptOutcome = {
  at: IsoDateTime,
  succeeded: Type.Boolean({ description: 'The endpoint answered 2xx' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status answered; null when none came (timeout, refused address, connection error)' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed without a status' }),
  latencyMs: Type.Integer({ description: 'From sending to the end of the answer (or the failure)' }),
  responseSnippet: Type.Union([Type.String(), Type.Null()], { description: 'The answer\'s first 256 characters' })
}

export const AttemptSchema = Type.Object({ deliveryId: ObjectIdString, attempt: Type.Integer({ minimum: 1 }), ...AttemptOutcome }, { title: 'WebhookAttempt' })

export const DeliverySchema = Type.Object({
  id: ObjectIdString,
  eventId: Type.Integer({ minimum: 1, description: 'The event\'s id (Switchboard-Event-Id)' }),
  eventType: EventTypeSchema,
  state: DeliveryStateSchema,
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Type.Union([IsoDateTime, Type.Null()], { description: 'When the next attempt is due; null unless pending' }),
  lastAttempt: Type.Union([Type.Object(AttemptOutcome), Type.Null()]),
  createdAt: IsoDateTime
}, { title: 'WebhookDelivery' })

export const DeliveryWithEventSchema = Type.Composite([DeliverySchema, Type.Object({ event: EventSchema })], { title: 'WebhookDeliveryWithEvent' })

export const ListDeliveriesQuerySchema = Type.Composite([PageQuerySchema, Type.Object({
  state: Type.Optional(DeliveryStateSchema)
})], { additionalProperties: false })

export const PageOnlyQuerySchema = Type.Composite([PageQuerySchema], { additionalProperties: false })
