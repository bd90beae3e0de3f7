import fp from 'fastify-plugin'
import chatsRepository from './chats-repository.js'
import messagesRepository from './messages-repository.js'
import chatStats from './stats.js'
import performanceRoutes from './performance-routes.js'
import chatsRoutes from './chats-routes.js'
import messagesRoutes from './messages-routes.js'
import chatStreamRoutes from './stream-routes.js'
import { registerChatEvents } from './events.js'

/** Live chats, their messages and agent performance: repositories decorate the root app, routes stay encapsulated. */
export default fp(async function chatsDomain (app) {
  await app.register(chatsRepository)
  await app.register(messagesRepository)
  registerChatEvents(app)
  await app.register(chatStats)
  await app.register(performanceRoutes)
  await app.register(chatsRoutes)
  await app.register(messagesRoutes)
  await app.register(chatStreamRoutes)
}, { name: 'chats-domain', dependencies: ['mongo', 'auth', 'users-domain', 'events-domain'] })
