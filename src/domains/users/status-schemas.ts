import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime } from '../../schemas/common.js'

export const STATUS_STATES = ['online', 'away', 'busy', 'offline'] as const
export type StatusState = typeof STATUS_STATES[number]

/** An `online` status not renewed for this long reads as `offline`: the client that set it is gone. */
export const ONLINE_TTL_S = 300
export const STATUS_TEXT_MAX = 100

/** An enum rather than a union of literals, so that a wrong state is one clear validation error. */
export const StatusStateSchema = Type.Unsafe<StatusState>({ type: 'string', enum: [...STATUS_STATES], description: 'online, away, busy or offline' })

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u

/** What the schema cannot say about a status text: one line of real text, not only invisible characters. null when fine. */
export function statusTextProblem (text: string): string | null {
  if (CONTROL.test(text)) return 'text must be one line of text: no control characters (line breaks, tabs, NUL…)'
  if (LONE_SURROGATE.test(text)) return 'text is not valid Unicode text (a lone surrogate)'
  if (!VISIBLE.test(text)) return 'text must hold at least one visible character (a letter, digit, punctuation mark or symbol)'
  return null
}

export const StatusText = Type.String({
  minLength: 1,
  maxLength: STATUS_TEXT_MAX,
  pattern: '\\S',
  description: `1 to ${STATUS_TEXT_MAX} characters on one line (no control characters such as line breaks or tabs), with at least ` +
    'one visible character (not only spaces or invisible ones); stored trimmed. Omit for no text: each status replaces the previous one whole',
  examples: ['in a meeting until 3']
})

export const STATUS_RULE = `An \`online\` status lasts ${ONLINE_TTL_S / 60} minutes: a client renews it (sets it again, e.g. every 2 minutes) ` +
  'while the user is there, and one not renewed in time reads as `offline` (its `updatedAt` is then the last time the user was seen). ' +
  '`away`, `busy` and `offline` stay until the user changes them. A user who never set a status reads as `offline`.'

export const UserStatusSchema = Type.Object({
  state: StatusStateSchema,
  text: Type.Union([Type.String(), Type.Null()], { description: 'The user\'s short text, null when none' }),
  updatedAt: Type.Union([IsoDateTime, Type.Null()], { description: 'When the user last set their status; null when never' }),
  expiresAt: Type.Union([IsoDateTime, Type.Null()], { description: 'When an online status reads as offline unless renewed; null for the other states' })
}, { title: 'UserStatus', description: STATUS_RULE })
export type UserStatus = Static<typeof UserStatusSchema>

/** One user's status, as the status routes answer it and as the `user-status` event carries it. */
export const UserStatusOfSchema = Type.Composite([Type.Object({ userId: IntegerId }), UserStatusSchema], { title: 'UserStatusOf' })
export type UserStatusOf = Static<typeof UserStatusOfSchema>

export const SetStatusBodySchema = Type.Object({
  state: StatusStateSchema,
  text: Type.Optional(StatusText)
}, { additionalProperties: false })
export type SetStatusBody = Static<typeof SetStatusBodySchema>
