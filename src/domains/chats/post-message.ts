import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import { isBlank } from '../../lib/text.js'
import { instantOf } from '../../lib/dates.js'
import { MAX_CLOCK_SKEW_MS } from './message-schemas.js'
import type { MessageDocument } from './messages-repository.js'
import { chatMessageKey, type ChatDocument } from './chats-repository.js'
import { OUTBOX_CHANGE_RESERVE, OUTBOX_MAX } from '../events/outbox.js'

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
 * The chat then admits the message (`admitMessage`, one conditional update of the chat that also records the message and
 * its event in the chat's outbox), so a close or a reassignment that lands between the checks and the write refuses the
 * message (409) instead of letting it in; the message is stored after, and announced. A customer's message whose chat
 * changed agent meanwhile is admitted again (at most ADMIT_ATTEMPTS times), to reach the agent the chat has now; a
 * message that finds the chat's outbox full announces it first (the log lags) and is admitted again.
 * `creation`: the stored message's id (`creationId` of the request), so that a re-run attempt finds the message it
 * stored, and whether this attempt resumes one that failed: then a message already stored (or admitted) with that id is
 * the answer, before any rule is checked again (the chat may have been closed since).
 */
export async function postMessage (
  app: FastifyInstance, clientId: ObjectId, chatId: number, input: MessageInput, sentAtField: SentAtField,
  creation: { _id?: ObjectId, resumed?: boolean } = {}
): Promise<MessageDocument> {
  const { httpErrors } = app
  if (creation._id && creation.resumed) {
    const earlier = await app.messagesRepository.findCreated(clientId, chatId, creation._id) ??
      await app.chatsRepository.admitted(clientId, chatId, creation._id)
    if (earlier) return storedAndAnnounced(app, earlier, await app.chatsRepository.findById(clientId, chatId))
  }
  if (isBlank(input.text)) throw httpErrors.badRequest('text must contain something other than whitespace')

  let chat = await app.chatsRepository.findById(clientId, chatId)
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
  const message = await app.messagesRepository.prepare(clientId, { chatId, text: input.text, userId, sentAt, createdByKeyId: input.createdByKeyId }, creation._id)
  for (let attempt = 1; ; attempt++) {
    const admitted = await app.chatsRepository.admitMessage(message, chat.userId)
    if (admitted) return storedAndAnnounced(app, message, admitted)
    chat = await app.chatsRepository.findById(clientId, chatId)
    const refusal = chat && stateRefusal(app, chat, userId)
    if (refusal) throw refusal
    const full = (chat?.outbox?.length ?? 0) >= OUTBOX_MAX - OUTBOX_CHANGE_RESERVE
    // A full outbox is a log that lags behind a busy chat: this request announces what the chat owes, then tries again.
    if (chat && full && (attempt === ADMIT_ATTEMPTS || !await app.events.announce('chats', [chat]))) {
      throw httpErrors.serviceUnavailable(`Chat ${chatId}'s earlier messages are not in the event log yet; retry shortly`)
    }
    if (!chat || attempt === ADMIT_ATTEMPTS) throw httpErrors.conflict(`Chat ${chatId} changed while the message was being stored; retry`)
  }
}

/** How often a message is admitted again when its chat changed agent, or had its outbox full, meanwhile. */
const ADMIT_ATTEMPTS = 5

/**
 * Stores an admitted message (unless stored already) and announces what its chat owes the log: its message first.
 * Only the chat's other admitted messages, if any, are checked to be stored before the announcement.
 */
async function storedAndAnnounced (app: FastifyInstance, message: MessageDocument, chat: ChatDocument | null): Promise<MessageDocument> {
  const stored = await app.messagesRepository.store(message)
  if (chat) await app.events.announce('chats', [chat], new Set([chatMessageKey(message._id)]))
  return stored
}
