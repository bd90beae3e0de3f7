import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
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
      description: 'An open chat keeps its handle start when it changes agent. A closed chat cannot be reassigned (409); ' +
        'an unknown user is 422; assigning the agent who already has the chat is 409.',
      params: ChatParamsSchema,
      body: AssignChatBodySchema,
      response: { 200: ChatSchema, ...errorResponses(400, 404, 409, 422) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { chatId } = request.params
    const { userId } = request.body
    const chat = await app.chatsRepository.findById(clientId, chatId)
    if (!chat) throw notFound(chatId)
    if (!await app.usersRepository.findById(clientId, userId)) throw app.httpErrors.unprocessableEntity(`User ${userId} does not exist`)
    if (chat.state === 'open' && chat.userId === userId) throw app.httpErrors.conflict(`Chat ${chatId} is already assigned to user ${userId}`)

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
      summary: 'Close an open chat: its handle ends now',
      description: 'A queued chat cannot be closed (its handling never started: 409); closing a closed chat is 409.',
      params: ChatParamsSchema,
      response: { 200: ChatSchema, ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { chatId } = request.params
    const closed = await app.chatsRepository.close(clientId, chatId, new Date())
    if (!closed) {
      throw await refusal(clientId, chatId, (now) => now.state === 'queued'
        ? `Chat ${chatId} is queued: it cannot end before an agent starts handling it; assign it first`
        : `Chat ${chatId} is already closed`)
    }
    await app.events.announce('chats', [closed])
    return toChat(closed)
  })
}

export default chatsRoutes
