import type { FastifyInstance } from 'fastify'
import { audience } from '../events/types.js'
import type { OutboxEntry } from '../events/types.js'
import { toChat, type ChatDocument } from './chats-repository.js'
import { toMessage, type MessageDocument } from './messages-repository.js'

/**
 * A chat event described from the chat as it is now and the entry's facts. A chat's name and creation never change,
 * its handle start is set once when it opens and its handle end once when it closes, so the chat as it was at each
 * change (queued, assigned to an agent, closed) is exact even when the chat has changed again before the sweep.
 */
function describeChat (doc: ChatDocument, entry: OutboxEntry) {
  const chat = toChat(doc)
  const lifecycle = [audience.queue, audience.chat(doc.chatId)]
  if (entry.type === 'chat-queued') {
    return { audience: lifecycle, data: { ...chat, state: 'queued', userId: null, handleStart: null, handleEnd: null } }
  }
  if (entry.type === 'chat-assigned') {
    const { userId, previousUserId } = entry.facts as { userId: number, previousUserId: number | null }
    const agents = previousUserId === null ? [userId] : [userId, previousUserId]
    return {
      audience: [...lifecycle, ...agents.map(audience.agent)],
      data: { ...chat, state: 'open', userId, handleEnd: null, previousUserId }
    }
  }
  return { audience: doc.userId === undefined ? lifecycle : [...lifecycle, audience.agent(doc.userId)], data: chat }
}

/** A chat message reaches the chat's followers and the agent the chat had when the message was written. */
function describeMessage (doc: MessageDocument, entry: OutboxEntry) {
  const agentId = (entry.facts as { agentId?: number } | undefined)?.agentId
  return { audience: agentId === undefined ? [audience.chat(doc.chatId)] : [audience.chat(doc.chatId), audience.agent(agentId)], data: toMessage(doc) }
}

/** The chats domain's event sources: chats (queued, assigned, closed) and their messages. */
export function registerChatEvents (app: FastifyInstance): void {
  app.events.registerSource('chats', { collection: app.mongo.db.collection<ChatDocument>('chats'), describe: describeChat })
  app.events.registerSource('messages', { collection: app.mongo.db.collection<MessageDocument>('messages'), describe: describeMessage })
}
