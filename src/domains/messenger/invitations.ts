import type { FastifyInstance } from 'fastify'
import type { ObjectId } from 'mongodb'
import type { ChatroomDocument } from './chatrooms-repository.js'
import { MAX_CHATROOM_MEMBERS } from './chatrooms-schemas.js'

/** How often an invitation re-reads a room that changed under it before it gives up. */
const ATTEMPTS = 5

/**
 * Adds users to a room, never past MAX_CHATROOM_MEMBERS even when invitations race: each write is conditional on the
 * room's size it was computed from. 'full': they would not fit; null: the room is gone. Users already in it stay once.
 */
export async function inviteIntoRoom (app: FastifyInstance, clientId: ObjectId, room: ChatroomDocument, userIds: number[]): Promise<ChatroomDocument | 'full' | null> {
  let current = room
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const newcomers = userIds.filter((userId) => !current.memberIds.includes(userId))
    if (newcomers.length === 0) return current
    if (current.memberIds.length + newcomers.length > MAX_CHATROOM_MEMBERS) return 'full'
    const updated = await app.chatroomsRepository.addMembers(clientId, current.chatroomId, newcomers, MAX_CHATROOM_MEMBERS - newcomers.length)
    if (updated) return updated
    const reread = await app.chatroomsRepository.findById(clientId, current.chatroomId)
    if (!reread) return null
    current = reread
  }
  return 'full'
}
