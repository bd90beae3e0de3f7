import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { MAX_CLOCK_SKEW_MS } from './message-schemas.js'
import type { MessageDocument } from './messages-repository.js'

export interface MessageInput { text: string, userId?: number, sentAt?: string }

/** How the body names the send time, for error messages: `sent_at` (seed contract) or `sentAt` (canonical). */
export type SentAtField = 'sent_at' | 'sentAt'

/**
 * The rules of a new chat message, checked in this order, before anything is written:
 * blank text (400), unknown chat (404), unknown user (422), closed chat (409), an agent writing in a queued chat
 * or in another agent's chat (409), a send time in the future or before the chat (or the agent's handling) began (422).
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
  if (input.text.trim() === '') throw httpErrors.badRequest('text must contain something other than whitespace')

  const chat = await app.chatsRepository.findById(clientId, chatId)
  if (!chat) throw httpErrors.notFound(`Chat ${chatId} not found`)

  const { userId } = input
  // The chat's own agent was checked when it was assigned (users are never deleted): only another user is looked up.
  if (userId !== undefined && userId !== chat.userId && !await app.usersRepository.findById(clientId, userId)) {
    throw httpErrors.unprocessableEntity(`User ${userId} does not exist`)
  }
  if (chat.state === 'closed') throw httpErrors.conflict(`Chat ${chatId} is closed; no more messages can be added`)
  if (userId !== undefined && chat.userId === undefined) {
    throw httpErrors.conflict(`Chat ${chatId} is queued: no agent is handling it yet, so only the customer can write`)
  }
  if (userId !== undefined && chat.userId !== userId) {
    throw httpErrors.conflict(`User ${userId} is not the agent of chat ${chatId} (user ${chat.userId} is)`)
  }

  const now = Date.now()
  const sentAt = input.sentAt === undefined ? new Date(now) : new Date(input.sentAt)
  if (sentAt.getTime() > now + MAX_CLOCK_SKEW_MS) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is in the future (more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the server clock)`)
  }
  if (sentAt < chat.created) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is before chat ${chatId} was created (${chat.created.toISOString()})`)
  }
  if (userId !== undefined && chat.handleStart && sentAt < chat.handleStart) {
    throw httpErrors.unprocessableEntity(`${sentAtField} is before an agent started handling chat ${chatId} (${chat.handleStart.toISOString()})`)
  }
  return app.messagesRepository.create(clientId, { chatId, text: input.text, userId, sentAt }, creation._id)
}
