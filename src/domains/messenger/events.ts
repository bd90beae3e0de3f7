import { EventEmitter } from 'node:events'
import type { ObjectId } from 'mongodb'

/** One stored message as a stream delivers it: its ObjectId is the event id (it grows in the order messages are stored). */
export interface LiveEvent {
  id: ObjectId
  name: string
  data: unknown
}

export type LiveListener = (event: LiveEvent) => void

export function recipientChannel (clientId: ObjectId, userId: number): string {
  return `${clientId.toHexString()}:user:${userId}`
}

export function chatroomChannel (clientId: ObjectId, chatroomId: number): string {
  return `${clientId.toHexString()}:chatroom:${chatroomId}`
}

/** The in-process bus: a message is published once it is stored, and every stream on its channel receives it. */
export class MessageBus {
  private readonly emitter = new EventEmitter()

  constructor () {
    this.emitter.setMaxListeners(0)
  }

  publish (channel: string, event: LiveEvent): void {
    this.emitter.emit(channel, event)
  }

  /** Listens to a channel; returns the function that stops listening. */
  subscribe (channel: string, listener: LiveListener): () => void {
    this.emitter.on(channel, listener)
    return () => { this.emitter.off(channel, listener) }
  }
}
