import type { Document, ObjectId } from 'mongodb'

/** Every kind of domain event the log holds; streams and webhooks use these names. */
export const EVENT_TYPES = [
  'direct-message', 'chatroom-message', 'chat-queued', 'chat-assigned', 'chat-closed', 'chat-message', 'import-finished', 'user-status'
] as const
export type EventType = typeof EVENT_TYPES[number]

/**
 * Who an event is for, as tags a stream listens to: `user:<id>` (direct messages received), `room:<id>` (a chatroom),
 * `agent:<id>` (chats assigned to that agent), `chat:<id>`, `queue` (the client's chat queue), `imports`, `user-statuses`
 * (every user's status updates, for the whole client).
 */
export const audience = {
  user: (userId: number) => `user:${userId}`,
  room: (chatroomId: number) => `room:${chatroomId}`,
  agent: (userId: number) => `agent:${userId}`,
  chat: (chatId: number) => `chat:${chatId}`,
  queue: 'queue',
  imports: 'imports',
  statuses: 'user-statuses'
} as const

/** An event before the log gives it its place: `key` names it uniquely within its client, so it is never logged twice. */
export interface EventDraft {
  key: string
  type: EventType
  audience: string[]
  data: Document
}

/** One event of a client's log: `seq` is its place (1, 2, 3… with no gaps), the id streams and webhooks show. */
export interface EventDocument extends EventDraft {
  _id: ObjectId
  clientId: ObjectId
  seq: number
  createdAt: Date
  expiresAt: Date
}

/**
 * An event a domain record still owes the log, written in the same document write as the record or its change
 * (the outbox). The record's source describes the event from the document and `facts`: what the document alone
 * cannot tell once it has changed again (the agent a chat was assigned to, for instance).
 */
export interface OutboxEntry {
  key: string
  type: EventType
  at: Date
  facts?: Document
}
