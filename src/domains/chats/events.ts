import type { FastifyInstance } from 'fastify'
import { audience } from '../events/types.js'
import type { OutboxEntry } from '../events/types.js'
import { toChat, type AdmittedMessage, type ChatDocument } from './chats-repository.js'
import { toMessage } from './messages-repository.js'

/**
 * A chat event described from the chat as it is now and the entry's facts. A chat's name and creation never change,
 * its handle start is set once when it opens and its handle end once when it closes, so the chat as it was at each
 * change (queued, assigned to an agent, closed) is exact even when the chat has changed again before the sweep. A
 * message's entry holds the message whole, and the agent the chat had when it admitted it, whose stream it reaches.
 */
function describeChat (doc: ChatDocument, entry: OutboxEntry) {
  const chat = toChat(doc)
  const lifecycle = [audience.queue, audience.chat(doc.chatId)]
  if (entry.type === 'chat-message') {
    const { message, agentId } = entry.facts as AdmittedMessage
    return { audience: agentId === undefined ? [audience.chat(doc.chatId)] : [audience.chat(doc.chatId), audience.agent(agentId)], data: toMessage(message) }
  }
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

/**
 * The messages the chats admitted, from their outbox entries, so that they are stored before they are announced;
 * but not those of `completed` entries (the request announcing them stored them itself).
 */
function admittedMessages (docs: ChatDocument[], completed: ReadonlySet<string>) {
  return docs.flatMap((doc) => (doc.outbox ?? [])
    .filter((entry) => entry.type === 'chat-message' && !completed.has(entry.key))
    .map((entry) => (entry.facts as AdmittedMessage).message))
}

/** The chats domain's event source: a chat's changes (queued, assigned, closed) and the messages it admitted, in order. */
export function registerChatEvents (app: FastifyInstance): void {
  app.events.registerSource('chats', {
    collection: app.mongo.db.collection<ChatDocument>('chats'),
    describe: describeChat,
    settle: async (docs, completed) => { await app.messagesRepository.storeMissing(admittedMessages(docs, completed)) }
  })
}
