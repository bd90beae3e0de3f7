import { Type, type TSchema } from '@sinclair/typebox'
import { IntegerId, IsoDateTime } from '../../schemas/common.js'
import { ChatSchema } from '../chats/schemas.js'
import { MessageSchema } from '../chats/message-schemas.js'
import { ImportRunSchema } from '../imports/schemas.js'
import { ChatroomMessageSchema } from '../messenger/chatrooms-schemas.js'
import { DirectMessageSchema } from '../messenger/direct-messages-schemas.js'
import { UserStatusOfSchema } from '../users/status-schemas.js'
import { EVENT_TYPES, type EventType } from './types.js'

/** What each event's `data` holds, and when it is logged. */
export const EVENT_PAYLOADS: Record<EventType, { schema: TSchema, when: string }> = {
  'direct-message': { schema: DirectMessageSchema, when: 'a direct message is stored (data: the DirectMessage)' },
  'chatroom-message': { schema: ChatroomMessageSchema, when: 'a message is posted into a chatroom (data: the ChatroomMessage)' },
  'chat-queued': { schema: ChatSchema, when: 'a chat is opened for a customer and waits for an agent (data: the Chat)' },
  'chat-assigned': {
    schema: Type.Composite([ChatSchema, Type.Object({
      previousUserId: Type.Union([IntegerId, Type.Null()], { description: 'The agent who had the chat before; null when it came from the queue' })
    })], { title: 'ChatAssigned' }),
    when: 'a chat is assigned to an agent, from the queue or from another agent (data: the Chat as assigned, and previousUserId)'
  },
  'chat-closed': { schema: ChatSchema, when: 'an open chat is closed (data: the Chat)' },
  'chat-message': { schema: MessageSchema, when: 'a message is added to a chat, by the customer or the agent (data: the Message)' },
  'import-finished': { schema: ImportRunSchema, when: 'an import completes or fails (data: the ImportRun)' },
  'user-status': {
    schema: UserStatusOfSchema,
    when: 'a user\'s status update is accepted, a renewal of an online status too (data: the UserStatusOf as the update answered it, ' +
      'its expiresAt counted from its updatedAt)'
  }
}

export const EventTypeSchema = Type.Union(EVENT_TYPES.map((type) => Type.Literal(type)), { description: 'The event\'s name' })

/** The event as webhooks deliver it (the body of each POST). */
export const EventSchema = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'The event\'s place in its client\'s log (1, 2, 3…, in the order events were stored); the same as a stream\'s event id' }),
  type: EventTypeSchema,
  createdAt: IsoDateTime,
  data: Type.Union(Object.values(EVENT_PAYLOADS).map((payload) => payload.schema), { description: 'The payload; its schema depends on `type`' })
}, { title: 'Event' })

/** A Markdown list of the given event names and what each carries, for route descriptions. */
export function describeEvents (types: readonly EventType[]): string {
  return types.map((type) => `\`${type}\`: ${EVENT_PAYLOADS[type].when}`).join('; ')
}

export const LastEventIdHeadersSchema = Type.Object({
  'last-event-id': Type.Optional(Type.String({
    pattern: '^([0-9]{1,15}|[0-9a-fA-F]{24})$',
    description: 'Sent by EventSource when it reconnects: the id of the last event received. The stream first sends every event ' +
      'stored since, then live ones. A 24-hex-digit id of the streams before the event log starts the stream from now.'
  }))
})

/** A Last-Event-ID as a log position; a legacy ObjectId id (streams before the log) means "from now". */
export function parseLastEventId (header: string | undefined): number | undefined {
  return header !== undefined && /^[0-9]{1,15}$/.test(header) ? Number(header) : undefined
}

export const STREAM_RULES = 'A Server-Sent Events stream. Send the API key as `Authorization: Bearer <key>` (the browser\'s EventSource ' +
  'cannot set headers: read the stream with fetch() or an SSE client that can). Each event\'s `id` is its place in the client\'s event log ' +
  '(a number that grows in the order events were stored, on every app instance); reconnect with the last id you received in the ' +
  '`Last-Event-ID` header and the stream first sends every event stored since (within the log\'s retention, EVENTS_RETENTION_DAYS), ' +
  'then carries on live; an id ahead of the log is 400. A `: heartbeat` comment arrives every 15 seconds. A client that does not read ' +
  'is disconnected once EVENT_STREAM_BUFFER_BYTES wait unsent for it (reconnect with Last-Event-ID: nothing is lost). One API key holds at ' +
  'most EVENT_STREAMS_PER_KEY open streams and one client EVENT_STREAMS_PER_CLIENT per instance (429 `TOO_MANY_STREAMS` beyond, with ' +
  'Retry-After); an instance holds at most EVENT_STREAMS_PER_INSTANCE (503). HEAD answers the same checks and headers without a stream.'

/** Documents an event stream response: `id` is the log position, `event` the name, `data` its JSON. */
export function EventStreamResponse (description: string) {
  return {
    description,
    content: { 'text/event-stream': { schema: Type.String({ description: 'id: 42\\nevent: direct-message\\ndata: {"id":"6560a1f0c2b1a2b3c4d5e6f7",...}\\n\\n' }) } }
  }
}
