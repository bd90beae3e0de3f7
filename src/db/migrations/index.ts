import type { Migration } from '../migrate.js'
import * as clientsAndApiKeys from './001-clients-and-api-keys.js'
import * as users from './002-users.js'
import * as idempotencyKeys from './003-idempotency-keys.js'
import * as messenger from './006-messenger.js'
import * as interactions from './004-interactions.js'
import * as chats from './005-chats.js'
import * as importRuns from './007-import-runs.js'
import * as idempotencyFailedState from './008-idempotency-failed-state.js'
import * as userBoundKeys from './009-user-bound-keys.js'
import * as importHeartbeatsAndCustomerCounters from './010-import-heartbeats-and-customer-counters.js'
import * as queryIndexes from './011-query-indexes.js'
import * as eventLog from './012-event-log.js'
import * as userStatus from './013-user-status.js'
import * as keyRevocationsAndRateLimits from './014-key-revocations-and-rate-limits.js'

/** Every migration in the order it is applied. Add new ones at the end; never edit an applied one. */
export const migrations: Migration[] = [
  clientsAndApiKeys,
  users,
  idempotencyKeys,
  messenger,
  interactions,
  chats,
  importRuns,
  idempotencyFailedState,
  userBoundKeys,
  importHeartbeatsAndCustomerCounters,
  queryIndexes,
  eventLog,
  userStatus,
  keyRevocationsAndRateLimits
]
