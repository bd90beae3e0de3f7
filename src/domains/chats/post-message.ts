import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { isBlank } from '../../lib/text.js'
import { instantOf } from '../../lib/dates.js'
import { MAX_CLOCK_SKEW_MS } from './message-schemas.js'
import type { MessageDocument } from './messages-repository.js'
import type { ChatDocument } from './chats-repository.js'

/** `userId`: the agent who writes (undefined: the customer), as resolved from the key; `createdByKeyId`: the key that writes. */
export interface MessageInput { text: string, userId?: number, sentAt?: string, createdByKeyId: ObjectId }

/** How the body names the send time, for error messages: `sent_at` (seed contract) or `sentAt` (canonical). */
export type SentAtField = 'sent_at' | 'sentAt'

/** The 409 a chat's state gives a message from `userId` (undefined: the customer), or null when it may be written. */
function stateRefusal (app: FastifyInstance, chat: ChatDocument, userId: number | undefined): Error | null {
  const { chatId } = chat
  if (chat.state === 'closed') return app.httpErrors.conflict(`Chat ${chatId} is closed; no more messages can be added`)
  if (userId !== undefined && chat.userId === undefined) {
    return app.httpErrors.conflict(`Chat ${chatId} is queued: no agent is handling it yet, so only the customer can write`)
  }
  if (userId !== undefined && chat.userId !== userId) {
    return app.httpErrors.conflict(`User ${userId} is not the agent of chat ${chatId} (user ${chat.userId} is)`)
  }
  return null
}

/**
 * The rules of a new chat message, checked in this order, before anything is written:
 * blank text (400), unknown chat (404), unknown user (422), closed chat (409), an agent writing in a queued chat
 * or in another agent's chat (409), a send time in the future or before the chat (or the agent's handling) began (422).
 * The chat's state is then checked again by the write itself (`acceptMessage`, a conditional update of the chat), so a
 * close or a reassignment that lands between the checks and the write refuses the message (409) instead of letting it in.
 * `creation`: the stored message's id (`creationId` of the request), so that a re-run attempt finds the message it
 * stored, and whether this attempt resumes one that failed: then a message already stored with that id is the answer,
 * before any rule is checked again (the chat may have been closed since).
 */
export async function postMessage (
  app: FastifyInstance, clientId: ObjectId, chatId: number, input: MessageInput, sentAtField: SentAtField,
  creation: { _id?: ObjectId, resumed?: boolean } = {}
): Promise<MessageDocument> {
  const { httpErrors } = app
  if (creation._id && creation.resumed) {
    const stored = await app.messagesRepository.findCreated(clientId, chatId, creation._id)
    if (stored) return stored
  }
  if (isBlank(input.text)) throw httpErrors.badRequest('text must contain something other than whitespace')

  const chat = await app.chatsRepository.findById(clientId, chatId)
  if (!chat) throw httpErrors.notFound(`Chat ${chatId} not found`)

  const { userId } = input
  // The chat's own agent was checked when it was assigned (users are never deleted): only another user is looked up.
  if (userId !== undefined && userId !== chat.userId && !await app.usersRepository.findById(clientId, userId)) {
    throw httpErrors.unprocessableEntity(`User ${userId} does not exist`)
  }
  const refused = stateRefusal(app, chat, userId)
  if (refused) throw refused

  const now = Date.now()
  const sentAt = input.sentAt === undefined ? new Date(now) : instantOf(input.sentAt, sentAtField)
  if (sentAt.getTime() > now + MAX_CLOCK_SKEW_MS) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is in the future (more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the server clock)`)
  }
  if (sentAt < chat.created) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is before chat ${chatId} was created (${chat.created.toISOString()})`)
  }
  if (userId !== undefined && chat.handleStart && sentAt < chat.handleStart) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is before an agent started handling chat ${chatId} (${chat.handleStart.toISOString()})`)
  }
  if (!await app.chatsRepository.acceptMessage(clientId, chatId, userId, sentAt)) {
    const current = await app.chatsRepository.findById(clientId, chatId)
    throw (current && stateRefusal(app, current, userId)) ?? httpErrors.conflict(`Chat ${chatId} changed while the message was being stored; retry`)
  }
  return app.messagesRepository.create(clientId, { chatId, text: input.text, userId, sentAt, createdByKeyId: input.createdByKeyId }, creation._id)
}
