import createError from '@fastify/error'
import { Int32 } from 'bson'
import { decodeCursor } from '../../lib/cursor.js'
import type { MessagePosition } from './messages-repository.js'

const InvalidCursor = createError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API issued', 400)

function integerOf (value: unknown): number {
  const number = value instanceof Int32 ? value.value : value
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) throw new InvalidCursor()
  return number
}

/** The last chat id of the previous page of chats. */
export function decodeChatPosition (cursor: string): number {
  return integerOf(decodeCursor<{ chatId: unknown }>(cursor, ['chatId']).chatId)
}

/** The send time and id of the last message of the previous page of a chat's messages. */
export function decodeMessagePosition (cursor: string): MessagePosition {
  const { sentAt, messageId } = decodeCursor<{ sentAt: unknown, messageId: unknown }>(cursor, ['sentAt', 'messageId'])
  if (!(sentAt instanceof Date) || Number.isNaN(sentAt.getTime())) throw new InvalidCursor()
  return { sentAt, messageId: integerOf(messageId) }
}
