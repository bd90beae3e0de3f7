import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { decodeCursor, encodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { UserParamsSchema, UserSchema } from '../users/schemas.js'
import { toUser } from '../users/repository.js'
import { chatroomService } from './chatroom-service.js'
import { toChatroom, type ChatroomDocument } from './chatrooms-repository.js'
import {
  ChatroomParamsSchema, ChatroomSchema, CreateChatroomBodySchema, InviteBodySchema, ListChatroomsQuerySchema, MAX_CHATROOM_MEMBERS
} from './chatrooms-schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

function chatroomPage (docs: ChatroomDocument[], limit: number) {
  return pageOf(docs, limit, toChatroom, (last) => ({ chatroomId: last.chatroomId }))
}

const afterChatroom = (cursor?: string) => cursor ? decodeCursor<{ chatroomId: number }>(cursor, ['chatroomId']).chatroomId : undefined

/** Chatrooms: rooms of a client's users, who are invited in as members. */
const chatroomsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  app.post('/api/v1/chatrooms', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['messenger'],
      summary: 'Create a chatroom; its creator and the listed users are its members',
      body: CreateChatroomBodySchema,
      response: { 201: ChatroomSchema, ...errorResponses(400, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const { name, createdBy, memberIds = [] } = request.body
    const members = [...new Set([createdBy, ...memberIds])]
    await chatrooms.requireUsers(clientId, members)
    const doc = await app.chatroomsRepository.create(clientId, { name, createdBy, memberIds: members }, creationId(request))
    return reply.code(201).send(toChatroom(doc))
  })

  app.get('/api/v1/chatrooms', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List the client\'s chatrooms in id order',
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(ChatroomSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const docs = await app.chatroomsRepository.list(callerClientId(request), { limit: limit + 1, afterId: afterChatroom(cursor) })
    return chatroomPage(docs, limit)
  })

  app.get('/api/v1/chatrooms/:chatroomId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Get one chatroom',
      params: ChatroomParamsSchema,
      response: { 200: ChatroomSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => toChatroom(await chatrooms.room(callerClientId(request), request.params.chatroomId)))

  app.post('/api/v1/chatrooms/:chatroomId/members', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Invite users into a chatroom (a member invites; users already in it are left as they are)',
      description: `A room holds at most ${MAX_CHATROOM_MEMBERS} members. Inviting is idempotent: repeating the request changes nothing.`,
      params: ChatroomParamsSchema,
      body: InviteBodySchema,
      response: { 200: ChatroomSchema, ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    await chatrooms.requireMember(clientId, room, request.body.invitedBy)
    const { userIds } = request.body
    await chatrooms.requireUsers(clientId, userIds)
    const newcomers = userIds.filter((userId) => !room.memberIds.includes(userId))
    if (room.memberIds.length + newcomers.length > MAX_CHATROOM_MEMBERS) {
      throw app.httpErrors.conflict(`Chatroom ${room.chatroomId} would have more than ${MAX_CHATROOM_MEMBERS} members`)
    }
    const updated = await app.chatroomsRepository.addMembers(clientId, room.chatroomId, newcomers)
    if (!updated) throw app.httpErrors.notFound(`Chatroom ${room.chatroomId} not found`)
    return toChatroom(updated)
  })

  app.get('/api/v1/chatrooms/:chatroomId/members', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List the members of a chatroom in user id order',
      params: ChatroomParamsSchema,
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(UserSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    const { limit, cursor } = request.query
    const afterUserId = cursor ? decodeCursor<{ userId: number }>(cursor, ['userId']).userId : 0
    const ids = room.memberIds.filter((userId) => userId > afterUserId).sort((a, b) => a - b).slice(0, limit + 1)
    const users = await app.usersRepository.findByIds(clientId, ids.slice(0, limit))
    const last = ids.length > limit ? ids[limit - 1] : undefined
    return { data: users.map(toUser), nextCursor: last === undefined ? null : encodeCursor({ userId: last }) }
  })

  app.get('/api/v1/users/:userId/chatrooms', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List the chatrooms a user is a member of, in id order',
      params: UserParamsSchema,
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(ChatroomSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const { userId } = request.params
    await chatrooms.requireUsers(clientId, [userId])
    const { limit, cursor } = request.query
    const docs = await app.chatroomsRepository.list(clientId, { limit: limit + 1, afterId: afterChatroom(cursor), memberId: userId })
    return chatroomPage(docs, limit)
  })
}

export default chatroomsRoutes
