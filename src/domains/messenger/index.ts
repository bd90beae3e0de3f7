import fp from 'fastify-plugin'
import chatroomMessagesRepository from './chatroom-messages-repository.js'
import chatroomMessagesRoutes from './chatroom-messages-routes.js'
import chatroomsRepository from './chatrooms-repository.js'
import chatroomsRoutes from './chatrooms-routes.js'
import directMessagesRepository from './direct-messages-repository.js'
import directMessagesRoutes from './direct-messages-routes.js'
import legacyMessengerRoutes from './legacy-routes.js'
import legacyChatroomsRoutes from './legacy-chatrooms-routes.js'
import legacyRoomMessagesRoutes from './legacy-room-messages-routes.js'
import legacyUsersRoutes from './legacy-users-routes.js'
import liveRoutes from './live-routes.js'
import { HEARTBEAT_MS, LiveMessages } from './live.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The messenger's bus and open event streams. */
    messengerLive: LiveMessages
  }
}

/**
 * The messenger: direct messages, chatrooms and live delivery; repositories decorate the root app, routes stay encapsulated.
 * Heartbeats come at least twice per idle-socket timeout, so an open stream is never cut for idleness.
 */
export default fp(async function messengerDomain (app) {
  await app.register(directMessagesRepository)
  await app.register(chatroomsRepository)
  await app.register(chatroomMessagesRepository)
  const live = new LiveMessages(Math.min(HEARTBEAT_MS, Math.floor(app.config.CONNECTION_TIMEOUT_MS / 2)))
  app.decorate('messengerLive', live)
  app.addHook('preClose', async () => { live.closeAll() })
  await app.register(directMessagesRoutes)
  await app.register(chatroomsRoutes)
  await app.register(chatroomMessagesRoutes)
  await app.register(legacyMessengerRoutes)
  await app.register(legacyChatroomsRoutes)
  await app.register(legacyRoomMessagesRoutes)
  await app.register(legacyUsersRoutes)
  await app.register(liveRoutes)
}, { name: 'messenger-domain', dependencies: ['mongo', 'auth', 'users-domain'] })
