import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { chatAgent, ownChatsOnly } from '../../plugins/identity.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { pageOf } from '../../lib/cursor.js'
import { decodeChatPosition } from './cursors.js'
import { toChat, type ChatDocument } from './chats-repository.js'
import { AssignChatBodySchema, ChatParamsSchema, ChatSchema, CreateChatBodySchema, ListChatsQuerySchema } from './schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

/** The chat lifecycle: queued (created for a customer) → open (assigned: handle start) → closed (handle end). */
const chatsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const notFound = (chatId: number) => app.httpErrors.notFound(`Chat ${chatId} not found`)

  /** Why a transition found the chat in another state than it needs (its conditional update matched nothing). */
  async function refusal (clientId: ObjectId, chatId: number, explain: (chat: ChatDocument) => string) {
    const chat = await app.chatsRepository.findById(clientId, chatId)
    return chat ? app.httpErrors.conflict(explain(chat)) : notFound(chatId)
  }

  app.post('/api/v1/chats', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['chats'],
      summary: 'Open a chat for a customer; it waits in the queue until an agent is assigned',
      description: 'Identity: no user acts; any key of the client opens a chat.',
      body: CreateChatBodySchema,
      response: { 201: ChatSchema, ...errorResponses(400, 409, 422) }
    }
  }, async (request, reply) => {
    const doc = await app.chatsRepository.create(callerClientId(request), request.body.customerName.trim(), { _id: creationId(request) })
    await app.events.announce('chats', [doc])
    return reply.code(201).send(toChat(doc))
  })

  app.get('/api/v1/chats', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats'],
      summary: 'List chats in id order, optionally by state and agent',
      description: 'Identity: chats are the client\'s records, not a user\'s private data: any key of the client reads them.',
      querystring: ListChatsQuerySchema,
      response: { 200: Page(ChatSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor, state, userId } = request.query
    const afterChatId = cursor ? decodeChatPosition(cursor) : undefined
    const docs = await app.chatsRepository.list(callerClientId(request), { limit: limit + 1, afterChatId, state, userId })
    return pageOf(docs, limit, toChat, (last) => ({ chatId: last.chatId }))
  })

  app.get('/api/v1/chats/:chatId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats'],
      summary: 'Get one chat',
      description: 'Identity: chats are the client\'s records, not a user\'s private data: any key of the client reads them.',
      params: ChatParamsSchema,
      response: { 200: ChatSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const doc = await app.chatsRepository.findById(callerClientId(request), request.params.chatId)
    if (!doc) throw notFound(request.params.chatId)
    return toChat(doc)
  })

  app.post('/api/v1/chats/:chatId/assign', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats'],
      summary: 'Assign a chat to an agent: a queued chat opens (its handle starts now); an open chat changes agent',
      description: 'Identity: an integration key names the agent in `userId` (400 without). A key bound to a user may omit `userId` ' +
        '(it assigns its own user); an agent-role bound key assigns chats to its own user only and takes queued chats only, not another ' +
        'agent\'s open chat (403); manager and admin bound keys assign anyone. ' +
        'An open chat keeps its handle start when it changes agent. A closed chat cannot be reassigned (409); ' +
        'an unknown user is 422; assigning the agent who already has the chat is 409.',
      params: ChatParamsSchema,
      body: AssignChatBodySchema,
      response: { 200: ChatSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { chatId } = request.params
    const userId = chatAgent(request, request.body.userId)
    const chat = await app.chatsRepository.findById(clientId, chatId)
    if (!chat) throw notFound(chatId)
    if (!await app.usersRepository.findById(clientId, userId)) throw app.httpErrors.unprocessableEntity(`User ${userId} does not exist`)
    if (chat.state === 'open' && chat.userId === userId) throw app.httpErrors.conflict(`Chat ${chatId} is already assigned to user ${userId}`)
    if (chat.state === 'open' && ownChatsOnly(request) !== null) {
      throw app.httpErrors.forbidden(`Chat ${chatId} is user ${chat.userId}'s: an agent key takes queued chats only; reassigning needs a manager key`)
    }

    const assigned = chat.state === 'queued'
      ? await app.chatsRepository.assignQueued(clientId, chatId, userId, new Date())
      : await app.chatsRepository.reassignOpen(clientId, chatId, chat.userId, userId)
    if (!assigned) {
      throw await refusal(clientId, chatId, (now) => now.state === 'closed'
        ? `Chat ${chatId} is closed; a closed chat cannot be reassigned`
        : `Chat ${chatId} was assigned to user ${now.userId} by another request meanwhile; retry to reassign it`)
    }
    await app.events.announce('chats', [assigned])
    return toChat(assigned)
  })

  app.post('/api/v1/chats/:chatId/close', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['chats'],
      summary: 'Close an open chat: its handle ends now (or at its latest message, if that is dated later)',
      description: 'Identity: an agent-role key bound to a user closes its own user\'s chats only (403 for another agent\'s); ' +
        'integration keys and manager or admin bound keys close any chat. ' +
        'The handle end is never before a message of the chat: a message may be dated up to 60 s ahead, and the end is then that message\'s time. ' +
        'A message posted while the chat closes is either stored before the end or refused (409), never stored after it. ' +
        'A queued chat cannot be closed (its handling never started: 409); closing a closed chat is 409.',
      params: ChatParamsSchema,
      response: { 200: ChatSchema, ...errorResponses(400, 403, 404, 409) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { chatId } = request.params
    const agentId = ownChatsOnly(request) ?? undefined
    const closed = await app.chatsRepository.close(clientId, chatId, new Date(), agentId)
    if (!closed) {
      const chat = await app.chatsRepository.findById(clientId, chatId)
      if (!chat) throw notFound(chatId)
      if (chat.state === 'open' && agentId !== undefined && chat.userId !== agentId) {
        throw app.httpErrors.forbidden(`Chat ${chatId} is user ${chat.userId}'s: an agent key closes its own user's chats only`)
      }
      throw app.httpErrors.conflict(chat.state === 'queued'
        ? `Chat ${chatId} is queued: it cannot end before an agent starts handling it; assign it first`
        : `Chat ${chatId} is already closed`)
    }
    await app.events.announce('chats', [closed])
    return toChat(closed)
  })
}

export default chatsRoutes
