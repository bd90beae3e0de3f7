import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { messengerReader, messengerUser } from '../../plugins/identity.js'
import { decodeCursor, encodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, errorResponses } from '../../schemas/common.js'
import { UserParamsSchema, UserSchema } from '../users/schemas.js'
import { toUser } from '../users/repository.js'
import { chatroomService } from './chatroom-service.js'
import { inviteIntoRoom } from './invitations.js'
import { toChatroom, type ChatroomDocument } from './chatrooms-repository.js'
import {
  ChatroomParamsSchema, ChatroomSchema, CreateChatroomBodySchema, InviteBodySchema, ListChatroomsQuerySchema, MAX_CHATROOM_MEMBERS
} from './chatrooms-schemas.js'
import { creationId } from '../../plugins/idempotent-writes.js'

function chatroomPage (docs: ChatroomDocument[], limit: number) {
  return pageOf(docs, limit, toChatroom, (last) => ({ chatroomId: last.chatroomId }))
}

const afterChatroom = (cursor?: string) => cursor ? decodeCursor<{ chatroomId: number }>(cursor, ['chatroomId']).chatroomId : undefined

/** The identity rule of the routes that read a room without naming the reader. */
const MEMBERS_READ = 'Identity: a room is visible to its members only. A key bound to a user reads the rooms its user is a member of ' +
  '(another room is 403); an integration key needs the admin role (agent and manager integration keys: 403) and reads every room of the client.'

/** Chatrooms: rooms of a client's users, who are invited in as members. */
const chatroomsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chatrooms = chatroomService(app)

  /** The room, for a reader who must be a member of it (null: an admin integration key, which reads every room). */
  async function memberRoom (chatroomId: number, reader: number | null, clientId: ObjectId): Promise<ChatroomDocument> {
    const room = await chatrooms.room(clientId, chatroomId)
    if (reader !== null) await chatrooms.requireMember(clientId, room, reader)
    return room
  }

  app.post('/api/v1/chatrooms', {
    config: { auth: { role: 'agent' }, idempotent: true },
    schema: {
      tags: ['messenger'],
      summary: 'Create a chatroom; its creator and the listed users are its members',
      description: 'Identity: a key bound to a user creates the room as that user (omit `createdBy`; naming another user is 403); ' +
        'an integration key must have the admin role (agent and manager integration keys: 403) and name the creator in `createdBy` (400 without).',
      body: CreateChatroomBodySchema,
      response: { 201: ChatroomSchema, ...errorResponses(400, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const clientId = callerClientId(request)
    const createdBy = messengerUser(request, 'createdBy', request.body.createdBy)
    const { name, memberIds = [] } = request.body
    const members = [...new Set([createdBy, ...memberIds])]
    await chatrooms.requireUsers(clientId, members)
    const doc = await app.chatroomsRepository.create(clientId, { name, createdBy, memberIds: members }, creationId(request))
    return reply.code(201).send(toChatroom(doc))
  })

  app.get('/api/v1/chatrooms', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List the chatrooms in id order: a bound key\'s own rooms, or every room of the client for an admin integration key',
      description: MEMBERS_READ,
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(ChatroomSchema), ...errorResponses(400, 403) }
    }
  }, async (request) => {
    const memberId = messengerReader(request) ?? undefined
    const { limit, cursor } = request.query
    const docs = await app.chatroomsRepository.list(callerClientId(request), { limit: limit + 1, afterId: afterChatroom(cursor), memberId })
    return chatroomPage(docs, limit)
  })

  app.get('/api/v1/chatrooms/:chatroomId', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Get one chatroom',
      description: MEMBERS_READ,
      params: ChatroomParamsSchema,
      response: { 200: ChatroomSchema, ...errorResponses(400, 403, 404) }
    }
  }, async (request) => toChatroom(await memberRoom(request.params.chatroomId, messengerReader(request), callerClientId(request))))

  app.post('/api/v1/chatrooms/:chatroomId/members', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'Invite users into a chatroom (a member invites; users already in it are left as they are)',
      description: 'Identity: a key bound to a user invites as that user, into rooms its user is a member of (omit `invitedBy`; naming another ' +
        'user is 403); an integration key must have the admin role (agent and manager integration keys: 403) and name the inviting member in ' +
        `\`invitedBy\` (400 without). A room holds at most ${MAX_CHATROOM_MEMBERS} members. Inviting is idempotent: repeating the request changes nothing.`,
      params: ChatroomParamsSchema,
      body: InviteBodySchema,
      response: { 200: ChatroomSchema, ...errorResponses(400, 403, 404, 409) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const invitedBy = messengerUser(request, 'invitedBy', request.body.invitedBy)
    const room = await chatrooms.room(clientId, request.params.chatroomId)
    await chatrooms.requireMember(clientId, room, invitedBy)
    const { userIds } = request.body
    await chatrooms.requireUsers(clientId, userIds)
    const updated = await inviteIntoRoom(app, clientId, room, userIds)
    if (updated === 'full') throw app.httpErrors.conflict(`Chatroom ${room.chatroomId} would have more than ${MAX_CHATROOM_MEMBERS} members`)
    if (!updated) throw app.httpErrors.notFound(`Chatroom ${room.chatroomId} not found`)
    return toChatroom(updated)
  })

  app.get('/api/v1/chatrooms/:chatroomId/members', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['messenger'],
      summary: 'List the members of a chatroom in user id order',
      description: MEMBERS_READ,
      params: ChatroomParamsSchema,
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(UserSchema), ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const room = await memberRoom(request.params.chatroomId, messengerReader(request), clientId)
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
      description: 'Identity: a user\'s rooms are private. A key bound to a user lists its own user\'s rooms only (another `userId` is 403); ' +
        'an integration key needs the admin role (agent and manager integration keys: 403).',
      params: UserParamsSchema,
      querystring: ListChatroomsQuerySchema,
      response: { 200: Page(ChatroomSchema), ...errorResponses(400, 403, 404) }
    }
  }, async (request) => {
    const clientId = callerClientId(request)
    const userId = messengerUser(request, 'userId', request.params.userId)
    await chatrooms.requireUsers(clientId, [userId])
    const { limit, cursor } = request.query
    const docs = await app.chatroomsRepository.list(clientId, { limit: limit + 1, afterId: afterChatroom(cursor), memberId: userId })
    return chatroomPage(docs, limit)
  })
}

export default chatroomsRoutes
