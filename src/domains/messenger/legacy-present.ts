import type { ChatroomDocument } from './chatrooms-repository.js'
import type { ChatroomMessageDocument } from './chatroom-messages-repository.js'
import type { UserDocument } from '../users/repository.js'
import { toUserStatus } from '../users/status.js'
import type { LegacyChatroom, LegacyChatroomDetails, LegacyMessage } from './legacy-chatrooms-schemas.js'
import type { LegacyMessengerUser } from './legacy-users-schemas.js'

/** The seed's timestamps: Unix time in whole seconds. */
const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000)
const isoToSeconds = (iso: string | null): number | null => iso === null ? null : unixSeconds(new Date(iso))

export function toLegacyChatroom (doc: ChatroomDocument): LegacyChatroom {
  return {
    chatroom_id: doc.chatroomId,
    name: doc.name,
    created_by_user_id: doc.createdBy,
    member_count: doc.memberIds.length,
    created_ts: unixSeconds(doc.createdAt)
  }
}

export function toLegacyChatroomDetails (doc: ChatroomDocument): LegacyChatroomDetails {
  return { ...toLegacyChatroom(doc), member_user_ids: [...doc.memberIds].sort((a, b) => a - b) }
}

export function toLegacyMessage (doc: ChatroomMessageDocument): LegacyMessage {
  return {
    message_id: doc.messageId,
    chatroom_id: doc.chatroomId,
    sender_user_id: doc.senderId,
    message_str: doc.text,
    message_sent_ts: unixSeconds(doc.sentAt)
  }
}

/** A user with the status as it reads now (an online status not renewed in time reads as offline). */
export function toLegacyUser (doc: UserDocument): LegacyMessengerUser {
  const status = toUserStatus(doc.status)
  return {
    user_id: doc.userId,
    name: doc.name,
    role: doc.role,
    created_ts: unixSeconds(doc.createdAt),
    status: status.state,
    status_text: status.text,
    status_updated_ts: isoToSeconds(status.updatedAt),
    status_expires_ts: isoToSeconds(status.expiresAt)
  }
}
