import fp from 'fastify-plugin'
import usersRepository from './repository.js'
import usersRoutes from './routes.js'
import statusRoutes from './status-routes.js'

/** The users domain: its repository decorates the root app (chats and messenger use it), its routes stay encapsulated. */
export default fp(async function usersDomain (app) {
  await app.register(usersRepository)
  await app.register(usersRoutes)
  // Its stream and publishStatus use the messenger's live delivery (app.messengerLive), decorated later by the messenger domain.
  await app.register(statusRoutes)
}, { name: 'users-domain', dependencies: ['mongo', 'auth'] })
