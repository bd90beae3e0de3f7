import fp from 'fastify-plugin'
import chatroomMessagesRepository, { toChatroomMessage, type ChatroomMessageDocument } from './chatroom-messages-repository.js'
import chatroomMessagesRoutes from './chatroom-messages-routes.js'
import chatroomsRepository from './chatrooms-repository.js'
import chatroomsRoutes from './chatrooms-routes.js'
import directMessagesRepository, { toDirectMessage, type DirectMessageDocument } from './direct-messages-repository.js'
import directMessagesRoutes from './direct-messages-routes.js'
import legacyMessengerRoutes from './legacy-routes.js'
import legacyChatroomsRoutes from './legacy-chatrooms-routes.js'
import legacyRoomMessagesRoutes from './legacy-room-messages-routes.js'
import legacyUsersRoutes from './legacy-users-routes.js'
import liveRoutes from './live-routes.js'
import { audience } from '../events/types.js'

/** The messenger: direct messages, chatrooms and live delivery; repositories decorate the root app, routes stay encapsulated. */
export default fp(async function messengerDomain (app) {
  await app.register(directMessagesRepository)
  await app.register(chatroomsRepository)
  await app.register(chatroomMessagesRepository)
  app.events.registerSource('directMessages', {
    collection: app.mongo.db.collection<DirectMessageDocument>('directMessages'),
    describe: (doc) => ({ audience: [audience.user(doc.recipientId)], data: toDirectMessage(doc) })
  })
  app.events.registerSource('chatroomMessages', {
    collection: app.mongo.db.collection<ChatroomMessageDocument>('chatroomMessages'),
    describe: (doc) => ({ audience: [audience.room(doc.chatroomId)], data: toChatroomMessage(doc) })
  })
  await app.register(directMessagesRoutes)
  await app.register(chatroomsRoutes)
  await app.register(chatroomMessagesRoutes)
  await app.register(legacyMessengerRoutes)
  await app.register(legacyChatroomsRoutes)
  await app.register(legacyRoomMessagesRoutes)
  await app.register(legacyUsersRoutes)
  await app.register(liveRoutes)
}, { name: 'messenger-domain', dependencies: ['mongo', 'auth', 'users-domain', 'events-domain'] })
